"""The nightly schedule: 02:00 Copenhagen time, on by default."""

from __future__ import annotations

import dagster as dg

from pipelines.core.config import TIMEZONE
from pipelines.jobs import nightly_job

NIGHTLY_CRON = "0 2 * * *"

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_at_0200_copenhagen",
    job=nightly_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=str(TIMEZONE),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Runs the whole impact model every night at 02:00 Europe/Copenhagen.",
)
