"""`impact validate` and `impact run` from the command line, as an analyst calls them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ingestion.samples import GRANTS_CSV

ROOT = Path(__file__).resolve().parents[2]


def _impact(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, **(env or {})), timeout=300,
    )


def test_validate_clean_file_exits_0(inbox, tmp_path):
    path = inbox.write("grants/g.csv", GRANTS_CSV)
    done = _impact("validate", str(path), "--dataset", "grants", "--warehouse", str(tmp_path / "none.duckdb"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all 2 rows would be accepted" in done.stdout


def test_validate_lists_every_rejected_row_and_exits_1(inbox, tmp_path):
    path = inbox.write(
        "grants/g.csv",
        GRANTS_CSV + "G3,made,cluster,1,2025-01-01,2028-12-31,1,\nG4,clean,cluster,-1,2025-01-01,2028-12-31,1,\n",
    )
    done = _impact("validate", str(path), "--dataset", "grants", "--warehouse", str(tmp_path / "none.duckdb"))
    assert done.returncode == 1
    assert "row 3 (Excel row 4): unknown_cluster" in done.stdout
    assert "row 4 (Excel row 5): out_of_range" in done.stdout


def test_validate_unreadable_file_and_unknown_dataset(inbox, tmp_path):
    path = inbox.write("grants/g.csv", "grant_id\nG1\n")
    done = _impact("validate", str(path), "--dataset", "grants")
    assert done.returncode == 1 and "lacks required column" in done.stdout
    assert _impact("validate", str(path), "--dataset", "nonsense").returncode == 2


def test_run_without_inbox_fails_with_reason_on_stderr(tmp_path):
    done = _impact("run", "--inbox", str(tmp_path / "missing"), "--warehouse", str(tmp_path / "w.duckdb"))
    assert done.returncode == 1
    assert "does not exist" in done.stderr


def test_run_flags_win_over_environment(inbox, tmp_path):
    inbox.write("grants/g.csv", GRANTS_CSV)
    env = {"IMPACT_INBOX": str(tmp_path / "elsewhere"), "IMPACT_WAREHOUSE": str(tmp_path / "env.duckdb"),
           "IMPACT_REPORTS": str(tmp_path / "reports"), "IMPACT_AS_OF": "2026-06-30"}
    done = _impact("run", "--inbox", str(inbox.root), "--warehouse", str(tmp_path / "flag.duckdb"), env=env)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "flag.duckdb").exists() and not (tmp_path / "env.duckdb").exists()
    assert "as of 2026-06-30" in done.stdout
    assert "files ingested: 1" in done.stdout


def test_a_failed_run_exits_1_naming_the_failing_step(inbox, tmp_path):
    inbox.write("grants/g.csv", GRANTS_CSV)
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("a file where the report folder should be", encoding="utf-8")
    done = _impact("run", "--inbox", str(inbox.root), "--warehouse", str(tmp_path / "w.duckdb"),
                   "--reports", str(blocker), "--as-of", "2026-06-30")
    assert done.returncode == 1
    # The run's own warnings (here: the folders this inbox lacks) come first, as they happen; the
    # first line of the verdict says what went wrong and what the warehouse is left as.
    first = next(line for line in done.stderr.splitlines() if line.startswith("impact run:"))
    assert first.startswith("impact run: failed: ") and "nothing was published" in first, done.stderr
    assert "step reports__impact_report failed" in done.stderr
    assert "Traceback" not in done.stderr  # one line per failure, not Dagster's error records
    # Exit 1 publishes nothing: the warehouse is as before the run (here: there is none yet).
    assert not (tmp_path / "w.duckdb").exists()


def test_console_script_runs_exit_handlers_and_flushes_before_leaving(tmp_path):
    """cli.entry skips the interpreter's teardown (os._exit) but not the exit handlers or output."""
    script = (
        "import atexit, sys\n"
        "from pipelines import cli\n"
        "atexit.register(lambda: print('exit handler ran'))\n"
        f"sys.argv = ['impact', 'run', '--inbox', {str(tmp_path / 'missing')!r}]\n"
        "print('before the run', end='')\n"
        "cli.entry()\n"
        "print('never printed')\n"
    )
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # a pipe buffers stdout
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120, env=buffered
    )
    assert done.returncode == 1
    assert done.stdout.startswith("before the run") and "exit handler ran" in done.stdout
    assert "never printed" not in done.stdout
    assert "does not exist" in done.stderr


def test_impact_console_script_is_the_fast_exit_entry():
    from importlib.metadata import entry_points

    (impact,) = [e for e in entry_points(group="console_scripts") if e.name == "impact"]
    assert impact.value == "pipelines.cli:entry"
