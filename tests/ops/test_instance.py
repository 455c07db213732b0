"""One Dagster instance: `impact run` records its run, its materialisations (with metadata) and
its check results in the deployment's instance, which the UI and the services share."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.cli import main
from pipelines.instance import SQLITE_YAML, dagster_home, ensure_home, prune_old_runs
from tests.reliability.runs import ROOT, impact_run, write_inbox


def test_the_home_defaults_beside_the_warehouse_and_gets_the_shipped_config(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv("DAGSTER_PG_HOST", raising=False)
    home = ensure_home(tmp_path / "data" / "warehouse.duckdb")
    assert home == tmp_path / "data" / "dagster_home"
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["telemetry"] == {"enabled": False}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_coordinator"]["config"] == {"max_concurrent_runs": 1}
    assert "storage" not in config  # SQLite under DAGSTER_HOME, Dagster's default
    # an operator's own dagster.yaml is never overwritten
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    ensure_home(tmp_path / "data" / "warehouse.duckdb")
    assert (home / "dagster.yaml").read_text() == "telemetry:\n  enabled: false\n"
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "elsewhere"))
    assert dagster_home(tmp_path / "data" / "warehouse.duckdb") == tmp_path / "elsewhere"
    # `impact instance` (the services' ExecStartPre) creates that home with the shipped config
    assert main(["instance"]) == 0
    assert (tmp_path / "elsewhere" / "dagster.yaml").read_text() == SQLITE_YAML.read_text()


def test_the_shipped_configs_load_as_instances(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(SQLITE_YAML.read_text())
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 1
        assert not instance.telemetry_enabled


@pytest.mark.slow
def test_impact_run_records_its_run_materialisations_and_checks_in_the_instance(tmp_path: Path):
    write_inbox(tmp_path / "inbox")
    done = impact_run(tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports")
    assert done.returncode == 0, done.stderr[-3000:]
    home = tmp_path / "dagster_home"  # beside the warehouse: DAGSTER_HOME was not set
    with dg.DagsterInstance.from_config(str(home)) as instance:
        (run,) = instance.get_runs()
        assert run.job_name == "nightly_impact_run" and run.status == dg.DagsterRunStatus.SUCCESS
        for key in ("staging/grants", "marts/indicators", "marts/flags"):
            assert instance.fetch_materializations(dg.AssetKey(key.split("/")), limit=1).records, key
        indicators = instance.get_latest_materialization_event(dg.AssetKey(["marts", "indicators"]))
        metadata = indicators.asset_materialization.metadata
        assert "dagster/row_count" in metadata or "rows" in metadata, sorted(metadata)
        checks = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        names = {e.dagster_event.event_specific_data.check_name for e in checks}
        assert {"contract_suite", "indicators_integrity", "ingestion_health"} <= names
        assert prune_old_runs(instance, days=1) == 0  # nothing is old enough
        assert prune_old_runs(instance, days=0) == 0  # 0 keeps every run


def test_a_new_home_gets_the_postgres_config_when_postgres_is_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("DAGSTER_PG_HOST", "db.internal")
    home = ensure_home(tmp_path / "w.duckdb")
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["storage"]["postgres"]["postgres_db"]["hostname"] == {"env": "DAGSTER_PG_HOST"}
    assert config["run_coordinator"]["config"] == {"max_concurrent_runs": 1}
    assert config["telemetry"] == {"enabled": False}


def test_processes_opening_a_new_home_at_once_all_get_the_instance(tmp_path):
    """Two `impact run`s started at once on a new home both created its SQLite tables ("table runs
    already exists"); the home is now set up under a lock."""
    import subprocess
    import sys

    code = (
        "import sys; from pathlib import Path; from pipelines.instance import instance\n"
        "with instance(Path(sys.argv[1])) as i: print(len(i.get_runs()))"
    )
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "w.duckdb")], cwd=ROOT, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], [err[-500:] for _, err in results]
    assert [out.strip() for out, _ in results] == ["0"] * 4


def _postgres_server() -> dict[str, str] | None:
    """The PostgreSQL server the tests may use: ``IMPACT_TEST_PG_HOST`` (``.ci/run`` starts one and
    sets it), ``_PORT`` (5432), ``_USER``, ``_PASSWORD``; None when it is not set."""
    host = os.environ.get("IMPACT_TEST_PG_HOST")
    if not host:
        return None
    return {
        "host": host,
        "port": os.environ.get("IMPACT_TEST_PG_PORT", "5432"),
        "user": os.environ.get("IMPACT_TEST_PG_USER", "postgres"),
        "password": os.environ.get("IMPACT_TEST_PG_PASSWORD", ""),
    }


@pytest.mark.slow
def test_impact_run_records_its_run_in_a_postgresql_instance(tmp_path: Path, monkeypatch):
    """The shipped PostgreSQL configuration against a real server: a new home gets it, and a run is
    recorded there. (Until December 2026 it named no driver, and SQLAlchemy 2.1 took psycopg 3,
    which dagster-postgres does not install: every run failed before its first step.)"""
    server = _postgres_server()
    if server is None:
        pytest.skip("no PostgreSQL server for tests (IMPACT_TEST_PG_HOST; .ci/run starts one)")
    psycopg2 = pytest.importorskip("psycopg2")  # the `postgres` extra, which scripts/bootstrap.sh installs
    database = f"impact_test_{os.getpid()}_{tmp_path.name[-8:]}".lower().replace("-", "_")
    admin = psycopg2.connect(dbname="postgres", host=server["host"], port=server["port"],
                             user=server["user"], password=server["password"])
    admin.autocommit = True
    try:
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{database}"')
        pg_env = {"DAGSTER_PG_HOST": server["host"], "DAGSTER_PG_PORT": server["port"],
                  "DAGSTER_PG_DB": database, "DAGSTER_PG_USER": server["user"],
                  "DAGSTER_PG_PASSWORD": server["password"]}
        for name, value in pg_env.items():
            monkeypatch.setenv(name, value)
        home = tmp_path / "dagster_home"
        monkeypatch.setenv("DAGSTER_HOME", str(home))
        write_inbox(tmp_path / "inbox")
        done = impact_run(tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports")  # inherits the above
        assert done.returncode == 0, done.stderr[-3000:]
        assert "postgres" in yaml.safe_load((home / "dagster.yaml").read_text())["storage"]
        with dg.DagsterInstance.from_config(str(home)) as instance:
            assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
            (run,) = instance.get_runs()
            assert run.job_name == "nightly_impact_run" and run.status == dg.DagsterRunStatus.SUCCESS
            assert instance.fetch_materializations(dg.AssetKey(["marts", "indicators"]), limit=1).records
        with admin.cursor() as cur:  # the rows are in the server's database, not in files of the home
            cur.execute("SELECT count(*) FROM pg_database WHERE datname = %s", [database])
            assert cur.fetchone()[0] == 1
        assert not list(home.rglob("*.db"))
    finally:
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.close()
