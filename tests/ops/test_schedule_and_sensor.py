"""The nightly schedule and the inbox sensor, evaluated as the Dagster daemon would."""

from __future__ import annotations

import datetime as dt
import json
import time

import dagster as dg

from assets.ingestion.loader import ingest_dataset
from pipelines.core.config import TIMEZONE, deployment_paths
from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_writer
from pipelines.definitions import defs
from pipelines.sensors import inbox_sensor
from tests.ingestion.samples import GRANTS_CSV


def test_schedule_runs_the_nightly_job_at_0200_copenhagen_and_is_on_by_default():
    schedule = defs.resolve_schedule_def("nightly_at_0200_copenhagen")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/Copenhagen"
    assert schedule.job_name == "nightly_impact_run"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    # 02:00 in Copenhagen is 01:00 UTC in winter (CET) and 00:00 UTC in summer (CEST).
    from dagster._utils.schedules import cron_string_iterator

    winter = next(cron_string_iterator(dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC).timestamp(), "0 2 * * *", "Europe/Copenhagen"))
    summer = next(cron_string_iterator(dt.datetime(2026, 7, 10, 12, tzinfo=dt.UTC).timestamp(), "0 2 * * *", "Europe/Copenhagen"))
    assert winter.astimezone(dt.UTC).hour == 1
    assert summer.astimezone(dt.UTC).hour == 0


def _evaluate(inbox, warehouse, cursor: str | None):
    with deployment_paths(inbox=inbox, warehouse=warehouse), dg.build_sensor_context(
        cursor=cursor, resources={"warehouse": WarehouseResource()}
    ) as context:
        result = inbox_sensor(context)
        return result, context.cursor


def test_sensor_triggers_on_a_new_file_once_settled_and_not_on_an_ingested_one(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    (inbox / "grants").mkdir(parents=True)

    result, cursor = _evaluate(inbox, warehouse, None)
    assert isinstance(result, dg.SkipReason)

    (inbox / "grants" / "g.csv").write_text(GRANTS_CSV, encoding="utf-8")
    result, cursor = _evaluate(inbox, warehouse, cursor)  # just written: may still be changing
    assert isinstance(result, dg.SkipReason) and "still changing" in result.skip_message
    result, cursor = _evaluate(inbox, warehouse, cursor)  # unchanged since the previous tick
    assert isinstance(result, dg.RunRequest)
    assert result.tags["impact/new_files"] == "1"

    # The same file seen again (cursor unchanged) does not trigger.
    result, cursor = _evaluate(inbox, warehouse, cursor)
    assert isinstance(result, dg.SkipReason)

    # A sensor starting without a cursor (e.g. after a reset) does not trigger on a file the
    # warehouse has already ingested.
    with connect_writer(warehouse) as con:
        for dataset in INGESTION_ORDER:
            ingest_dataset(con, inbox, dataset)
    result, c = _evaluate(inbox, warehouse, None)
    result, _ = _evaluate(inbox, warehouse, c)
    assert isinstance(result, dg.SkipReason)
    assert json.loads(cursor)  # the cursor remembers the file


def test_sensor_triggers_on_changed_content_under_the_same_name(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    (inbox / "grants").mkdir(parents=True)
    (inbox / "grants" / "g.csv").write_text(GRANTS_CSV, encoding="utf-8")
    with connect_writer(warehouse) as con:
        ingest_dataset(con, inbox, "grants")
    result, cursor = _evaluate(inbox, warehouse, None)
    result, cursor = _evaluate(inbox, warehouse, cursor)
    assert isinstance(result, dg.SkipReason)
    (inbox / "grants" / "g.csv").write_text(GRANTS_CSV + "GC9,clean,cluster,1,2025-01-01,2028-12-31,1,\n", encoding="utf-8")
    result, cursor = _evaluate(inbox, warehouse, cursor)
    result, _ = _evaluate(inbox, warehouse, cursor)
    assert isinstance(result, dg.RunRequest)


def test_sensor_sees_a_same_size_copy_that_kept_the_old_modification_time(tmp_path):
    import os

    from pipelines.sensors import find_new_files

    inbox = tmp_path / "inbox"
    (inbox / "grants").mkdir(parents=True)
    path = inbox / "grants" / "g.csv"
    path.write_text(GRANTS_CSV)
    warehouse = tmp_path / "none.duckdb"  # nothing recorded yet
    later = time.time() + 3600  # every file has settled by then
    new, cursor = find_new_files(inbox, warehouse, {}, now=later)
    assert new == ["grants/g.csv"]
    assert find_new_files(inbox, warehouse, cursor, now=later)[0] == []  # unchanged: nothing new
    stat = path.stat()
    path.write_text(GRANTS_CSV.replace("398", "399"))  # same size, other content
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert find_new_files(inbox, warehouse, cursor, now=later)[0] == ["grants/g.csv"]


def test_the_sensor_asks_for_the_steps_a_new_file_can_change_and_pins_the_date(tmp_path):
    """After a run, a new participation file: the request selects participation and what reads
    it (pipelines/planning.py), not the grants; its as_of is the date it was planned for."""
    from pipelines.core.config import load_settings
    from pipelines.runner import run_pipeline
    from tests.reliability.runs import AS_OF, CVR_A, write_inbox

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    write_inbox(inbox)
    assert run_pipeline(load_settings(inbox, warehouse, tmp_path / "reports", AS_OF)) == 0
    (inbox / "participation" / "p3.csv").write_text(
        f"activity_id,cvr,participation_date\nAI1,{CVR_A},2025-04-01\n", encoding="utf-8"
    )
    with deployment_paths(inbox=inbox, warehouse=warehouse), dg.build_sensor_context(
        resources={"warehouse": WarehouseResource()}, repository_def=defs.get_repository_def(),
    ) as context:
        inbox_sensor(context)  # the first tick sees the file; the second takes it
        result = inbox_sensor(context)
    assert isinstance(result, dg.RunRequest), result
    selected = {k.to_user_string() for k in result.asset_selection}
    assert {"staging/participation", "staging/innovation_outcomes", "marts/indicators"} <= selected
    assert "staging/grants" not in selected and "reports/impact_report" not in selected  # not in the job
    checks = {f"{c.asset_key.to_user_string()}:{c.name}" for c in result.asset_check_keys}
    assert "staging/participation:contract_suite" in checks
    assert "staging/grants:contract_suite" not in checks
    today = dt.datetime.now(TIMEZONE).date().isoformat()  # the default as_of: today in Copenhagen
    assert result.run_config["resources"]["warehouse"]["config"]["as_of"] == today
