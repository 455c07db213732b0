"""The nightly schedule: 02:00 Copenhagen time, on by default.

``IMPACT_NIGHTLY_CRON`` (read when the code location loads) replaces the cron expression, e.g.
``30 1 * * *`` for 01:30, or ``* * * * *`` in the test that drives the daemon.
"""

from __future__ import annotations

import os

import dagster as dg

from pipelines.core.config import TIMEZONE
from pipelines.jobs import nightly_job

DEFAULT_NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_CRON = (os.environ.get("IMPACT_NIGHTLY_CRON") or "").strip() or DEFAULT_NIGHTLY_CRON

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_at_0200_copenhagen",
    job=nightly_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=str(TIMEZONE),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"Runs the whole impact model on the cron {NIGHTLY_CRON!r} (Europe/Copenhagen; "
        "IMPACT_NIGHTLY_CRON, default every night at 02:00)."
    ),
)
