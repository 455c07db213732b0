"""A run launched by Dagster (as the daemon or the UI launch it: a run worker executing the job
from the code location) fails when its publication fails, and otherwise publishes where the
deployment's environment says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.reliability.runs import write_inbox

ROOT = Path(__file__).resolve().parents[2]


def _execute(tmp_path: Path, **env: str) -> tuple[subprocess.CompletedProcess, dg.DagsterRunStatus]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("IMPACT_TEST_")},
        "DAGSTER_HOME": str(home),
        "IMPACT_INBOX": str(tmp_path / "inbox"),
        "IMPACT_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "IMPACT_REPORTS": str(tmp_path / "reports"),
        "IMPACT_AS_OF": "2026-06-30",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "job", "execute", "-m", "pipelines.definitions",
         "-j", "inbox_ingestion_run"],
        cwd=ROOT, env=environment, capture_output=True, text=True, timeout=900,
    )
    previous = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(home)
    try:
        with dg.DagsterInstance.get() as instance:
            (run,) = instance.get_runs(limit=1)
            return done, run.status
    finally:
        if previous is None:
            os.environ.pop("DAGSTER_HOME")
        else:
            os.environ["DAGSTER_HOME"] = previous


@pytest.mark.slow
def test_a_launched_run_whose_publication_fails_is_a_failed_run(tmp_path):
    write_inbox(tmp_path / "inbox")
    done, status = _execute(tmp_path, IMPACT_TEST_FAULT_AT="publish:rename=EIO")
    assert status == dg.DagsterRunStatus.FAILURE, done.stdout[-3000:] + done.stderr[-3000:]
    assert "nothing was published" in done.stdout + done.stderr
    assert not (tmp_path / "w.duckdb").exists()

    done, status = _execute(tmp_path)
    assert status == dg.DagsterRunStatus.SUCCESS, done.stderr[-3000:]
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM meta.ingested_files").fetchall() == [(4,)]
