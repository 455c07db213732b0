"""Asset keys, declared once: the staging table of a dataset, a SQL model, reference data, the
report. Assets, checks, jobs and tests all name assets through these."""

from __future__ import annotations

import dagster as dg

from pipelines.core.contract import INGESTION_ORDER

REPORT_KEY = dg.AssetKey(["reports", "impact_report"])
# Tables every staging asset writes beside its own: a model that reads them depends on all of them.
INGESTION_RECORDS = ("meta.ingested_files", "quality.rejected_rows", "raw.files", "raw.rows")


def staging_key(dataset: str) -> dg.AssetKey:
    """``staging/<dataset>``: the staging table of one dataset of the input contract."""
    return dg.AssetKey(["staging", dataset])


def model_key(layer: str, name: str) -> dg.AssetKey:
    """``intermediate/<name>`` or ``marts/<name>``: the SQL model of ``sql/<layer>/<name>.sql``."""
    return dg.AssetKey([layer, name])


def reference_key(table: str) -> dg.AssetKey:
    """``reference/<table>``: reference data shipped with the project."""
    return dg.AssetKey(["reference", table])


def keys_of_table(table: str) -> list[dg.AssetKey]:
    """The assets that write ``schema.table``, for tables no SQL model builds."""
    schema, name = table.split(".", 1)
    if schema == "staging":
        return [staging_key(name)]
    if schema == "reference":
        return [reference_key(name)]
    if table in INGESTION_RECORDS:
        return [staging_key(d) for d in INGESTION_ORDER]
    return []
