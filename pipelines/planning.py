"""Which steps a run needs: the assets and checks that can change, and nothing else.

Every asset and check of the project already answers from its last result when nothing it reads
has changed (``meta.build_state``), but each step still costs Dagster's own work: its events in
the instance's storage, the step's start and end (about 0.1-0.2 s a step, 54 steps). The planner
asks the same questions *before* the run and leaves out the steps whose answer is known:

* a **staging** asset runs when its inbox folder holds a file not recorded with this size,
  modification and change time (:func:`assets.ingestion.loader.recorded_unchanged`, the test
  ingestion itself applies), or, alone, when a required dataset's folder is missing (it warns);
* a **model** runs when its inputs' fingerprint differs from the stored one
  (:func:`assets.models.definitions.model_is_current`, the test the model asset applies: SQL,
  ``as_of``, thresholds, the state of what it reads);
* everything **downstream** of those runs too (what it reads will change in the run);
* the **report** and ``marts/run_history`` always run (the run's outputs);
* a **check** runs when an asset it reads runs, or when it would not answer from its stored
  results, or when those did not all pass (:func:`quality.reuse.is_current`): a failed blocking
  check still blocks, and the run's summary still names every failing check. (A cluster status
  check that warns is the clusters' performance; the summary counts it from run_history.)

Conservative by construction: a new warehouse, missing build state or reference data edited since
the last load (``reference/*.csv``, the catalogue) plan every step, and so does a plan that fails
for any reason. ``impact run --all-steps`` (or ``IMPACT_ALL_STEPS=1``, also for the daemon's runs)
runs every step regardless. ``impact run`` plans in its own process; the schedule and the inbox
sensor plan at their tick (:func:`planned_run_request`).

The plan is made before the run takes the warehouse's writer lock. A run published meanwhile by
another process leaves a warehouse whose models are built from their inputs, so at worst a
planned step finds nothing to do; a file delivered meanwhile is taken by the next run. What the
run publishes is the same either way: ``tests/ops/test_planning.py`` compares planned runs with
runs of every step.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dagster as dg
import duckdb

from assets.ingestion.loader import file_stamp, inbox_files, recorded_unchanged
from assets.models.definitions import model_is_current
from assets.models.models import all_models, model_params
from assets.models.run_history import RUN_HISTORY_KEY
from pipelines.core.build_state import memoized, table_state
from pipelines.core.config import Settings
from pipelines.core.contract import DATASETS, INGESTION_ORDER
from pipelines.core.keys import REPORT_KEY, staging_key
from pipelines.core.warehouse import connect_reader, ensure_schema, fetch_all, table_columns
from quality.definitions import CHECK_PLANS, is_cluster_status_check
from quality.reuse import is_current

ALL_STEPS_ENV = "IMPACT_ALL_STEPS"
PLAN_TAG = "impact/ran"  # on every run: what it holds, short enough for the UI's run list
ALWAYS = (REPORT_KEY, RUN_HISTORY_KEY)


@dataclass(frozen=True)
class Plan:
    """The run's selection; ``assets``/``checks`` None = every step (``reason`` says why)."""

    assets: frozenset[dg.AssetKey] | None
    checks: frozenset[dg.AssetCheckKey] | None
    reason: str
    of_assets: int = 0  # how many the job holds
    of_checks: int = 0

    @property
    def is_full(self) -> bool:
        return self.assets is None

    @property
    def tag(self) -> str:
        """The run's ``impact/ran`` tag: ``every step`` or ``2/32 assets, 4/34 checks``."""
        if self.assets is None or self.checks is None:
            return "every step"
        return f"{len(self.assets)}/{self.of_assets} assets, {len(self.checks)}/{self.of_checks} checks"


def every_step(reason: str) -> Plan:
    return Plan(None, None, reason)


def all_steps_wanted() -> bool:
    return os.environ.get(ALL_STEPS_ENV, "").strip().lower() in ("1", "true", "yes")


def plan_run(settings: Settings, job: dg.JobDefinition) -> Plan:
    """The steps of ``job`` that this run needs (see the module's docstring)."""
    if all_steps_wanted():
        return every_step(f"{ALL_STEPS_ENV} is set")
    if not settings.warehouse.exists():
        return every_step("a new warehouse")
    with connect_reader(settings.warehouse) as con, memoized():
        if not table_columns(con, "meta.build_state"):
            return every_step("the warehouse has no build state yet")
        if _reference_changed(con):
            return every_step("the reference data changed since the warehouse last loaded it")
        new_files, missing_folders = _changed_staging(con, settings)
        roots = new_files + _changed_models(con, settings)
        graph = job.asset_layer.asset_graph
        job_assets = set(graph.get_all_asset_keys())
        selected = set(dg.AssetSelection.assets(*roots).downstream().resolve(graph)) if roots else set()
        selected |= {k for k in (*ALWAYS, *missing_folders) if k in job_assets}
        selected &= job_assets
        job_checks = set(graph.asset_check_keys)
        checks = {
            plan.check
            for plan in CHECK_PLANS
            if plan.check in job_checks
            and (
                any(r in selected for r in plan.reads)
                or not is_current(
                    con, settings, plan.stored_as, plan.inputs,
                    failed_too=is_cluster_status_check(plan.check.name),
                )
            )
        }
        checks |= job_checks - {plan.check for plan in CHECK_PLANS}  # unknown to the planner: run
    if selected >= job_assets and checks >= job_checks:
        return every_step("every asset can change")
    return Plan(frozenset(selected), frozenset(checks), (
        f"{len(selected)} of {len(job_assets)} assets and {len(checks)} of {len(job_checks)} checks "
        "whose inputs can have changed"
    ), len(job_assets), len(job_checks))


def plan_or_every_step(settings: Settings, job: dg.JobDefinition) -> Plan:
    """:func:`plan_run`, or every step if planning fails for any reason (a plan is an
    optimisation; a warehouse a writer holds, say, is simply run whole)."""
    try:
        return plan_run(settings, job)
    except Exception as exc:  # noqa: BLE001
        return every_step(f"could not plan: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


def planned_run_request(
    context: dg.SensorEvaluationContext | dg.ScheduleEvaluationContext,
    settings: Settings,
    job_name: str,
    **request: object,
) -> dg.RunRequest:
    """A run request of ``job_name`` for the daemon (the schedule, the inbox sensor), cut to the
    steps the run needs. Its ``as_of`` is pinned in the run's config: the run may start later
    (after midnight, behind another run in the queue) and must compute the date it was planned for.
    """
    config = {"resources": {"warehouse": {"config": {"as_of": settings.as_of.isoformat()}}}}
    repository = context.repository_def  # None for a context built without one (tests)
    plan = (
        plan_or_every_step(settings, repository.get_job(job_name))
        if repository is not None
        else every_step("could not plan: no repository to plan against")
    )
    tags = {**dict(request.pop("tags", None) or {}), PLAN_TAG: plan.tag}
    if plan.is_full:
        return dg.RunRequest(run_config=config, tags=tags, **request)
    return dg.RunRequest(
        run_config=config, tags=tags, asset_selection=sorted(plan.assets, key=str),
        asset_check_keys=sorted(plan.checks, key=str), **request,
    )


def _reference_changed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the reference data as shipped now differs from what the warehouse holds: loaded
    into an in-memory database by the same code every writer runs, compared by content."""
    fresh = duckdb.connect(":memory:")
    try:
        ensure_schema(fresh)
        tables = [
            f"reference.{r[0]}"
            for r in fetch_all(
                fresh, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'reference' ORDER BY 1"
            )
        ]
        return any(table_state(fresh, t) != table_state(con, t) for t in tables)
    finally:
        fresh.close()


def _changed_staging(con: duckdb.DuckDBPyConnection, settings: Settings) -> tuple[list[dg.AssetKey], list[dg.AssetKey]]:
    """(staging assets with a file the warehouse has not recorded as it is now, required
    datasets without a folder): the latter run only to warn, nothing downstream of them changes."""
    changed, missing = [], []
    for dataset in INGESTION_ORDER:
        folder = settings.inbox / dataset
        if not folder.is_dir():
            if not DATASETS[dataset].optional:
                missing.append(staging_key(dataset))
            continue
        try:
            new = any(
                not recorded_unchanged(con, path.relative_to(settings.inbox).as_posix(), file_stamp(path))
                for path in inbox_files(settings.inbox, dataset)
            )
        except OSError:  # the ingestion itself says what is wrong
            new = True
        if new:
            changed.append(staging_key(dataset))
    return changed, missing


def _changed_models(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[dg.AssetKey]:
    """Models whose inputs (as the warehouse holds them now) are not the ones they were built from."""
    params = model_params(settings.as_of, settings.thresholds)
    return [m.key for m in all_models() if not model_is_current(con, m, params)[0]]
