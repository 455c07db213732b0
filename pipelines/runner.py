"""``impact run``: the nightly job in-process, under the run lock, and its summary.

Exit 0 means the run was published: its warehouse replaced the old one and its report was put in
place. Any failure (a step, a fault of the machine, the publication itself) exits 1, and the
first line on stderr says what went wrong and what the warehouse is left as.
"""

from __future__ import annotations

import gc
import logging
import os
import sys

import dagster as dg

from pipelines.core.config import Settings, deployment_paths
from pipelines.core.publish import warehouse_problem
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_reader, fetch_all
from pipelines.jobs import NIGHTLY_JOB_NAME
from reports.data import load_report_data
from reports.shortfalls import flagged_clusters

EXIT_OK, EXIT_FAILED = 0, 1


def resource_for(settings: Settings) -> WarehouseResource:
    """The run's config: its reporting date and language (its paths come from the environment)."""
    return WarehouseResource(as_of=settings.as_of.isoformat(), lang=settings.lang)


class _WithoutFrameworkErrors(logging.Filter):
    """Leave out Dagster's own error records (a failed step, a failed run, with tracebacks):
    :func:`failure_lines` says what failed in one line each. Warnings and the steps' own error
    messages (a file that failed, a file not taken) stay."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            return True
        meta = getattr(record, "dagster_meta", None) or {}
        skipped = str(meta.get("orig_message", "")).startswith("Dependencies for step")
        return getattr(record, "dagster_event", None) is None and not skipped


@dg.logger(
    config_schema={"log_level": dg.Field(str, default_value="WARNING")},
    description="impact run's console: warnings and step messages on stderr, no tracebacks.",
)
def cli_console_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    logger = logging.Logger("impact", level=init_context.logger_config["log_level"])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
    handler.addFilter(_WithoutFrameworkErrors())
    logger.addHandler(handler)
    return logger


def _instance() -> dg.DagsterInstance:
    """The UI's instance when DAGSTER_HOME is set (runs show in its history), else ephemeral."""
    return dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()


def _error_text(error: object) -> str:
    """The first line of a Dagster error record, without the exception's class name."""
    message = (getattr(error, "message", "") or "").strip()
    first = message.splitlines()[0] if message else "unknown error"
    cls = getattr(error, "cls_name", None)
    if cls and f"{cls}: " in first.split(" ", 1)[0] + " ":  # "[module.]Class: message"
        first = first.split(": ", 1)[1]
    return first


def failed_steps(result: dg.ExecuteInProcessResult) -> list[tuple[str, str]]:
    failures = []
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            error = data.error if data else None
            # A step's own exception is wrapped by Dagster ("Error occurred while executing ..."):
            # its cause is what failed.
            while error is not None and getattr(error, "cause", None) is not None and (
                (error.message or "").startswith("dagster.")
                or "Error occurred while" in (error.message or "")
            ):
                error = error.cause
            failures.append((event.step_key or "?", _error_text(error) if error else "unknown error"))
    return failures


def run_failure(result: dg.ExecuteInProcessResult) -> str | None:
    """Why the run as a whole failed where no step did: it could not start, or not be published."""
    for event in result.all_events:
        if event.is_run_failure:
            data = event.event_specific_data
            error = getattr(data, "error", None)
            if error is not None:
                return _error_text(error)
    return None


def failure_lines(result: dg.ExecuteInProcessResult) -> list[str]:
    """What ``impact run`` prints on stderr when the run failed: first the one line that says what
    went wrong and what was (not) published, then every failed step."""
    steps = failed_steps(result)
    headline = run_failure(result) or (steps[0][1] if steps else "the run did not complete")
    lines = [f"impact run: failed: {headline}"]
    lines += [f"impact run: step {step} failed: {message}" for step, message in steps]
    return lines


def run_pipeline(settings: Settings, verbose: bool = False) -> int:
    from pipelines.definitions import build_definitions

    if not settings.inbox.is_dir():
        print(
            f"impact run: the inbox folder {settings.inbox} does not exist. Create it, write a demo "
            f"inbox with `impact demo --out {settings.inbox}`, or pass --inbox / IMPACT_INBOX.",
            file=sys.stderr,
        )
        return EXIT_FAILED
    problem = warehouse_problem(settings.warehouse)
    if problem:
        print(f"impact run: {problem}", file=sys.stderr)
        return EXIT_FAILED
    # Warnings (a run waiting for the warehouse lock says so every minute) show; Dagster's own
    # error records with their tracebacks only with --verbose (failure_lines says it in one line).
    run_config = {"loggers": {"console": {"config": {"log_level": "INFO" if verbose else "WARNING"}}}}
    # The resource holds the warehouse's writer lock for the whole run, builds on a shadow copy
    # and publishes it when the steps are done (see WarehouseResource.yield_for_execution).
    loggers = None if verbose else {"console": cli_console_logger}
    job = build_definitions(resource_for(settings), loggers).resolve_job_def(NIGHTLY_JOB_NAME)
    # What is loaded now (Dagster, Polars, DuckDB, the definitions) stays until the process ends;
    # frozen, it is not walked by every full garbage collection of the run (nor is GX, which
    # joins it once imported). Measured: about 0.5-1 s of a 19 s national-scale run.
    gc.freeze()
    try:
        # The run's resource reads where to work from the IMPACT_* variables only (as a daemon's
        # run does): set to this run's paths for the run.
        paths = deployment_paths(settings.inbox, settings.warehouse, settings.reports)
        with paths, _instance() as instance:
            result = job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    finally:
        gc.unfreeze()  # for in-process callers; the CLI leaves with os._exit (see cli.entry)
    if not result.success:
        for line in failure_lines(result):
            print(line, file=sys.stderr)
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
        # Clusters with a counted performance shortfall, as the report counts them (data notes
        # never count; each shortfall once, its latest period).
        flagged = flagged_clusters(load_report_data(
            con, settings.as_of, settings.thresholds.disclosure_min_firms, settings.thresholds
        ))
    report = settings.reports / f"impact_report_{settings.as_of.isoformat()}.html"
    lines = [
        f"Impact model run complete (as of {settings.as_of.isoformat()}).",
        f"  files ingested: {by_status.get('ingested', 0)}, duplicate: {by_status.get('duplicate', 0)}, "
        f"failed: {by_status.get('failed', 0)}",
        f"  rows rejected: {int(rejected)}",
        "  clusters flagged: "
        + (
            ", ".join(f"{c} ({severity})" for c, severity in flagged)
            if flagged
            else "none"
        ),
        f"  warehouse: {settings.warehouse}",
    ]
    if report.exists():
        lines.append(f"  report: {report}")
    return "\n".join(lines)
