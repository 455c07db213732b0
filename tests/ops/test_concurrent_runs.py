"""Two runs started at once against one warehouse both complete, one after the other."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, GRANTS_CSV

ROOT = Path(__file__).resolve().parents[2]


def _small_inbox_and_run_command(tmp_path: Path) -> tuple[Path, Path, list[str], dict[str, str]]:
    """A three-file inbox, and the `impact run` command (with its environment) for it."""
    inbox = tmp_path / "inbox"
    for rel, text in {
        "grants/g.csv": GRANTS_CSV,
        "activities/a.csv": ACTIVITIES_CSV,
        "participation/p.csv": f"activity_id,cvr,participation_date\nAC1,{CVR_A},2025-02-01\n",
    }.items():
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_text(text, encoding="utf-8")
    warehouse = tmp_path / "w.duckdb"
    command = [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--warehouse",
               str(warehouse), "--reports", str(tmp_path / "reports"), "--as-of", "2026-06-30"]
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    return inbox, warehouse, command, env


@pytest.mark.slow
def test_two_impact_runs_at_once_both_complete_and_count_each_file_once(tmp_path):
    _, warehouse, command, env = _small_inbox_and_run_command(tmp_path)
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [p.communicate(timeout=600) for p in runs]
    for proc, (out, err) in zip(runs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "Impact model run complete" in out
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(
            "SELECT file_name, count(*) FROM meta.ingested_files GROUP BY 1 ORDER BY 1"
        ).fetchall() == [("activities/a.csv", 1), ("grants/g.csv", 1), ("participation/p.csv", 1)]
        assert con.execute("SELECT count(*) FROM staging.participation").fetchall() == [(1,)]
    # One run ingested the three files, the other found nothing new.
    assert sorted("files ingested: 3" in out for out, _ in outputs) == [False, True]


@pytest.mark.slow
def test_a_run_completes_while_an_analyst_holds_a_read_only_connection(tmp_path):
    inbox, warehouse, command, env = _small_inbox_and_run_command(tmp_path)
    assert subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=600).returncode == 0

    analyst = duckdb.connect(str(warehouse), read_only=True)
    try:
        (inbox / "participation" / "p2.csv").write_text(
            f"activity_id,cvr,participation_date\nAI1,{CVR_A},2025-03-02\n", encoding="utf-8"
        )
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        # The analyst's session keeps reading the warehouse as it was when it opened it.
        assert analyst.execute("SELECT count(*) FROM staging.participation").fetchall() == [(1,)]
    finally:
        analyst.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.participation").fetchall() == [(2,)]
        # A session open on the published file does not hold up the next run either.
        (inbox / "participation" / "p3.csv").write_text(
            f"activity_id,cvr,participation_date\nAI1,{CVR_B},2025-03-02\n", encoding="utf-8"
        )
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert con.execute("SELECT count(*) FROM staging.participation").fetchall() == [(2,)]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.participation").fetchall() == [(3,)]
