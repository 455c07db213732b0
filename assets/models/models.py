"""The SQL models: every file of ``sql/intermediate/`` and ``sql/marts/`` is one, found on disk.

A model is its file and nothing else: its name is the file name, its layer the folder, its
description the file's opening comment, and the tables it builds and reads are read from its SQL
(:mod:`pipelines.core.lineage`). Nothing is declared twice, so the asset graph, the run order
and the fingerprints can never say more (or less) than the SQL does.

One model is composed: ``marts/indicators`` first stacks the catalogue's indicator files
(``sql/marts/indicators/<code>.sql``, one SELECT each) into ``intermediate.indicator_values``,
then runs ``sql/marts/indicators.sql``. Statements are set-based DuckDB SQL with ``$as_of`` and
the :class:`~pipelines.core.config.Thresholds` bound as named parameters, never pasted in.
"""

from __future__ import annotations

import datetime as dt
import graphlib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.build_state import model_state_name
from pipelines.core.catalogue import catalogue
from pipelines.core.config import SQL_DIR, Thresholds
from pipelines.core.faults import fault_point
from pipelines.core.keys import model_key
from pipelines.core.lineage import TableUse, table_use
from pipelines.core.warehouse import execute_script, sql_text

LAYERS: tuple[str, ...] = ("intermediate", "marts")
INDICATOR_VALUES = "intermediate.indicator_values"


@dataclass(frozen=True)
class Model:
    """One SQL model (an asset): where it lives, what it says it does, what it builds and reads."""

    layer: str  # intermediate | marts
    name: str  # the file's stem
    sql: str  # the SQL that runs (for marts/indicators: composed with the indicator files)
    description: str
    use: TableUse

    @property
    def path(self) -> str:
        """``<layer>/<name>``: the file under ``sql/`` and the fault point's name."""
        return f"{self.layer}/{self.name}"

    @property
    def builds(self) -> tuple[str, ...]:
        """The tables it (re)builds, the published ``<layer>.<name>``-like ones first."""
        return tuple(sorted(self.use.builds, key=lambda t: (not t.startswith(f"{self.layer}."), t)))

    @property
    def reads(self) -> tuple[str, ...]:
        """The tables it reads that it does not build itself."""
        return tuple(sorted(self.use.reads - self.use.builds))

    @property
    def transactional(self) -> bool:
        """Published tables change all at once: a marts model runs in one transaction."""
        return self.layer == "marts"

    @property
    def key(self) -> dg.AssetKey:
        """``intermediate/<name>`` or ``marts/<name>``."""
        return model_key(self.layer, self.name)

    @property
    def state_name(self) -> str:
        """The model's row in ``meta.build_state``."""
        return model_state_name(self.path)

    @property
    def code_version(self) -> str:
        """A hash of the SQL that runs: it changes exactly when the model's definition does."""
        return hashlib.sha256(self.sql.encode()).hexdigest()[:16]


def opening_comment(sql: str) -> str:
    """The first paragraph of the file's leading ``--`` comment, as one line of text."""
    lines: list[str] = []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        text = stripped[2:].strip()
        if not text:
            if lines:
                break
            continue
        lines.append(text)
    return " ".join(lines)


def indicator_values_sql() -> str:
    """One statement stacking every catalogue indicator's file into ``intermediate.indicator_values``.

    Each file is one SELECT of (cluster_id, period, value, target, expected, n_firms); its code
    is bound as ``$indicator_<i>`` (see :func:`indicator_params`). Columns a file leaves out are
    null (``UNION ALL BY NAME``).
    """
    parts = []
    for i, indicator in enumerate(catalogue()):
        body = sql_text(indicator.sql_file).strip().rstrip(";")
        parts.append(f"SELECT CAST($indicator_{i} AS VARCHAR) AS indicator, * FROM (\n{body}\n)")
    return f"CREATE OR REPLACE TABLE {INDICATOR_VALUES} AS\n" + "\nUNION ALL BY NAME\n".join(parts)


def indicator_params() -> dict[str, str]:
    return {f"indicator_{i}": indicator.code for i, indicator in enumerate(catalogue())}


def _load(layer: str, path: Path) -> Model:
    text = path.read_text(encoding="utf-8")
    sql = text
    if (layer, path.stem) == ("marts", "indicators"):
        sql = indicator_values_sql() + ";\n\n" + text
    return Model(layer, path.stem, sql, opening_comment(text), table_use(sql))


@cache
def all_models() -> tuple[Model, ...]:
    """Every model, in an order in which each runs after the models whose tables it reads."""
    found = [_load(layer, p) for layer in LAYERS for p in sorted((SQL_DIR / layer).glob("*.sql"))]
    builder = {table: m for m in found for table in m.use.builds}
    graph = {m.path: {builder[t].path for t in m.reads if t in builder} for m in found}
    order = list(graphlib.TopologicalSorter(graph).static_order())
    by_path = {m.path: m for m in found}
    return tuple(by_path[p] for p in order)


def model_named(path: str) -> Model:
    """The model ``<layer>/<name>``."""
    return next(m for m in all_models() if m.path == path)


def builder_of(table: str) -> Model | None:
    """The model that builds ``table``, if one does."""
    return next((m for m in all_models() if table in m.use.builds), None)


def model_params(as_of: dt.date, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The named parameters every model may use: ``$as_of``, the thresholds, the indicator codes."""
    return {"as_of": as_of, **(thresholds or Thresholds()).as_params(), **indicator_params()}


def run_model(con: duckdb.DuckDBPyConnection, model: Model, params: Mapping[str, Any]) -> None:
    """Run one model's SQL; transactional models commit all or nothing."""
    if not model.transactional:
        execute_script(con, model.sql, params)
        fault_point(f"model:{model.path}")
        return
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        execute_script(con, model.sql, params)
        fault_point(f"model:{model.path}")
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    con.execute("COMMIT").fetchall()


def run_all(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, thresholds: Thresholds | None = None
) -> None:
    """Build every model for ``as_of``, in dependency order (tests and ad-hoc scripts)."""
    params = model_params(as_of, thresholds)
    for model in all_models():
        run_model(con, model, params)
