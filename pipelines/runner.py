"""``impact run``: the nightly job in-process, under the run lock, and its summary.

Exit 0 means the run was published: its warehouse replaced the old one and its report was put in
place. Any failure (a step, a fault of the machine, the publication itself) exits 1, and the
first line of its verdict on stderr (after the run's own warnings) says what went wrong and what the warehouse is left as.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import time
from typing import TextIO

import dagster as dg

from assets.models.run_history import RunChanges, run_changes
from pipelines.alerts import failed_files_alert, run_failed_alert, send_alert
from pipelines.core.config import Settings, deployment_paths
from pipelines.core.publish import warehouse_problem
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_reader, fetch_all
from pipelines.instance import instance as deployment_instance
from pipelines.instance import prune_old_runs
from pipelines.jobs import NIGHTLY_JOB_NAME
from pipelines.planning import PLAN_TAG, Plan, every_step, plan_or_every_step
from quality.definitions import is_cluster_status_check

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


class Progress(logging.Handler):
    """A progress line per stage on the terminal: the stage, the step now running, how many steps
    have started and the time so far. The stages follow the layers (reference, staging,
    intermediate, marts, reports); Dagster interleaves steps of neighbouring layers, so a stage
    begins with its first step and the line of a stage is rewritten in place until a later stage
    begins on a new line. Fed by Dagster's STEP_START events through the console logger."""

    STAGES = ("reference", "staging", "intermediate", "marts", "reports")

    def __init__(self, stream: TextIO) -> None:
        super().__init__(logging.DEBUG)
        self.stream = stream
        self.stage: str | None = None
        self.steps = 0
        self.started = time.monotonic()

    def emit(self, record: logging.LogRecord) -> None:
        event = getattr(record, "dagster_event", None)
        if event is None or getattr(event, "event_type_value", None) != "STEP_START":
            return
        key = event.step_key or ""
        layer = key.split("__", 1)[0]
        rank = self.STAGES.index(layer) if layer in self.STAGES else -1
        current = self.STAGES.index(self.stage) if self.stage else -1
        self.steps += 1
        if rank > current:
            if self.stage is not None:
                self.stream.write("\n")
            self.stage = layer
        elapsed = time.monotonic() - self.started
        self.stream.write(f"\r\x1b[2K  {elapsed:4.0f}s  {self.stage or '':<12} step {self.steps:>3}: {key}")
        self.stream.flush()

    def finish(self) -> None:
        if self.stage is not None:
            self.stream.write("\n")
            self.stream.flush()


def shows_progress(quiet: bool, verbose: bool, stream: TextIO) -> bool:
    """Progress only for a person at a terminal: not with --quiet or --verbose, not into a pipe,
    a file or a log (cron, systemd)."""
    return not quiet and not verbose and stream.isatty()


def console_logger(progress: Progress | None = None) -> dg.LoggerDefinition:
    """impact run's console: warnings and step messages on stderr, no tracebacks; with
    ``progress``, every step start goes to the progress line too."""

    @dg.logger(
        config_schema={"log_level": dg.Field(str, default_value="WARNING")},
        description="impact run's console: warnings and step messages on stderr, no tracebacks.",
    )
    def _logger(init_context: dg.InitLoggerContext) -> logging.Logger:
        level = init_context.logger_config["log_level"]
        logger = logging.Logger("impact", level=logging.DEBUG if progress else level)
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(level)
        # over a progress line, a message first clears it (the next step writes it again)
        clear = "\r\x1b[2K" if progress else ""
        handler.setFormatter(logging.Formatter(f"{clear}%(asctime)s %(levelname)s %(message)s", "%H:%M:%S"))
        handler.addFilter(_WithoutFrameworkErrors())
        logger.addHandler(handler)
        if progress:
            logger.addHandler(progress)
        return logger

    return _logger


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


def planned_job(settings: Settings, job: dg.JobDefinition, all_steps: bool) -> tuple[dg.JobDefinition, Plan]:
    """``job`` cut to the steps this run needs (:mod:`pipelines.planning`), or whole."""
    if all_steps:
        return job, every_step("--all-steps")
    # A plan that fails is no verdict (those start "impact run:" on stderr): "ran:" says it.
    plan = plan_or_every_step(settings, job)
    if plan.is_full:
        return job, plan
    return job.get_subset(asset_selection=set(plan.assets), asset_check_selection=set(plan.checks)), plan


def run_pipeline(
    settings: Settings, verbose: bool = False, quiet: bool = False, all_steps: bool = False
) -> int:
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
    progress = Progress(sys.stderr) if shows_progress(quiet, verbose, sys.stderr) else None
    loggers = None if verbose else {"console": console_logger(progress)}
    job = build_definitions(resource_for(settings), loggers).resolve_job_def(NIGHTLY_JOB_NAME)
    job, plan = planned_job(settings, job, all_steps)
    # What is loaded now (Dagster, Polars, DuckDB, the definitions) stays until the process ends;
    # frozen, it is not walked by every full garbage collection of the run (nor is GX, which
    # joins it once imported). Measured: about 0.5-1 s of a 19 s national-scale run.
    gc.freeze()
    try:
        # The run's resource reads where to work from the IMPACT_* variables only (as a daemon's
        # run does): set to this run's paths for the run.
        paths = deployment_paths(settings.inbox, settings.warehouse, settings.reports)
        # The deployment's instance (pipelines/instance.py): the UI shows this run, its
        # materialisations and its check results.
        with paths, deployment_instance(settings.warehouse) as instance:
            result = job.execute_in_process(
                instance=instance, run_config=run_config, raise_on_error=False,
                tags={PLAN_TAG: plan.tag},
            )
            try:
                prune_old_runs(instance)
            except Exception as exc:  # noqa: BLE001 - housekeeping never changes the run's outcome
                print(f"impact run: could not delete old runs from the instance: {exc}", file=sys.stderr)
    finally:
        gc.unfreeze()  # for in-process callers; the CLI leaves with os._exit (see cli.entry)
        if progress:
            progress.finish()
    if not result.success:
        lines = failure_lines(result)
        for line in lines:
            print(line, file=sys.stderr)
        message = lines[0].removeprefix("impact run: failed: ")
        send_alert(run_failed_alert(NIGHTLY_JOB_NAME, result.run_id, message), settings.warehouse)
        return EXIT_FAILED
    files_alert = failed_files_alert(settings.warehouse, result.run_id)
    if files_alert:
        send_alert(files_alert, settings.warehouse)
    try:
        print(summary(settings, result, plan), flush=True)
    except BrokenPipeError:
        # `impact run | head`: the reader left; the run is published all the same.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_OK


def checks_line(result: dg.ExecuteInProcessResult, counts: dict[str, int] | None) -> str:
    """Pipeline health apart from the clusters' performance, in one line:
    ``pipeline: all checks passed · clusters: 1 critical, 4 behind``.

    Pipeline: every check except the cluster status checks (a failure there means something is
    broken). Clusters: the run's verdicts (marts.run_history, by reports/shortfalls.py: data notes
    never count)."""
    health = [e for e in result.get_asset_check_evaluations() if not is_cluster_status_check(e.check_name)]
    failed = sorted(
        f"{e.asset_key.to_user_string()}:{e.check_name}" for e in health
        if not e.passed and e.severity == dg.AssetCheckSeverity.ERROR
    )
    warned = sorted(
        f"{e.asset_key.to_user_string()}:{e.check_name}" for e in health
        if not e.passed and e.severity != dg.AssetCheckSeverity.ERROR
    )
    if failed:
        pipeline = f"pipeline: {len(failed)} check(s) FAILED ({', '.join(failed)})"
    else:
        pipeline = "pipeline: all checks passed"
    if warned:
        pipeline += f"; {len(warned)} warning(s): {', '.join(warned)}"
    if counts is None:
        return f"  {pipeline}"
    short = [f"{counts[v]} {v}" for v in ("critical", "behind") if counts.get(v)]
    clusters = ", ".join(short) if short else "none behind or critical"
    return f"  {pipeline} · clusters: {clusters}"


MAX_FILES_LISTED = 40


def _file_lines(files: list[tuple]) -> list[str]:
    """One line per file of the run: rows accepted and rejected, or why it failed."""
    lines = []
    for name, status, accepted, rejected, error in files[:MAX_FILES_LISTED]:
        if status == "failed":
            lines.append(f"    {name}: FAILED: {error or 'no reason recorded'}")
        elif status == "duplicate":
            lines.append(f"    {name}: duplicate of a file already ingested, nothing added")
        else:
            lines.append(f"    {name}: {accepted:,} rows accepted, {rejected:,} rejected")
    if len(files) > MAX_FILES_LISTED:
        lines.append(f"    ... and {len(files) - MAX_FILES_LISTED} more (meta.ingested_files)")
    return lines


def _status(value: str) -> str:
    return value.replace("_", " ")


def flagged_line(verdicts: dict[str, str]) -> str:
    """The clusters with a counted performance shortfall, most serious first (the report's rule,
    reports/shortfalls.py: data notes never count; docs/indicator-decisions.md)."""
    order = {"critical": 0, "behind": 1}
    flagged = sorted((order[v], c, v) for c, v in verdicts.items() if v in order)
    return "  clusters flagged: " + (", ".join(f"{c} ({v})" for _, c, v in flagged) or "none")


def change_lines(changes: RunChanges | None) -> list[str]:
    """What changed against the state before the run: cluster statuses, flags added/removed."""
    if changes is None or changes.as_of is None:
        return []
    if changes.before is None:
        return ["  changes: the first recorded run for this warehouse, nothing to compare with"]
    run_id, as_of, at = changes.before
    same = "the previous run of this reporting date" if as_of == changes.as_of else f"as of {as_of}"
    lines = [f"  changes since {same} (run {run_id[:8]}, {at:%Y-%m-%d %H:%M} UTC):"]
    if not (changes.clusters or changes.flags_added or changes.flags_removed):
        return lines + ["    no cluster changed status; no flag added or removed"]
    for cluster, before, now in changes.clusters:
        lines.append(f"    {cluster}: {_status(before)} -> {_status(now)}")
    for label, flags in (("flag added", changes.flags_added), ("flag removed", changes.flags_removed)):
        for cluster, indicator, period, severity, message in flags[:MAX_FILES_LISTED]:
            lines.append(f"    {label}: {cluster} {indicator} {period} ({severity}): {message}")
        if len(flags) > MAX_FILES_LISTED:
            lines.append(f"    ... and {len(flags) - MAX_FILES_LISTED} more {label.split()[1]} flags")
    return lines


def steps_line(plan: Plan) -> str:
    """What the run ran: every asset and check, or those whose inputs can have changed."""
    if plan.is_full:
        return f"  ran: every asset and check ({plan.reason})"
    return f"  ran: {plan.reason}; the others' last results stand (--all-steps runs every step)"


def summary(settings: Settings, result: dg.ExecuteInProcessResult | str, plan: Plan | None = None) -> str:
    """The run's summary: its files, the rejected rows, health and cluster counts, what changed."""
    run_id = result if isinstance(result, str) else result.run_id
    with connect_reader(settings.warehouse) as con:
        files = fetch_all(
            con,
            """SELECT file_name, status, rows_accepted, rows_rejected, error FROM meta.ingested_files
               WHERE run_id = $run ORDER BY status <> 'failed', file_name""",
            {"run": run_id},
        )
        has_history = bool(fetch_all(
            con,
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'marts' AND table_name = 'run_history'",
        ))
        changes = run_changes(con, run_id) if has_history else None
    by_status = {s: sum(1 for f in files if f[1] == s) for s in ("ingested", "duplicate", "failed")}
    rejected = sum(int(f[3] or 0) for f in files)
    report = settings.reports / f"impact_report_{settings.as_of.isoformat()}.html"
    lines = [
        f"Impact model run complete (as of {settings.as_of.isoformat()}).",
        f"  files ingested: {by_status['ingested']}, duplicate: {by_status['duplicate']}, "
        f"failed: {by_status['failed']}",
        *_file_lines(files),
        f"  rows rejected: {rejected}",
    ]
    if not isinstance(result, str):
        counts = changes.counts() if changes and changes.verdicts else None
        lines.append(checks_line(result, counts))
        if plan is not None:
            lines.append(steps_line(plan))
    if changes and changes.verdicts:
        lines.append(flagged_line(changes.verdicts))
    lines += change_lines(changes)
    lines.append(f"  warehouse: {settings.warehouse}")
    if report.exists():
        lines.append(f"  report: {report}")
    return "\n".join(lines)
