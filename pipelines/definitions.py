"""The one entry point of the Dagster code location (``dagster dev`` and ``impact run``).

Each domain owns its own ``Definitions`` beside its code (reference data, ingestion, the SQL
models, the report, the data checks); they are merged here with the jobs, the schedule, the
sensor and the resources.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from assets.ingestion import definitions as ingestion
from assets.models import definitions as models
from assets.reference import definitions as reference
from assets.report import definitions as report
from pipelines.alerts import ALERT_SENSORS
from pipelines.core.resources import WarehouseResource
from pipelines.jobs import inbox_job, nightly_job
from pipelines.schedules import nightly_schedule
from pipelines.sensors import inbox_sensor
from quality import definitions as quality


def build_definitions(
    warehouse: WarehouseResource | None = None,
    loggers: Mapping[str, dg.LoggerDefinition] | None = None,
) -> dg.Definitions:
    """All definitions, with the run's resource (``as_of``, ``lang``) and console given (the CLI)
    or the defaults. Where runs read and write always comes from the IMPACT_* environment."""
    return dg.Definitions.merge(
        reference.defs,
        ingestion.defs,
        models.defs,
        report.defs,
        quality.defs,
        dg.Definitions(
            jobs=[nightly_job, inbox_job],
            schedules=[nightly_schedule],
            sensors=[inbox_sensor, *ALERT_SENSORS],
            resources={"warehouse": warehouse or WarehouseResource()},
            executor=dg.in_process_executor,
            loggers=loggers,
        ),
    )


defs = build_definitions()
