"""Which tables a SQL model reads and builds, read from its SQL (``sqlglot``, DuckDB dialect).

The models declare nothing by hand: their Dagster dependencies, their run order and the report's
inputs all come from here, so they can never say more (or less) than the SQL does.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot
from sqlglot import exp

# What a statement builds: its target table. CREATE MACRO / FUNCTION statements define functions.
_WRITES = (exp.Create, exp.Insert, exp.Delete, exp.Update)
_FUNCTION_KINDS = {"MACRO", "FUNCTION", "TEMPORARY MACRO"}


@dataclass(frozen=True)
class TableUse:
    """Qualified names (``schema.table``) a SQL text reads from and writes to."""

    reads: frozenset[str]
    builds: frozenset[str]


def _qualified(table: exp.Table) -> str:
    return f"{table.db}.{table.name}" if table.db else table.name


def _target(statement: exp.Expression) -> exp.Table | None:
    target = statement.this
    if isinstance(target, exp.Schema):
        target = target.this
    return target if isinstance(target, exp.Table) else None


def table_use(sql: str) -> TableUse:
    """The schema-qualified tables ``sql`` reads (CTE names and its own targets left out) and the
    tables it creates, inserts into, deletes from or updates."""
    reads: set[str] = set()
    builds: set[str] = set()
    for statement in sqlglot.parse(sql, read="duckdb"):
        if statement is None:
            continue
        if isinstance(statement, exp.Create) and str(statement.args.get("kind", "")).upper() in _FUNCTION_KINDS:
            continue
        target = _target(statement) if isinstance(statement, _WRITES) else None
        if target is not None:
            builds.add(_qualified(target))
        ctes = {cte.alias_or_name for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if table is target or not table.name:
                continue
            if not table.db and table.name in ctes:
                continue
            reads.add(_qualified(table))
    return TableUse(frozenset(r for r in reads if "." in r), frozenset(builds))
