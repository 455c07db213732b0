"""The Definitions load, and the ingestion assets materialise into a temporary DuckDB."""

from __future__ import annotations

import dagster as dg

from assets.ingestion.definitions import staging_assets
from pipelines.core.config import deployment_paths
from pipelines.core.resources import WarehouseResource
from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, GRANTS_CSV


def test_definitions_load_with_jobs_schedule_and_sensor():
    from pipelines.definitions import defs

    keys = {k.to_user_string() for k in defs.resolve_all_asset_keys()}
    assert {f"staging/{d}" for d in ("grants", "accounts", "activities", "participation",
                                     "innovation_outcomes", "firms", "survey_demand",
                                     "survey_network")} <= keys
    assert defs.resolve_job_def("nightly_impact_run") is not None
    assert defs.resolve_schedule_def("nightly_at_0200_copenhagen").cron_schedule == "0 2 * * *"
    assert defs.resolve_sensor_def("inbox_new_files") is not None


def test_materialize_ingestion_assets(inbox, warehouse, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    inbox.write("participation/p.csv", f"activity_id,cvr,participation_date\nAC1,{CVR_A},2025-02-01\n")
    resource = WarehouseResource(as_of="2026-06-30")
    with deployment_paths(inbox=inbox.root, warehouse=warehouse):
        result = dg.materialize(staging_assets, resources={"warehouse": resource})
    assert result.success
    materialized = {
        m.asset_key.to_user_string(): m.metadata
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    }
    assert materialized["staging/participation"]["dagster/row_count"].value == 1
    assert materialized["staging/grants"]["files_ingested"].value == 1
    assert query("SELECT cvr FROM staging.participation") == [(CVR_A,)]
