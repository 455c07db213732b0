"""Production: `dagster-daemon run` and `dagster-webserver` as two real, separate processes on one
temporary instance (as deploy/systemd runs them). A file in the inbox makes the sensor launch a
run that completes; the schedule's tick (every minute here, IMPACT_NIGHTLY_CRON) launches a run
that completes, and a later tick's run leaves out the steps nothing changed for; every run
started in a child of the daemon's warm worker; the webserver shows the runs; both services stop
by PID (the warm worker and its children with them)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest

from pipelines.instance import ensure_home
from pipelines.launcher import started
from tests.ops.test_dagster_ui_smoke import _free_port, _graphql
from tests.reliability.runs import write_inbox

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RUNS = """{ runsOrError { ... on Runs { results { runId jobName status tags { key value } } } } }"""


def _start(command: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen, object]:
    out = log.open("wb")
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, out


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to the service's process group (it and the code servers it started), SIGKILL if
    it has not ended within 20 s; then every one of them is gone."""
    family = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(recursive=True)]
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
    _, alive = psutil.wait_procs([p for p in map(_process, family) if p], timeout=20)
    for p in alive:
        p.kill()
    assert proc.returncode is not None
    assert not any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in alive), alive


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


@pytest.mark.slow
def test_daemon_and_webserver_run_the_sensor_and_the_schedule(tmp_path):
    inbox, warehouse, reports = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports"
    write_inbox(inbox)  # the files are dropped in the inbox
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IMPACT_TEST_")},
        "DAGSTER_HOME": str(tmp_path / "dagster_home"),
        "IMPACT_INBOX": str(inbox), "IMPACT_WAREHOUSE": str(warehouse), "IMPACT_REPORTS": str(reports),
        "IMPACT_NIGHTLY_CRON": "* * * * *",  # a tick every minute
        "IMPACT_SENSOR_SETTLED_AFTER_SECONDS": "0",  # take files at the first tick
    }
    os.environ["DAGSTER_HOME"] = env["DAGSTER_HOME"]
    try:
        home = ensure_home(warehouse)  # the shipped dagster.yaml: a queue of one run
    finally:
        os.environ.pop("DAGSTER_HOME")
    # The instance's SQLite storage is created here, before the services start: three processes
    # creating its tables at once race ("table alembic_version already exists").
    with dg.DagsterInstance.from_config(str(home)):
        pass
    port = _free_port()
    daemon, daemon_log = _start([str(BIN / "dagster-daemon"), "run", "-m", "pipelines.definitions"],
                                env, tmp_path / "daemon.log")
    web, web_log = _start([str(BIN / "dagster-webserver"), "-m", "pipelines.definitions",
                           "-h", "127.0.0.1", "-p", str(port)], env, tmp_path / "webserver.log")
    try:
        deadline = time.monotonic() + 240
        done: dict[str, dg.DagsterRunStatus] = {}
        while time.monotonic() < deadline:
            with dg.DagsterInstance.from_config(str(home)) as instance:
                runs = instance.get_runs()
            by_trigger = {}
            for run in runs:
                trigger = ("sensor" if run.tags.get("dagster/sensor_name") == "inbox_new_files"
                           else "schedule" if run.tags.get("dagster/schedule_name") else None)
                if trigger and run.status.value in ("SUCCESS", "FAILURE", "CANCELED"):
                    by_trigger.setdefault(trigger, run.status)
            done = by_trigger
            if len(done) == 2:
                break
            assert daemon.poll() is None and web.poll() is None, "a service ended"
            time.sleep(3)
        logs = (tmp_path / "daemon.log").read_text(errors="replace")[-4000:]
        assert done == {"sensor": dg.DagsterRunStatus.SUCCESS, "schedule": dg.DagsterRunStatus.SUCCESS}, logs
        assert warehouse.exists() and any(reports.glob("impact_report_*.html"))

        results = _graphql(port, RUNS)["runsOrError"]["results"]
        jobs = {(r["jobName"], r["status"]) for r in results}
        assert ("inbox_ingestion_run", "SUCCESS") in jobs and ("nightly_impact_run", "SUCCESS") in jobs

        # A later tick, nothing new delivered: the schedule's run leaves out the unchanged steps
        # (pipelines/planning.py) and succeeds.
        later = None
        while time.monotonic() < deadline + 150 and later is None:
            with dg.DagsterInstance.from_config(str(home)) as instance:
                later = next(
                    (r for r in instance.get_runs() if r.tags.get("dagster/schedule_name")
                     and r.asset_selection is not None and r.status.value in ("SUCCESS", "FAILURE")),
                    None,
                )
            time.sleep(3)
        assert later is not None and later.status == dg.DagsterRunStatus.SUCCESS, logs
        selected = {k.to_user_string() for k in later.asset_selection}
        assert "reports/impact_report" in selected and "staging/grants" not in selected
        assert later.tags["impact/ran"].endswith("/34 checks")  # e.g. "2/32 assets, 4/34 checks"
        # Every run of the daemon started as a child of its warm worker (pipelines/launcher.py),
        # the later ones without waiting for it to warm up again.
        with dg.DagsterInstance.from_config(str(home)) as instance:
            launched = [r for r in instance.get_runs() if r.status.value in ("SUCCESS", "FAILURE")]
        routes = [started(r) for r in launched]
        assert len(launched) >= 2 and all(routes), ([r.tags for r in launched], logs)
        assert {route for route, _, _ in routes} == {"warm"}, logs
    finally:
        for proc in (daemon, web):
            _stop(proc)
        daemon_log.close()
        web_log.close()
    assert daemon.returncode is not None and web.returncode is not None
