"""``impact backup``: a consistent copy of the warehouse and of the Dagster instance.

The warehouse is copied under its writer lock, so no run writes it meanwhile (a running run is
waited for): the published file is whole, as every run publishes a checkpointed copy with one
rename. The copy must pass DuckDB's integrity reading before the backup counts. The instance's
SQLite databases are copied with SQLite's online backup (consistent while the daemon and the
webserver keep writing); its other files (``dagster.yaml``, compute logs) are copied as they are.
A backup is written to a hidden folder and renamed into place when whole; the ``keep`` newest
backups stay, older ones are deleted.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import sys
from pathlib import Path

from pipelines.core.faults import WarehouseCorrupt
from pipelines.core.publish import verify_integrity, wal_path
from pipelines.core.warehouse import exclusive_lock, lock_path_for

PREFIX = "impact-backup-"


def _copy_sqlite(source: Path, target: Path) -> None:
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _copy_home(home: Path, target: Path) -> int:
    """Every file of DAGSTER_HOME; SQLite databases through the online backup. How many."""
    copied = 0
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.name.endswith(("-wal", "-shm", "-journal", ".tmp")):
            continue
        out = target / path.relative_to(home)
        out.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".db":
            _copy_sqlite(path, out)
        else:
            shutil.copy2(path, out)
        copied += 1
    return copied


def backup(warehouse: Path, home: Path, out: Path, keep: int = 7) -> Path:
    """Write ``<out>/impact-backup-<UTC time>/`` (``warehouse.duckdb`` and ``dagster_home/``)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    out.mkdir(parents=True, exist_ok=True)
    partial = out / f".{PREFIX}{stamp}.partial"
    final = out / f"{PREFIX}{stamp}"
    partial.mkdir()
    try:
        if warehouse.exists():
            copy = partial / "warehouse.duckdb"

            def waiting(message: str) -> None:
                print(f"impact backup: {message}", file=sys.stderr)

            with exclusive_lock(lock_path_for(warehouse), report=waiting):
                shutil.copy2(warehouse, copy)
                if wal_path(warehouse).exists():  # only when runs write in place (tests)
                    shutil.copy2(wal_path(warehouse), wal_path(copy))
            verify_integrity(copy)
        if home.is_dir():
            _copy_home(home, partial / "dagster_home")
        partial.rename(final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    for old in sorted(out.glob(f"{PREFIX}*"))[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)
    return final


def run_backup(warehouse: Path, home: Path, out: Path, keep: int) -> int:
    """The command: exit 0 with the backup's path, 1 with the reason."""
    try:
        final = backup(warehouse, home, out, keep)
    except WarehouseCorrupt as exc:
        print(f"impact backup: the copy of {warehouse} failed the integrity reading ({exc}); "
              "no backup written", file=sys.stderr)
        return 1
    except (OSError, sqlite3.Error) as exc:
        print(f"impact backup: failed: {exc}", file=sys.stderr)
        return 1
    print(f"Backup written to {final}")
    return 0
