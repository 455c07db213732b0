"""Access to the DuckDB warehouse: one writer at a time, schema bootstrap, SQL files.

DuckDB allows one writing process per database file. Every write goes through
:func:`connect_writer`, which first takes an exclusive lock on ``<warehouse>.lock`` (``filelock``:
an ``flock`` that is re-entrant inside one process), so that concurrent runs (the schedule, the
sensor, a run launched by hand, the CLI) queue instead of failing with a lock error.

duckdb 2.0 notes (see ``../shared/notes/stack-facts.md``): a result of ``execute`` must be
fetched completely before the connection is used again, so the helpers here always fetch.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import filelock
import polars as pl

from pipelines.core.catalogue import catalogue
from pipelines.core.config import BOARD_DECISION_CSV, CORE_THEMES_CSV, SQL_DIR
from pipelines.core.contract import DATASETS, funding_macro_ddl, staging_ddl

DUCKDB_MEMORY_LIMIT = os.environ.get("IMPACT_DUCKDB_MEMORY_LIMIT", "768MB")
SCHEMAS = ("meta", "reference", "raw", "staging", "quality", "intermediate", "marts")
# DDL files under sql/ddl/, applied in this order; staging comes from the input contract.
DDL_FILES = ("meta", "raw", "quality", "marts", "functions")


class WarehouseLockTimeout(RuntimeError):
    """Another process held the warehouse longer than we were willing to wait."""


LOCK_TIMEOUT_S = float(os.environ.get("IMPACT_LOCK_TIMEOUT_SECONDS") or 6 * 3600)
LOCK_REPORT_EVERY_S = 60.0


def _write_holder(fd: int) -> None:
    """``filelock``'s ``on_acquired`` hook: write who holds the lock into the lock file.

    One function object for the whole process: ``filelock`` keeps one lock per path
    (``is_singleton``) and refuses a second instance with another hook.
    """
    started = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    text = f"pid={os.getpid()} host={socket.gethostname()} since={started}\n".encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, text, 0)


def lock_holder(lock_path: Path) -> str:
    """Who holds ``lock_path`` as its holder wrote it (``pid=.. host=.. since=..``), or ``""``."""
    try:
        return lock_path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""


@contextmanager
def exclusive_lock(
    lock_path: Path,
    timeout_s: float | None = None,
    report: Callable[[str], None] | None = None,
) -> Iterator[None]:
    """Hold an exclusive, process-re-entrant lock on ``lock_path``; wait for it if taken.

    One lock object per path and process (``is_singleton``), shared by every thread
    (``thread_local=False``): a run's steps and checks nest their connections inside the run's
    own hold. The lock file stays on disk (``preserve_lock_file``) so that waiting processes and
    the holder always agree on one inode; while held it names the holder's PID and host. A waiter
    says every minute (``report``) whom it is waiting for.
    """
    timeout_s = LOCK_TIMEOUT_S if timeout_s is None else timeout_s
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(
        lock_path, thread_local=False, is_singleton=True, preserve_lock_file=True,
        on_acquired=_write_holder,
    )
    started = time.monotonic()
    while True:
        remaining = timeout_s - (time.monotonic() - started)
        try:
            lock.acquire(timeout=max(0.0, min(LOCK_REPORT_EVERY_S, remaining)), poll_interval=0.2)
            break
        except filelock.Timeout:
            waited = time.monotonic() - started
            holder = lock_holder(lock_path) or "a process that did not say who it is"
            if waited >= timeout_s:
                raise WarehouseLockTimeout(
                    f"waited {waited:.0f}s for {lock_path}; held by {holder}"
                ) from None
            if report:
                report(
                    f"waiting for the warehouse lock {lock_path}, held by {holder} "
                    f"({waited / 60:.0f} min so far)"
                )
    try:
        yield
    finally:
        if lock.lock_counter == 1:  # the outermost hold: the file no longer names a holder
            with contextlib.suppress(OSError):
                os.truncate(lock_path, 0)
        lock.release()


def lock_path_for(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@contextmanager
def connect_writer(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-write connection, holding the single-writer lock, with the schemas in place."""
    warehouse = Path(warehouse)
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(lock_path_for(warehouse)):
        con = _open_waiting_for_readers(warehouse)
        try:
            # Bounded memory: DuckDB spills to disk past this rather than growing the process.
            con.execute("SET memory_limit = $limit", {"limit": DUCKDB_MEMORY_LIMIT}).fetchall()
            _ensure_schema_once(con, warehouse)
            yield con
        finally:
            con.close()


def _open_waiting_for_readers(warehouse: Path, timeout_s: float = 600) -> duckdb.DuckDBPyConnection:
    """Open read-write; while another process (an analyst's read-only session) holds DuckDB's own
    file lock, wait and retry instead of failing."""
    deadline = time.monotonic() + timeout_s
    delay = 0.1
    while True:
        try:
            return duckdb.connect(str(warehouse))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


@contextmanager
def connect_reader(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection (fails if the file does not exist)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        yield con
    finally:
        con.close()


def sql_text(name: str) -> str:
    """The text of ``sql/<name>.sql``."""
    path = SQL_DIR / f"{name}.sql"
    return path.read_text(encoding="utf-8")


def fetch_all(
    con: duckdb.DuckDBPyConnection, query: str, params: Sequence[Any] | Mapping[str, Any] | None = None
) -> list[tuple]:
    return con.execute(query, params or []).fetchall()


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The columns of ``schema.table`` in their order (none when it does not exist)."""
    schema, name = table.split(".", 1)
    return [
        r[0]
        for r in fetch_all(
            con,
            "SELECT column_name FROM information_schema.columns WHERE table_schema = $s "
            "AND table_name = $t ORDER BY ordinal_position",
            {"s": schema, "t": name},
        )
    ]


def fetch_pl(
    con: duckdb.DuckDBPyConnection, query: str, params: Mapping[str, Any] | Sequence[Any] | None = None
) -> pl.DataFrame:
    return con.sql(query, params=params).pl() if params else con.sql(query).pl()


def execute_script(
    con: duckdb.DuckDBPyConnection, script: str, params: Mapping[str, Any] | None = None
) -> None:
    """Run a ``;``-separated script, binding only the named parameters each statement uses."""
    for statement in split_sql(script):
        con.execute(statement, used_params(statement, params)).fetchall()


def used_params(statement: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """The named parameters ``statement`` refers to (``$name``, whole names only)."""
    names = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", statement))
    return {k: v for k, v in (params or {}).items() if k in names}


def split_sql(script: str) -> list[str]:
    """Split on semicolons outside quotes and comments (enough for our own SQL files)."""
    statements, current, quote, i = [], [], "", 0
    while i < len(script):
        ch = script[i]
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
        elif ch in ("'", '"'):
            quote = ch
            current.append(ch)
        elif script.startswith("--", i):
            end = script.find("\n", i)
            i = len(script) if end == -1 else end
            continue
        elif ch == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    statements.append("".join(current))
    return [s.strip() for s in statements if s.strip()]


_initialised: set[tuple[str, int, tuple[tuple[int, int], ...]]] = set()


def _reference_stamp() -> tuple[tuple[int, int], ...]:
    """(modification time, size) of the reference files the secretariat may edit."""
    stats = (p.stat() for p in (BOARD_DECISION_CSV, CORE_THEMES_CSV) if p.exists())
    return tuple((s.st_mtime_ns, s.st_size) for s in stats)


def _ensure_schema_once(con: duckdb.DuckDBPyConnection, warehouse: Path) -> None:
    """Bootstrap a database file once per process (a run opens ~100 connections to one file).

    Keyed by path and inode: a file replaced by a published run is bootstrapped again; and by the
    reference files' stamps: an edited reference file is loaded by the next connection, also in a
    long-lived process.
    """
    key = (str(warehouse.resolve()), warehouse.stat().st_ino, _reference_stamp())
    if key not in _initialised:
        ensure_schema(con)
        _initialised.add(key)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema, table and macro the pipeline writes to (idempotent), and the reference
    data: the DDL of ``sql/ddl/``, the staging tables and funding-line macros of the input
    contract, the board decision and the indicator catalogue."""
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}").fetchall()
    for name in DDL_FILES[:-1]:
        if name == "raw":
            upgrade_raw_rows(con)
        execute_script(con, sql_text(f"ddl/{name}"))
    for dataset in DATASETS.values():
        con.execute(staging_ddl(dataset)).fetchall()
    for statement in funding_macro_ddl():
        con.execute(statement).fetchall()
    execute_script(con, sql_text(f"ddl/{DDL_FILES[-1]}"))
    load_reference(con)


def upgrade_raw_rows(con: duckdb.DuckDBPyConnection) -> None:
    """Convert a warehouse whose ``raw.rows`` holds a JSON document per row (``record``, until
    November 2026) to the header-once layout of ``sql/ddl/raw.sql``, in one transaction.

    Nothing is lost: a file's header is the keys of its first row's document, in order (every
    document of a file has the same keys: the reader's columns), a row's cells the values in that
    order, JSON null staying null. An old warehouse is converted once, when it is first opened.
    """
    if not fetch_all(
        con,
        """SELECT 1 FROM duckdb_columns()
           WHERE database_name = current_database() AND schema_name = 'raw'
             AND table_name = 'rows' AND column_name = 'record'""",
    ):
        return
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        con.execute(
            """CREATE TABLE IF NOT EXISTS raw.files (file_sha256 VARCHAR NOT NULL,
               dataset VARCHAR NOT NULL, file_name VARCHAR NOT NULL, header VARCHAR[] NOT NULL)"""
        ).fetchall()
        con.execute(
            """INSERT INTO raw.files (file_sha256, dataset, file_name, header)
               SELECT file_sha256, arg_min(dataset, row_number), arg_min(file_name, row_number),
                      coalesce(arg_min(json_keys(record), row_number), []::VARCHAR[])
               FROM raw.rows
               WHERE file_sha256 NOT IN (SELECT file_sha256 FROM raw.files)
               GROUP BY file_sha256"""
        ).fetchall()
        con.execute(
            """CREATE TABLE raw.rows_cells AS
               SELECT dataset, file_sha256, file_name, row_number,
                      coalesce((SELECT list(e.value ->> '$' ORDER BY e.id) FROM json_each(record) e),
                               []::VARCHAR[]) AS cells
               FROM raw.rows"""
        ).fetchall()
        con.execute("DROP VIEW IF EXISTS raw.records").fetchall()
        con.execute("DROP TABLE raw.rows").fetchall()
        con.execute("ALTER TABLE raw.rows_cells RENAME TO rows").fetchall()
        for column in ("dataset", "file_sha256", "file_name", "row_number", "cells"):
            con.execute(f"ALTER TABLE raw.rows ALTER COLUMN {column} SET NOT NULL").fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        with contextlib.suppress(Exception):
            con.execute("ROLLBACK").fetchall()
        raise


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)load the reference data shipped with the project: ``reference.board_decision`` (and
    the ``reference.clusters`` view), ``reference.core_themes`` and ``reference.indicator_catalogue``.

    Every writer connection reloads them, so an edit of a file under ``reference/`` reaches the next
    run; the models that read a reference table see the change through its content hash
    (:func:`pipelines.core.build_state.table_state`) and are rebuilt.
    """
    execute_script(
        con,
        sql_text("ddl/reference"),
        {"board_decision_csv": str(BOARD_DECISION_CSV), "core_themes_csv": str(CORE_THEMES_CSV)},
    )
    frame = pl.DataFrame(
        [
            {
                "indicator": i.code,
                "family": i.family,
                "unit": i.unit,
                "scopes": list(i.scopes),
                "period": i.period,
                "status_rule": i.status_rule,
                "summed": i.summed,
                "has_interval": i.interval,
                "label_da": i.label["da"],
                "label_en": i.label["en"],
            }
            for i in catalogue()
        ]
    )
    con.register("_indicator_catalogue", frame)
    try:
        con.execute(
            "CREATE OR REPLACE TABLE reference.indicator_catalogue AS SELECT * FROM _indicator_catalogue"
        ).fetchall()
    finally:
        con.unregister("_indicator_catalogue")
