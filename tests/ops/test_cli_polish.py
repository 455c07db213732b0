"""The command line's manners: help without markup, a progress line only at a terminal, no
traceback when the reader of the output leaves, a demo summary in words, `impact sql`."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import duckdb

from pipelines.cli import _parser, main
from pipelines.runner import Progress, shows_progress

ROOT = Path(__file__).resolve().parents[2]


def test_help_has_no_rst_markup():
    parser = _parser()
    text = parser.format_help()
    assert "impact command line" in text
    subcommands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subcommands.choices.items():
        text += sub.format_help()
        assert name in text
    assert "``" not in text and ":func:" not in text and ":mod:" not in text


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _start(step_key: str):
    event = SimpleNamespace(event_type_value="STEP_START", step_key=step_key)
    return SimpleNamespace(dagster_event=event)


def test_progress_is_one_line_per_stage_rewritten_in_place():
    out = io.StringIO()
    progress = Progress(out)
    for key in ("staging__grants", "staging__grants_contract_suite", "ingestion_health",
                "marts__programme", "staging__activities", "intermediate__network",
                "marts__indicators", "reports__impact_report"):
        progress.emit(_start(key))
    progress.emit(SimpleNamespace(dagster_event=SimpleNamespace(event_type_value="STEP_SUCCESS",
                                                                step_key="x")))
    progress.finish()
    lines = out.getvalue().split("\n")
    # three stages, each ended by a newline: a staging step after the first marts step, and an
    # intermediate one, stay on the marts line (Dagster interleaves neighbouring layers)
    assert len(lines) == 4 and lines[-1] == ""
    assert lines[0].count("\r") == 3 and lines[0].endswith("step   3: ingestion_health")
    assert lines[0].split("\r")[1].split()[2] == "staging"  # "ESC[2K", "0s", "staging", ...
    assert lines[1].count("\r") == 4 and lines[1].endswith("step   7: marts__indicators")
    assert "step   5: staging__activities" in lines[1]
    assert all(part.split()[2] == "marts" for part in lines[1].split("\r")[1:])
    assert lines[2].split("\r")[1].split()[2] == "reports" and lines[2].endswith("step   8: reports__impact_report")


def test_progress_only_for_a_terminal():
    assert shows_progress(quiet=False, verbose=False, stream=_Tty())
    assert not shows_progress(quiet=True, verbose=False, stream=_Tty())
    assert not shows_progress(quiet=False, verbose=True, stream=_Tty())
    assert not shows_progress(quiet=False, verbose=False, stream=io.StringIO())  # a pipe, a log


def test_a_reader_that_leaves_gets_no_traceback(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", "demo", "--out", str(tmp_path / "inbox")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # `| head` that has already left
    _, err = proc.communicate(timeout=300)
    assert b"Traceback" not in err and b"BrokenPipeError" not in err, err.decode()[-2000:]
    assert (tmp_path / "inbox" / "grants").is_dir()  # the work was done


def test_the_demo_summary_is_words_not_dicts(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "inbox")]) == 0
    out = capsys.readouterr().out
    assert "{" not in out and "[" not in out
    grants = next(line for line in out.splitlines() if line.strip().startswith("grants"))
    assert "1 file, " in grants and "rows" in grants and "planted to be rejected" in grants


def test_impact_sql_prints_a_table_and_cannot_write(tmp_path, capsys):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE t AS SELECT * FROM (VALUES ('censec', 3), ('clean', 7)) v(cluster_id, n)").fetchall()
    assert main(["sql", "SELECT cluster_id, n * 2 AS twice FROM t ORDER BY n", "--warehouse", str(warehouse)]) == 0
    out = capsys.readouterr().out
    assert "censec" in out and "clean" in out and "14" in out and "twice" in out
    assert main(["sql", "DELETE FROM t", "--warehouse", str(warehouse)]) == 1
    assert "read-only" in capsys.readouterr().err.lower()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM t").fetchall() == [(2,)]
    assert main(["sql", "SELECT 1", "--warehouse", str(tmp_path / "missing.duckdb")]) == 2
