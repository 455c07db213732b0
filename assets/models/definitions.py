"""Dagster assets of the SQL models: ``intermediate/<name>`` and ``marts/<name>``, one per file.

Each asset runs its model (:mod:`assets.models.models`) on the warehouse for the run's ``as_of``.
Its dependencies are the assets that write the tables its SQL reads; its ``code_version`` is a
hash of its SQL; its data version is the fingerprint of what it read, so the UI's "stale" agrees
with ``meta.build_state``: a model whose inputs and SQL are unchanged is not rebuilt.
"""


from typing import Any

import dagster as dg
import duckdb

from assets.models.models import Model, all_models, builder_of, model_params, run_model
from assets.models.run_history import run_history
from pipelines.core.build_state import fingerprint, store, stored, table_state
from pipelines.core.catalogue import catalogue
from pipelines.core.keys import keys_of_table
from pipelines.core.metadata import OWNERS, records_table, table_metadata
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import fetch_all

INDICATORS = "marts.indicators"
FLAGS = "marts.flags"
KEPT_PER_AS_OF = (INDICATORS, FLAGS)


def upstream_keys(model: Model) -> list[dg.AssetKey]:
    """The assets that write what ``model`` reads."""
    keys: dict[dg.AssetKey, None] = {}
    for table in model.reads:
        builder = builder_of(table)
        for key in [builder.key] if builder else keys_of_table(table):
            keys[key] = None
    return list(keys)


def inputs_fingerprint(con: duckdb.DuckDBPyConnection, model: Model, params: dict[str, Any]) -> str:
    """What the model's result depends on: its SQL, its parameters, the state of every table it
    reads (a model's table by that model's own fingerprint)."""
    states = []
    for table in model.reads:
        builder = builder_of(table)
        if builder is not None:
            states.append((table, (stored(con, builder.state_name) or (None,))[0]))
        else:
            states.append(table_state(con, table))
    return fingerprint(model.sql, params, states)


def _tables_exist(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> bool:
    present = {
        f"{r[0]}.{r[1]}"
        for r in fetch_all(con, "SELECT table_schema, table_name FROM information_schema.tables")
    }
    return all(t in present for t in tables)


def model_is_current(con: duckdb.DuckDBPyConnection, model: Model, params: dict[str, Any]) -> tuple[bool, str, Any]:
    """(whether ``model`` would not be rebuilt, its inputs' fingerprint, its stored state): its
    tables exist and were built from inputs with this fingerprint. The model asset and the run
    planner (``pipelines/planning.py``) ask this one question."""
    fp = inputs_fingerprint(con, model, params)
    previous = stored(con, model.state_name)
    current = bool(previous and previous[0] == fp and _tables_exist(con, model.builds))
    return current, fp, previous


def _model_metadata(con: duckdb.DuckDBPyConnection, model: Model, as_of: Any) -> dict[str, Any]:
    """Row counts (of this as_of where the table keeps history), a preview and the SQL."""
    main = model.builds[0]
    where = "WHERE as_of = $as_of" if main in KEPT_PER_AS_OF else ""
    metadata: dict[str, Any] = {"as_of": dg.MetadataValue.text(str(as_of))}
    metadata |= table_metadata(con, main, where, {"as_of": as_of} if where else None)
    for table in model.builds[1:]:
        (rows,) = fetch_all(con, f"SELECT count(*) FROM {table}")[0]
        metadata[f"rows {table}"] = dg.MetadataValue.int(int(rows))
    if where:
        (rows,) = fetch_all(con, f"SELECT count(*) FROM {main}")[0]
        metadata[f"rows {main} (all as_of)"] = dg.MetadataValue.int(int(rows))
    metadata["reads"] = dg.MetadataValue.md("\n".join(f"- `{t}`" for t in model.reads))
    metadata["sql"] = dg.MetadataValue.md(f"```sql\n{model.sql}\n```")
    return metadata


def _indicator_metadata(con: duckdb.DuckDBPyConnection, as_of: Any) -> dict[str, Any]:
    """Status counts; clusters x indicators with a status rule; the national figure of every
    catalogue indicator (so a new indicator shows here the day it is added)."""
    counts = fetch_all(
        con,
        "SELECT status, count(*) FROM marts.indicators WHERE as_of = $as_of GROUP BY 1 ORDER BY 1",
        {"as_of": as_of},
    )
    with_status = [i.code for i in catalogue() if i.has_status]
    latest = """
        SELECT cluster_id, indicator, status, period, value, n_firms FROM marts.indicators
        WHERE as_of = $as_of AND indicator IN (SELECT unnest($indicators))
        QUALIFY row_number() OVER (
            PARTITION BY cluster_id, indicator
            ORDER BY CASE WHEN period IN ('to_date', 'all') THEN 1 ELSE 0 END DESC, period DESC
        ) = 1
        ORDER BY cluster_id = 'ALL', cluster_id, indicator
    """
    table: dict[str, dict[str, str]] = {}
    for cluster_id, indicator, status, period, _, _ in fetch_all(
        con, latest, {"as_of": as_of, "indicators": with_status}
    ):
        table.setdefault(cluster_id, {})[indicator] = f"{status} ({period})"
    national = fetch_all(con, latest, {"as_of": as_of, "indicators": list(catalogue().codes)})
    national_rows = [
        (indicator, catalogue()[indicator].label["en"], period, value, n_firms, status)
        for cluster_id, indicator, status, period, value, n_firms in national
        if cluster_id == "ALL"
    ]
    return {
        **{f"status {s}": dg.MetadataValue.int(n) for s, n in counts},
        "cluster_status": records_table(
            ["cluster", *with_status],
            [(c, *(v.get(i, "") for i in with_status)) for c, v in table.items()],
        ),
        "national_figures": records_table(
            ["indicator", "label", "period", "value", "n_firms", "status"], national_rows
        ),
    }


def _flag_metadata(con: duckdb.DuckDBPyConnection, as_of: Any) -> dict[str, Any]:
    counts = fetch_all(
        con,
        "SELECT severity, count(*) FROM marts.flags WHERE as_of = $as_of GROUP BY 1 ORDER BY 1",
        {"as_of": as_of},
    )
    return {f"flags {s}": dg.MetadataValue.int(n) for s, n in counts}


def build_model_asset(model: Model) -> dg.AssetsDefinition:
    """One asset that rebuilds ``model``'s tables for the run's as_of, unless nothing it reads
    (nor its SQL) changed since it was last built."""

    @dg.asset(
        key=model.key,
        group_name=model.layer,
        kinds={"duckdb", "sql"},
        owners=OWNERS,
        deps=upstream_keys(model),
        pool="warehouse",
        code_version=model.code_version,
        description=f"{model.description}\n\nSQL: `sql/{model.path}.sql`; builds "
        + ", ".join(f"`{t}`" for t in model.builds)
        + ".",
        tags={"layer": model.layer},
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = warehouse.settings()
        params = model_params(settings.as_of, settings.thresholds)
        with warehouse.writer() as con:
            current, fp, previous = model_is_current(con, model, params)
            rebuilt = not current
            if rebuilt:
                run_model(con, model, params)
                store(con, model.state_name, fp)
            else:
                context.log.info(f"inputs of {model.name} unchanged since {previous[2]}: not rebuilt")
            metadata = _model_metadata(con, model, settings.as_of)
            metadata["rebuilt"] = dg.MetadataValue.bool(rebuilt)
            if model.builds[0] == INDICATORS:
                metadata |= _indicator_metadata(con, settings.as_of)
            elif model.builds[0] == FLAGS:
                metadata |= _flag_metadata(con, settings.as_of)
        context.log.info(f"built {', '.join(model.builds)} for as_of {settings.as_of}")
        return dg.MaterializeResult(metadata=metadata, data_version=dg.DataVersion(fp))

    return _asset


model_assets: list[dg.AssetsDefinition] = [build_model_asset(m) for m in all_models()]

defs = dg.Definitions(assets=[*model_assets, run_history])
