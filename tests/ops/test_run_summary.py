"""`impact run`'s summary: each file of the run, pipeline health apart from the clusters'
performance, and what changed against the state before the run (also after a same-day re-run)."""

from __future__ import annotations

import datetime as dt

import pytest

from assets.models.run_history import RunChanges
from pipelines.core.config import load_settings
from pipelines.runner import change_lines, run_pipeline
from tests.reliability.runs import AS_OF, write_inbox

BEFORE = ("0123456789abcdef", dt.date(2026, 6, 30), dt.datetime(2026, 6, 30, 2, 0))


def test_change_lines_name_status_changes_and_flags_in_plain_text():
    changes = RunChanges(
        "run-2", dt.date(2026, 6, 30), BEFORE, {"censec": "on_track"},
        clusters=[("censec", "behind", "on_track")],
        flags_added=[("clean", "equity_ratio", "2025", "ERROR", "CLEAN: negative equity in 2025")],
        flags_removed=[("censec", "smes_collective", "to_date", "WARN", "CenSec: 1 of 1,5 ...")],
    )
    assert change_lines(changes) == [
        "  changes since the previous run of this reporting date (run 01234567, 2026-06-30 02:00 UTC):",
        "    censec: behind -> on track",
        "    flag added: clean equity_ratio 2025 (ERROR): CLEAN: negative equity in 2025",
        "    flag removed: censec smes_collective to_date (WARN): CenSec: 1 of 1,5 ...",
    ]
    later = RunChanges("run-3", dt.date(2026, 12, 31), BEFORE)
    assert change_lines(later)[:2] == [
        "  changes since as of 2026-06-30 (run 01234567, 2026-06-30 02:00 UTC):",
        "    no cluster changed status; no flag added or removed",
    ]
    assert change_lines(RunChanges("run-1", dt.date(2026, 6, 30), None)) == [
        "  changes: the first recorded run for this warehouse, nothing to compare with"
    ]


@pytest.mark.slow
def test_the_summary_lists_each_file_and_the_changes_of_a_same_day_re_run(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_inbox(inbox)
    settings = load_settings(inbox, tmp_path / "w.duckdb", tmp_path / "reports", AS_OF)
    assert run_pipeline(settings) == 0
    first = capsys.readouterr().out
    # tests/reliability/runs.py: p2.csv has one good row and one with CVR "123"
    assert "    participation/p2.csv: 1 rows accepted, 1 rejected" in first
    assert "    grants/g.csv: 2 rows accepted, 0 rejected" in first  # GC1, GI1
    assert "  changes: the first recorded run for this warehouse, nothing to compare with" in first
    assert "  pipeline: " in first and " · clusters: " in first
    assert "{" not in first  # no Python dicts

    (inbox / "accounts").mkdir()
    (inbox / "accounts" / "broken.xlsx").write_bytes(b"not a spreadsheet at all")
    assert run_pipeline(settings) == 0  # a failed file fails alone
    second = capsys.readouterr().out
    assert "files ingested: 0, duplicate: 0, failed: 1" in second
    assert "    accounts/broken.xlsx: FAILED: " in second
    assert "  changes since the previous run of this reporting date (run " in second
    assert "ingestion_health" in second  # a failed file is pipeline health, named
    alert = (tmp_path / "alerts.log").read_text()
    assert "ALERT files_failed: 1 delivered file(s) failed" in alert and "accounts/broken.xlsx" in alert
