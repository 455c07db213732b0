"""A run killed by SIGKILL at any point leaves the warehouse as before or after that run.

Each test really kills a subprocess running `impact run` at a chosen point (the
IMPACT_TEST_KILL_AT hook in pipelines/core/faults.py), checks the published warehouse and report,
re-runs, and compares every published table with a clean run's (timestamps and run ids aside).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.ingestion.conftest import ACTIVITIES_CSV, CVR_A, CVR_B, CVR_C, GRANTS_CSV

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-06-30"
VOLATILE = {"ingested_at", "_loaded_at", "run_id", "file_mtime_ns", "file_ctime_ns"}
TABLES = [
    "meta.ingested_files", "quality.rejected_rows", "raw.rows", "staging.grants", "staging.activities",
    "staging.participation", "marts.indicators", "marts.flags",
]


def _write_inbox(inbox: Path) -> None:
    files = {
        "grants/g.csv": GRANTS_CSV,
        "activities/a.csv": ACTIVITIES_CSV,
        "participation/p1.csv": f"activity_id,cvr,participation_date\nAC1,{CVR_A},2025-02-01\nAC1,{CVR_B},2025-02-01\n",
        "participation/p2.csv": f"activity_id,cvr,participation_date\nAI1,{CVR_C},2025-03-02\nAC1,123,2025-02-01\n",
    }
    for rel, text in files.items():
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_text(text, encoding="utf-8")


def _run(inbox: Path, warehouse: Path, reports: Path, kill_at: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "IMPACT_TEST_KILL_AT")}
    if kill_at:
        env["IMPACT_TEST_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--warehouse", str(warehouse),
         "--reports", str(reports), "--as-of", AS_OF],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )


def _snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = {}
        for table in TABLES:
            schema, name = table.split(".")
            columns = [
                r[0] for r in con.execute(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? "
                    "ORDER BY ordinal_position", [schema, name]
                ).fetchall() if r[0] not in VOLATILE
            ]
            rows = con.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()
            out[table] = sorted(rows, key=repr)
        return out


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory) -> dict[str, list[tuple]]:
    root = tmp_path_factory.mktemp("clean")
    _write_inbox(root / "inbox")
    done = _run(root / "inbox", root / "w.duckdb", root / "reports")
    assert done.returncode == 0, done.stderr
    return _snapshot(root / "w.duckdb")


@pytest.mark.slow
@pytest.mark.parametrize(
    "kill_at",
    [
        "ingest:during:participation/p2.csv",   # inside a file's transaction
        "ingest:after:participation/p1.csv",    # between two files
        "model:marts/indicators",               # while building the indicators
        "report:before_rename:impact_report_*", # while writing the report
    ],
)
def test_killed_first_run_leaves_nothing_and_the_next_run_is_clean(tmp_path, clean_run, kill_at):
    inbox, warehouse, reports = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports"
    _write_inbox(inbox)
    killed = _run(inbox, warehouse, reports, kill_at)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert _snapshot(warehouse) == {}  # as before the run: no warehouse was published
    done = _run(inbox, warehouse, reports)
    assert done.returncode == 0, done.stderr
    assert _snapshot(warehouse) == clean_run
    report = reports / "impact_report.html"
    assert report.read_text(encoding="utf-8").rstrip().endswith("</html>")


@pytest.mark.slow
def test_killed_second_run_leaves_the_first_runs_warehouse_and_report_whole(tmp_path, clean_run):
    inbox, warehouse, reports = tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports"
    _write_inbox(inbox)
    assert _run(inbox, warehouse, reports).returncode == 0
    before = _snapshot(warehouse)
    report_before = (reports / "impact_report.html").read_bytes()
    (inbox / "participation" / "p3.csv").write_text(
        f"activity_id,cvr,participation_date\nAI1,{CVR_A},2025-03-09\n", encoding="utf-8"
    )
    killed = _run(inbox, warehouse, reports, "report:before_rename:impact_report_*")
    assert killed.returncode == -signal.SIGKILL
    assert _snapshot(warehouse) == before
    assert (reports / "impact_report.html").read_bytes() == report_before
    assert _run(inbox, warehouse, reports).returncode == 0
    after = _snapshot(warehouse)
    assert ("participation/p3.csv" in {r[1] for r in after["meta.ingested_files"]})
    assert len(after["staging.participation"]) == len(clean_run["staging.participation"]) + 1
