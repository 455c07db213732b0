"""A run killed by SIGKILL at any point leaves the warehouse as before or after that run.

Each test really kills a subprocess running `impact run` at a chosen point (the
IMPACT_TEST_KILL_AT hook in pipelines/core/faults.py), checks the published warehouse and report,
re-runs, and compares every published table with a clean run's (timestamps and run ids aside).
"""

from __future__ import annotations

import signal

import pytest

from tests.ingestion.samples import CVR_A
from tests.reliability.runs import impact_run
from tests.reliability.runs import snapshot as _snapshot
from tests.reliability.runs import write_inbox as _write_inbox


def _run(inbox, warehouse, reports, kill_at=None):
    return impact_run(inbox, warehouse, reports, kill_at=kill_at)


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
