"""`impact backup`: a whole, readable copy of the warehouse and of the instance's databases,
written under the writer lock, the newest `keep` backups kept."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from pipelines.backup import PREFIX, backup
from pipelines.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _site(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE TABLE t AS SELECT range AS i FROM range(1000)").fetchall()
    home = tmp_path / "dagster_home"
    (home / "history").mkdir(parents=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with sqlite3.connect(home / "history" / "runs.db") as con:
        con.execute("CREATE TABLE runs (id TEXT)")
        con.execute("INSERT INTO runs VALUES ('r1'), ('r2')")
    return warehouse, home


def test_backup_copies_the_warehouse_and_the_instance_and_keeps_the_newest(tmp_path):
    warehouse, home = _site(tmp_path)
    out = tmp_path / "backups"
    first = backup(warehouse, home, out, keep=2)
    with duckdb.connect(str(first / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*), sum(i) FROM t").fetchall() == [(1000, 999 * 1000 // 2)]
    with sqlite3.connect(first / "dagster_home" / "history" / "runs.db") as con:
        assert con.execute("SELECT id FROM runs ORDER BY id").fetchall() == [("r1",), ("r2",)]
    assert (first / "dagster_home" / "dagster.yaml").read_text() == (home / "dagster.yaml").read_text()
    backup(warehouse, home, out, keep=2)
    third = backup(warehouse, home, out, keep=2)
    kept = sorted(p.name for p in out.iterdir())
    assert len(kept) == 2 and first.name not in kept and third.name in kept
    assert all(name.startswith(PREFIX) for name in kept)  # no partial folder left


def test_backup_waits_for_a_run_holding_the_writer_lock(tmp_path):
    """Another process (as a run would) holds the lock for 2 s: the backup starts copying only
    after it has let go."""
    warehouse, home = _site(tmp_path)
    released = tmp_path / "released"
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys, time\n"
            "from pathlib import Path\n"
            "from pipelines.core.warehouse import exclusive_lock, lock_path_for\n"
            f"with exclusive_lock(lock_path_for(Path({str(warehouse)!r}))):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(2)\n"
            f"    Path({str(released)!r}).write_text(repr(time.time()))\n"
        )],
        cwd=ROOT, stdout=subprocess.PIPE, text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    backup(warehouse, home, tmp_path / "backups")
    done_at = time.time()
    holder.wait(timeout=30)
    assert done_at >= float(released.read_text())


def test_impact_backup_command(tmp_path, capsys, monkeypatch):
    warehouse, home = _site(tmp_path)
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    assert main(["backup", "--out", str(tmp_path / "b"), "--warehouse", str(warehouse)]) == 0
    assert "Backup written to" in capsys.readouterr().out
