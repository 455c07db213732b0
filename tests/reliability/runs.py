"""`impact run` as a subprocess on a small inbox, and a snapshot of the published warehouse, for
the tests that kill a run or make the machine fail under it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, CVR_C, GRANTS_CSV

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2026-06-30"
VOLATILE = {
    "ingested_at", "_loaded_at", "run_id", "file_mtime_ns", "file_ctime_ns",
    "resolved_at", "resolved_run_id", "seen_at",
}
TABLES = [
    "meta.ingested_files", "quality.rejected_rows", "raw.files", "raw.rows", "staging.grants", "staging.activities",
    "staging.participation", "marts.indicators", "marts.flags",
]


def verdict(stderr: str) -> str:
    """The first line of ``impact run``'s verdict: after the run's own warnings (e.g. a folder the
    inbox lacks), the first line starting with "impact run:"."""
    return next((line for line in stderr.splitlines() if line.startswith("impact run:")), "")


FILES = {
    "grants/g.csv": GRANTS_CSV,
    "activities/a.csv": ACTIVITIES_CSV,
    "participation/p1.csv": f"activity_id,cvr,participation_date\nAC1,{CVR_A},2025-02-01\nAC1,{CVR_B},2025-02-01\n",
    "participation/p2.csv": f"activity_id,cvr,participation_date\nAI1,{CVR_C},2025-03-02\nAC1,123,2025-02-01\n",
}
HOOKS = ("DAGSTER_HOME", "IMPACT_TEST_KILL_AT", "IMPACT_TEST_FAULT_AT")


def write_inbox(inbox: Path, names: list[str] | None = None) -> None:
    for rel in names or list(FILES):
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_text(FILES[rel], encoding="utf-8")


def impact(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """``impact ARGS`` in a fresh process, without the test hooks of this one unless given."""
    base = {k: v for k, v in os.environ.items() if k not in HOOKS}
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True, timeout=600,
    )


def impact_run(
    inbox: Path, warehouse: Path, reports: Path, kill_at: str | None = None,
    fault_at: str | None = None, env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    hooks = {"IMPACT_TEST_KILL_AT": kill_at, "IMPACT_TEST_FAULT_AT": fault_at}
    return impact(
        "run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--reports", str(reports),
        "--as-of", AS_OF, env={**{k: v for k, v in hooks.items() if v}, **(env or {})},
    )


def snapshot(warehouse: Path, tables: list[str] | None = None) -> dict[str, list[tuple]]:
    """The published warehouse's rows of ``tables``, when/which-run columns left out."""
    if not warehouse.exists():
        return {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        out = {}
        for table in tables or TABLES:
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
