"""Run-level atomicity for ``impact run``: build on a shadow copy, publish with one rename.

A run killed at any point (SIGKILL included) leaves the published warehouse exactly as it was
before the run; a run that ends is published whole with ``os.replace``, which is atomic on POSIX.
Analysts' read-only connections keep reading the file they opened (the old inode) meanwhile.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

SHADOW_SUFFIX = ".run-shadow.duckdb"


def shadow_path(warehouse: Path) -> Path:
    return warehouse.with_name(f".{warehouse.stem}{SHADOW_SUFFIX}")


def wal_path(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _checkpoint(database: Path) -> None:
    """Fold a left-over write-ahead log into the database file (after a crashed writer)."""
    con = duckdb.connect(str(database))
    try:
        con.execute("CHECKPOINT").fetchall()
    finally:
        con.close()


def prepare_shadow(warehouse: Path) -> Path:
    """A private copy of the warehouse to run on (empty if there is no warehouse yet).

    The caller holds the warehouse's writer lock, so nothing else writes the file meanwhile.
    """
    shadow = shadow_path(warehouse)
    for stale in (shadow, wal_path(shadow)):
        stale.unlink(missing_ok=True)
    if warehouse.exists():
        if wal_path(warehouse).exists():
            _checkpoint(warehouse)
        shutil.copyfile(warehouse, shadow)
    return shadow


def publish_shadow(shadow: Path, warehouse: Path) -> None:
    """Make the shadow the warehouse: checkpoint, fsync, atomic rename, fsync the folder."""
    if not shadow.exists():
        return
    _checkpoint(shadow)
    if wal_path(shadow).exists():  # pragma: no cover - DuckDB removes it on checkpoint
        raise RuntimeError(f"{shadow} still has a write-ahead log after CHECKPOINT; not published")
    with open(shadow, "rb") as fh:
        os.fsync(fh.fileno())
    wal_path(warehouse).unlink(missing_ok=True)
    os.replace(shadow, warehouse)
    dir_fd = os.open(warehouse.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def discard_shadow(shadow: Path) -> None:
    for path in (shadow, wal_path(shadow)):
        path.unlink(missing_ok=True)
