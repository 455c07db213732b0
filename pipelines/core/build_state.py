"""Skip work whose inputs have not changed since it was last done.

A model build or a data check is fingerprinted by what it reads: the state of its input tables
(row count and latest load time), its SQL, its parameters (as_of, thresholds) and the fingerprints
of the models upstream of it. ``meta.build_state`` keeps the last fingerprint (and, for a check,
its result), so a nightly re-run with no new files reuses instead of recomputing. Any new or
replaced row changes a table's latest load time, so changed input is never missed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.warehouse import fetch_all, table_columns

_TIME_COLUMNS = ("_loaded_at", "ingested_at")
# Columns a later run updates in place (a late reference resolves rejected rows and moves them to
# rows_accepted): part of the table's state beside its rows and load time.
_UPDATED_IN_PLACE = {"meta.ingested_files": "sum(rows_accepted)"}


# While a read-only planner asks many questions of one connection (pipelines/planning.py), the
# answers per (connection, table or state name) are kept: nothing writes meanwhile.
_MEMO: dict[tuple[int, str, str], Any] | None = None


@contextlib.contextmanager
def memoized() -> Iterator[None]:
    """Within the block, :func:`table_state` and :func:`stored` answer each question once (per
    connection). Only for a connection nothing writes to while the block runs."""
    global _MEMO
    outer, _MEMO = _MEMO, {} if _MEMO is None else _MEMO
    try:
        yield
    finally:
        _MEMO = outer


def _memo(kind: str, con: duckdb.DuckDBPyConnection, name: str, compute: Any) -> Any:
    if _MEMO is None:
        return compute()
    key = (id(con), kind, name)
    if key not in _MEMO:
        _MEMO[key] = compute()
    return _MEMO[key]


def table_state(con: duckdb.DuckDBPyConnection, table: str) -> tuple[Any, ...]:
    """What says ``schema.table`` is unchanged: (rows, latest load time) where it has a load-time
    column (every staged or recorded row gets a new one), else (rows, a hash of its content):
    reference data edited by the secretariat, rejected rows."""
    return _memo("table", con, table, lambda: _table_state(con, table))


def _table_state(con: duckdb.DuckDBPyConnection, table: str) -> tuple[Any, ...]:
    columns = set(table_columns(con, table))
    if not columns:
        return (table, "missing")
    stamp = next((c for c in _TIME_COLUMNS if c in columns), None)
    select = f"count(*), max({stamp})" if stamp else "count(*), bit_xor(hash(t))"
    if table in _UPDATED_IN_PLACE:
        select += f", {_UPDATED_IN_PLACE[table]}"
    return (table, *fetch_all(con, f"SELECT {select} FROM {table} AS t")[0])


def fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def stored(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str | None, dt.datetime] | None:
    return _memo("stored", con, name, lambda: _stored(con, name))


def _stored(con: duckdb.DuckDBPyConnection, name: str) -> tuple[str, str | None, dt.datetime] | None:
    rows = fetch_all(
        con, "SELECT fingerprint, result, built_at FROM meta.build_state WHERE name = $n", {"n": name}
    )
    return rows[0] if rows else None


def store(con: duckdb.DuckDBPyConnection, name: str, fp: str, result: str | None = None) -> None:
    con.execute("DELETE FROM meta.build_state WHERE name = $n", {"n": name}).fetchall()
    con.execute(
        "INSERT INTO meta.build_state VALUES ($n, $fp, $at, $result)",
        {"n": name, "fp": fp, "at": dt.datetime.now(dt.UTC).replace(tzinfo=None), "result": result},
    ).fetchall()


def model_state_name(path: str) -> str:
    """The ``meta.build_state`` row of the SQL model ``<layer>/<name>`` (e.g. ``marts/indicators``)."""
    return f"model:{path}"


def upstream_fingerprints(con: duckdb.DuckDBPyConnection, names: Iterable[str]) -> list[str | None]:
    return [(stored(con, n) or (None,))[0] for n in names]


# --- Check results as JSON, so that an unchanged check can be answered from meta.build_state ---


def result_to_json(result: dg.AssetCheckResult) -> str:
    """A check result as JSON; its metadata in Dagster's own serialisation (every metadata kind)."""
    return json.dumps(
        {
            "asset_key": result.asset_key.to_user_string() if result.asset_key else None,
            "check_name": result.check_name,
            "passed": result.passed,
            "severity": result.severity.value,
            "description": result.description,
            "metadata": dg.serialize_value(dict(result.metadata or {})),
        }
    )


def result_from_json(text: str, built_at: dt.datetime) -> dg.AssetCheckResult:
    data = json.loads(text)
    metadata = dict(dg.deserialize_value(data["metadata"], dict))
    metadata["reused_from"] = dg.MetadataValue.text(
        f"inputs unchanged since the validation of {built_at:%Y-%m-%d %H:%M} UTC; its result is shown"
    )
    return dg.AssetCheckResult(
        passed=data["passed"],
        severity=dg.AssetCheckSeverity(data["severity"]),
        description=data["description"],
        metadata=metadata,
        asset_key=dg.AssetKey.from_user_string(data["asset_key"]) if data.get("asset_key") else None,
        check_name=data.get("check_name"),
    )
