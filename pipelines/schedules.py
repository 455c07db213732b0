"""The nightly schedule: 02:00 Copenhagen time, on by default.

``IMPACT_NIGHTLY_CRON`` (read when the code location loads) replaces the cron expression, e.g.
``30 1 * * *`` for 01:30, or ``* * * * *`` in the test that drives the daemon.
"""

import os

import dagster as dg

from pipelines.core.config import TIMEZONE
from pipelines.core.resources import WarehouseResource
from pipelines.jobs import NIGHTLY_JOB_NAME, nightly_job
from pipelines.planning import planned_run_request

DEFAULT_NIGHTLY_CRON = "0 2 * * *"
NIGHTLY_CRON = (os.environ.get("IMPACT_NIGHTLY_CRON") or "").strip() or DEFAULT_NIGHTLY_CRON

@dg.schedule(
    name="nightly_at_0200_copenhagen",
    job=nightly_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=str(TIMEZONE),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=(
        f"Runs the whole impact model on the cron {NIGHTLY_CRON!r} (Europe/Copenhagen; "
        "IMPACT_NIGHTLY_CRON, default every night at 02:00): every step whose inputs can have "
        "changed (pipelines/planning.py; IMPACT_ALL_STEPS=1 runs every step)."
    ),
)
def nightly_schedule(context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource) -> dg.RunRequest:
    return planned_run_request(context, warehouse.settings(), NIGHTLY_JOB_NAME)
