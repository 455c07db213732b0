"""Dagster assets of the indicator layer: intermediate models, marts.indicators, marts.flags.

Every asset runs one SQL file of ``sql/marts/`` on the warehouse (resource ``warehouse``) for the
run's ``as_of``, binding ``$as_of`` and the thresholds of :class:`pipelines.core.config.Thresholds`.
They depend on the staging assets ``["staging", <dataset>]`` defined by the ingestion layer.
"""

from typing import Any

import dagster as dg
import duckdb

from assets.models.models import (
    ALL_MODELS,
    FLAGS_MODEL,
    INDICATORS_MODEL,
    Model,
    model_params,
    run_model,
)
from pipelines.core.build_state import (
    fingerprint,
    store,
    stored,
    table_state,
    upstream_fingerprints,
)
from pipelines.core.metadata import markdown_preview, md_table
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import fetch_all, sql_text

OWNERS = ["team:impact-model"]
GROUP = "indicators"
STATUS_INDICATORS = (
    "smes_collective",
    "smes_concepts",
    "private_cofinancing_share",
    "liquidity_months",
    "turnover_effect_2y",
)


def model_key(model: Model) -> dg.AssetKey:
    """``["marts", name]`` for the published tables, ``["intermediate", name]`` otherwise."""
    if model in (INDICATORS_MODEL, FLAGS_MODEL):
        return dg.AssetKey(["marts", model.name])
    return dg.AssetKey(["intermediate", model.name])


def _by_name() -> dict[str, Model]:
    return {m.name: m for m in ALL_MODELS}


def _common_metadata(con: duckdb.DuckDBPyConnection, model: Model, as_of: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {"as_of": dg.MetadataValue.text(str(as_of))}
    for table in model.tables:
        if table.startswith("marts."):
            n = fetch_all(
                con, f"SELECT count(*) FROM {table} WHERE as_of = $as_of", {"as_of": as_of}
            )
            metadata[f"rows {table} (this as_of)"] = dg.MetadataValue.int(n[0][0])
            n_all = fetch_all(con, f"SELECT count(*) FROM {table}")
            metadata[f"rows {table} (all as_of)"] = dg.MetadataValue.int(n_all[0][0])
        else:
            n = fetch_all(con, f"SELECT count(*) FROM {table}")
            metadata[f"rows {table}"] = dg.MetadataValue.int(n[0][0])
    main = model.tables[0]
    if main.startswith("marts."):
        preview = markdown_preview(con, main, "WHERE as_of = $as_of", {"as_of": as_of})
    else:
        preview = markdown_preview(con, main)
    metadata["dagster/row_count"] = metadata[
        next(iter(k for k in metadata if k.startswith("rows ")))
    ]
    metadata["preview"] = dg.MetadataValue.md(preview)
    metadata["sql"] = dg.MetadataValue.md(f"```sql\n{sql_text(model.sql)}\n```")
    return metadata


def _indicator_metadata(con: duckdb.DuckDBPyConnection, as_of: Any) -> dict[str, Any]:
    """Status counts and a table of clusters x headline indicators (latest period) with status."""
    counts = fetch_all(
        con,
        "SELECT status, count(*) FROM marts.indicators WHERE as_of = $as_of GROUP BY 1 ORDER BY 1",
        {"as_of": as_of},
    )
    rows = fetch_all(
        con,
        """
        WITH latest AS (
            SELECT cluster_id, indicator, status, period
            FROM marts.indicators
            WHERE as_of = $as_of AND indicator IN (SELECT unnest($indicators))
            QUALIFY row_number() OVER (
                PARTITION BY cluster_id, indicator
                ORDER BY CASE WHEN period IN ('to_date', 'all') THEN 1 ELSE 0 END DESC, period DESC
            ) = 1
        )
        SELECT cluster_id, indicator, status || ' (' || period || ')' FROM latest
        ORDER BY cluster_id = 'ALL', cluster_id, indicator
        """,
        {"as_of": as_of, "indicators": list(STATUS_INDICATORS)},
    )
    table: dict[str, dict[str, str]] = {}
    for cluster_id, indicator, status in rows:
        table.setdefault(cluster_id, {})[indicator] = status
    md_rows = [(c, *(v.get(i, "") for i in STATUS_INDICATORS)) for c, v in table.items()]
    return {
        **{f"status {s}": dg.MetadataValue.int(n) for s, n in counts},
        "cluster_status": dg.MetadataValue.md(md_table(["cluster", *STATUS_INDICATORS], md_rows)),
    }


def _flag_metadata(con: duckdb.DuckDBPyConnection, as_of: Any) -> dict[str, Any]:
    counts = fetch_all(
        con,
        "SELECT severity, count(*) FROM marts.flags WHERE as_of = $as_of GROUP BY 1 ORDER BY 1",
        {"as_of": as_of},
    )
    return {f"flags {s}": dg.MetadataValue.int(n) for s, n in counts}


def _tables_exist(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> bool:
    present = {
        f"{r[0]}.{r[1]}"
        for r in fetch_all(con, "SELECT table_schema, table_name FROM information_schema.tables")
    }
    return all(t in present for t in tables)


def build_model_asset(model: Model) -> dg.AssetsDefinition:
    """One asset that rebuilds ``model``'s tables for the run's as_of."""
    models = _by_name()
    deps = [dg.AssetKey(["staging", d]) for d in model.staging]
    deps += [model_key(models[u]) for u in model.upstream]

    @dg.asset(
        key=model_key(model),
        group_name=GROUP,
        kinds={"duckdb", "sql"},
        owners=OWNERS,
        deps=deps,
        pool="warehouse",
        description=f"{model.description}\n\nSQL: `sql/{model.sql}.sql`; builds "
        + ", ".join(f"`{t}`" for t in model.tables)
        + ".",
        tags={"layer": "marts" if model_key(model).path[0] == "marts" else "intermediate"},
    )
    def _asset(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> dg.MaterializeResult:
        settings = warehouse.settings()
        params = model_params(settings.as_of, settings.thresholds)
        with warehouse.writer() as con:
            fp = fingerprint(
                sql_text(model.sql),
                params,
                [table_state(con, f"staging.{d}") for d in model.staging],
                upstream_fingerprints(con, [f"model:{u}" for u in model.upstream]),
            )
            previous = stored(con, f"model:{model.name}")
            rebuilt = not (previous and previous[0] == fp and _tables_exist(con, model.tables))
            if rebuilt:
                run_model(con, model, params)
                store(con, f"model:{model.name}", fp)
            else:
                context.log.info(f"inputs of {model.name} unchanged since {previous[2]}: not rebuilt")
            metadata = _common_metadata(con, model, settings.as_of)
            metadata["rebuilt"] = dg.MetadataValue.bool(rebuilt)
            if model is INDICATORS_MODEL:
                metadata |= _indicator_metadata(con, settings.as_of)
            elif model is FLAGS_MODEL:
                metadata |= _flag_metadata(con, settings.as_of)
        context.log.info(f"built {', '.join(model.tables)} for as_of {settings.as_of}")
        return dg.MaterializeResult(metadata=metadata)

    return _asset


indicator_assets: list[dg.AssetsDefinition] = [build_model_asset(m) for m in ALL_MODELS]

defs = dg.Definitions(assets=indicator_assets)
