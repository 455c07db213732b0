"""Jobs: the nightly run over every asset, and the inbox run (ingestion and indicators)."""

from __future__ import annotations

import dagster as dg

NIGHTLY_JOB_NAME = "nightly_impact_run"
INBOX_JOB_NAME = "inbox_ingestion_run"

# One process per run: the warehouse has one writer, and a step per process would pay Dagster's
# start-up cost for every asset. Runs of either job queue on the warehouse lock.
nightly_job = dg.define_asset_job(
    NIGHTLY_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Every asset and check: ingest the inbox, derive the indicators, write the board report.",
    executor_def=dg.in_process_executor,
    tags={"impact/trigger": "nightly"},
)

inbox_job = dg.define_asset_job(
    INBOX_JOB_NAME,
    selection=dg.AssetSelection.groups("staging", "intermediate", "marts"),
    description="Ingest newly delivered files and refresh the indicators (no report).",
    executor_def=dg.in_process_executor,
    tags={"impact/trigger": "inbox"},
)
