"""pipelines/launcher.py: runs launched through the instance (as the daemon launches them) start
in a child of the warm worker, with its warm-up already done; a second run reuses the worker; the
worker is replaced when the code changes and when it is gone; a failing step fails the run; a
broken warm-up still runs the run, cold; and the UI's "Terminate" cancels a warm run."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.launcher.base import WorkerStatus

from pipelines.launcher import started
from tests.ops import warm_jobs

ROOT = Path(__file__).resolve().parents[2]


def _instance(home: Path, warm_up: str) -> dg.DagsterInstance:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(
        "run_launcher:\n"
        "  module: pipelines.launcher\n"
        "  class: WarmRunLauncher\n"
        "  config:\n"
        f"    warm_up: {warm_up}\n"
        "telemetry:\n  enabled: false\n"
    )
    return dg.DagsterInstance.from_config(str(home))


def _launch(instance: dg.DagsterInstance, job: dg.JobDefinition, run_config: dict) -> str:
    origin = dg.reconstructable(job).get_python_origin()
    run = instance.create_run_for_job(job_def=job, run_config=run_config, job_code_origin=origin)
    instance.launch_run(run.run_id, workspace=None)  # type: ignore[arg-type]  # unused by this launcher
    return run.run_id


def _wait(instance: dg.DagsterInstance, run_id: str, statuses: set[str], timeout: float = 120) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = instance.get_run_by_id(run_id)
        if run and run.status.value in statuses:
            return run
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} is {run.status if run else None}, not one of {statuses}")


def _where(instance: dg.DagsterInstance, tmp_path: Path, name: str) -> tuple[dg.DagsterRun, dict]:
    out = tmp_path / f"{name}.json"
    run_id = _launch(instance, warm_jobs.where_it_ran, {"ops": {"report_process": {"config": {"out": str(out)}}}})
    run = _wait(instance, run_id, {"SUCCESS", "FAILURE", "CANCELED"})
    assert run.status == dg.DagsterRunStatus.SUCCESS
    return run, json.loads(out.read_text())


def _message(entry) -> str:
    event = entry.dagster_event
    return (event.message if event else None) or entry.user_message or ""


@pytest.fixture()
def cwd_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # where the jobs' module is importable from (as the services run)


def test_runs_start_in_children_of_one_warm_worker(tmp_path, cwd_root):
    with _instance(tmp_path / "home", "tests.ops.warm_jobs:warm_up_test") as instance:
        try:
            first, seen_first = _where(instance, tmp_path, "first")
            second, seen_second = _where(instance, tmp_path, "second")
            for run, seen in ((first, seen_first), (second, seen_second)):
                assert started(run) == ("warm", seen["pid"], socket.gethostname())
                assert seen["pid"] != os.getpid()
                assert seen["warmed"] is True  # the warm-up ran before the fork, not in the run
            assert seen_first["ppid"] == seen_second["ppid"]  # the same worker forked both
            assert seen_first["pid"] != seen_second["pid"]
            events = instance.all_logs(first.run_id)
            assert any("child of the warm worker" in _message(e) for e in events), [_message(e) for e in events]

            # New code on disk: the next run comes from a new worker, warmed up again.
            module = Path(warm_jobs.__file__)
            stat = module.stat()
            os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
            try:
                third, seen_third = _where(instance, tmp_path, "third")
            finally:
                os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            assert started(third)[0] == "warm" and seen_third["warmed"] is True
            assert seen_third["ppid"] != seen_first["ppid"]

            # The worker killed (out of memory, by an operator): the next run gets a new one.
            os.kill(seen_third["ppid"], signal.SIGKILL)
            time.sleep(0.5)
            fourth, seen_fourth = _where(instance, tmp_path, "fourth")
            assert started(fourth)[0] == "warm" and seen_fourth["ppid"] not in (seen_third["ppid"], os.getpid())

            # A step that fails in a warm child is a failed run, as in a run started cold.
            failed_id = _launch(instance, warm_jobs.failing_run, {})
            failed = _wait(instance, failed_id, {"SUCCESS", "FAILURE", "CANCELED"})
            assert failed.status == dg.DagsterRunStatus.FAILURE and started(failed)[0] == "warm"
            failures = [e.dagster_event for e in instance.all_logs(failed_id, of_type=dg.DagsterEventType.STEP_FAILURE)]
            assert [f.step_key for f in failures] == ["fail_on_purpose"]
            assert "fails on purpose" in failures[0].event_specific_data.error.to_string()
        finally:
            instance.run_launcher.dispose()


def test_a_broken_warm_up_starts_the_run_cold(tmp_path, cwd_root):
    with _instance(tmp_path / "home", "tests.ops.warm_jobs:warm_up_broken") as instance:
        run, seen = _where(instance, tmp_path, "cold")
        assert started(run)[:2] == ("cold", seen["pid"])
        assert seen["warmed"] is False
        messages = [_message(e) for e in instance.all_logs(run.run_id)]
        assert any("started cold" in m and "broken on purpose" in m for m in messages), messages


def test_terminate_cancels_a_warm_run(tmp_path, cwd_root):
    with _instance(tmp_path / "home", "tests.ops.warm_jobs:warm_up_test") as instance:
        try:
            run_id = _launch(instance, warm_jobs.long_run, {"ops": {"wait_a_while": {"config": {"seconds": 120.0}}}})
            _wait(instance, run_id, {"STARTED"})
            started = time.monotonic()
            assert instance.run_launcher.terminate(run_id) is True
            run = _wait(instance, run_id, {"CANCELED", "FAILURE", "SUCCESS"}, timeout=60)
            assert run.status == dg.DagsterRunStatus.CANCELED
            assert time.monotonic() - started < 60
            assert instance.run_launcher.terminate(run_id) is False  # finished: nothing to stop
        finally:
            instance.run_launcher.dispose()


def test_a_killed_run_is_seen_as_failed_and_a_run_it_did_not_start_as_running(tmp_path, cwd_root):
    """What the daemon's run monitoring (enabled in deploy/dagster.yaml) asks the launcher."""
    with _instance(tmp_path / "home", "tests.ops.warm_jobs:warm_up_test") as instance:
        launcher = instance.run_launcher
        try:
            run_id = _launch(instance, warm_jobs.long_run, {"ops": {"wait_a_while": {"config": {"seconds": 120.0}}}})
            run = _wait(instance, run_id, {"STARTED"})
            assert launcher.check_run_worker_health(run).status == WorkerStatus.RUNNING
            os.kill(started(run)[1], signal.SIGKILL)  # as the kernel's OOM killer would
            deadline = time.monotonic() + 10
            while launcher.check_run_worker_health(run).status != WorkerStatus.FAILED:
                assert time.monotonic() < deadline, "the killed run's process still counts as running"
                time.sleep(0.2)
            in_process = instance.create_run_for_job(job_def=warm_jobs.where_it_ran, run_config={
                "ops": {"report_process": {"config": {"out": str(tmp_path / "x.json")}}}})
            assert launcher.check_run_worker_health(in_process).status == WorkerStatus.RUNNING
        finally:
            instance.run_launcher.dispose()
