"""``impact run``: the nightly job in-process, under the run lock, and its summary."""

from __future__ import annotations

import gc
import os
import sys

import dagster as dg

from pipelines.core.config import Settings
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_reader, fetch_all
from pipelines.jobs import NIGHTLY_JOB_NAME

EXIT_OK, EXIT_FAILED = 0, 1


def resource_for(settings: Settings) -> WarehouseResource:
    return WarehouseResource(
        warehouse=str(settings.warehouse.resolve()),
        inbox=str(settings.inbox.resolve()),
        reports=str(settings.reports.resolve()),
        as_of=settings.as_of.isoformat(),
        lang=settings.lang,
    )


def _instance() -> dg.DagsterInstance:
    """The UI's instance when DAGSTER_HOME is set (runs show in its history), else ephemeral."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def failed_steps(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    failures = []
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            message = data.error.message.strip() if data and data.error else "unknown error"
            failures.append((event.step_key or "?", message))
    return failures


def run_pipeline(settings: Settings, verbose: bool = False) -> int:
    from pipelines.definitions import build_definitions

    if not settings.inbox.is_dir():
        print(
            f"impact run: the inbox folder {settings.inbox} does not exist. Create it, write a demo "
            f"inbox with `impact demo --out {settings.inbox}`, or pass --inbox / IMPACT_INBOX.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "WARNING"}}}}
    # The resource holds the warehouse's writer lock for the whole run and builds on a shadow
    # copy published in one rename when the run ends (see WarehouseResource.yield_for_execution).
    job = build_definitions(resource_for(settings)).resolve_job_def(NIGHTLY_JOB_NAME)
    # What is loaded now (Dagster, Polars, DuckDB, the definitions) stays until the process ends;
    # frozen, it is not walked by every full garbage collection of the run (nor is GX, which
    # joins it once imported). Measured: about 0.5-1 s of a 19 s national-scale run.
    gc.freeze()
    try:
        with _instance() as instance:
            result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    finally:
        gc.unfreeze()  # for in-process callers; the CLI leaves with os._exit (see cli.entry)
    if not result.success:
        failures = failed_steps(result) or [("run", "the run did not complete")]
        for step, message in failures:
            print(f"impact run: step {step} failed: {message}", file=sys.stderr)
        return EXIT_FAILED
    print(summary(settings, result.run_id))
    print(checks_summary(result))
    return EXIT_OK


def checks_summary(result: dg.ExecuteInProcessResult) -> str:
    """One line on the data checks: how many passed, warned and failed, and which did not pass."""
    evaluations = result.get_asset_check_evaluations()
    errors = [e for e in evaluations if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR]
    warnings = [e for e in evaluations if not e.passed and e.severity != dg.AssetCheckSeverity.ERROR]
    passed = len(evaluations) - len(errors) - len(warnings)
    lines = [f"  data checks: {passed} passed, {len(warnings)} warned, {len(errors)} failed"]
    for label, group in (("ERROR", errors), ("WARN", warnings)):
        if group:
            names = sorted({f"{e.asset_key.to_user_string()}:{e.check_name}" for e in group})
            lines.append(f"    {label}: {', '.join(names)}")
    return "\n".join(lines)


def summary(settings: Settings, run_id: str) -> str:
    with connect_reader(settings.warehouse) as con:
        by_status = dict(
            fetch_all(
                con,
                "SELECT status, count(*) FROM meta.ingested_files WHERE run_id = $run GROUP BY status",
                {"run": run_id},
            )
        )
        (rejected,) = fetch_all(
            con,
            "SELECT coalesce(sum(rows_rejected), 0) FROM meta.ingested_files WHERE run_id = $run",
            {"run": run_id},
        )[0]
        flagged = fetch_all(
            con,
            """SELECT cluster_id, max(CASE severity WHEN 'ERROR' THEN 2 ELSE 1 END) AS level
               FROM marts.flags WHERE as_of = $as_of AND cluster_id <> 'ALL'
               GROUP BY cluster_id ORDER BY level DESC, cluster_id""",
            {"as_of": settings.as_of},
        )
    report = settings.reports / f"impact_report_{settings.as_of.isoformat()}.html"
    lines = [
        f"Impact model run complete (as of {settings.as_of.isoformat()}).",
        f"  files ingested: {by_status.get('ingested', 0)}, duplicate: {by_status.get('duplicate', 0)}, "
        f"failed: {by_status.get('failed', 0)}",
        f"  rows rejected: {int(rejected)}",
        "  clusters flagged: "
        + (
            ", ".join(f"{c} ({'ERROR' if level == 2 else 'WARN'})" for c, level in flagged)
            if flagged
            else "none"
        ),
        f"  warehouse: {settings.warehouse}",
    ]
    if report.exists():
        lines.append(f"  report: {report}")
    return "\n".join(lines)
