"""Dagster asset checks for data quality; ``defs`` is merged into the project's Definitions.

Checks (all read the warehouse through the ``warehouse`` resource, a ``WarehouseResource``, and
all answer from their last result when nothing they read changed: :mod:`quality.reuse`):

* ``staging/<dataset>``:``contract_suite`` - BLOCKING, ERROR. The GX suite of the input contract:
  columns and types, required columns not null, ranges, codes, CVR and NACE formats, unique
  natural key, date order, referential integrity.
* ``staging/<dataset>``:``statistics_suite`` - WARN. Plausibility and "kept but flagged" cases.
* ``staging/<dataset>``:``ingestion_health`` - failed files (ERROR) or rejected-row share above
  ``Thresholds.max_rejected_share`` (WARN); one multi-asset check over all datasets.
* ``marts/indicators``:``indicators_integrity`` and ``board_reconciliation`` - ERROR, not blocking.
* ``marts/indicators``: one **cluster status** check per catalogue family whose indicators carry
  a status rule (``cluster_status_reach_trajectory``, ``cluster_status_private_cofinancing``, ...)
  - always WARN: it reports the clusters' performance (which clusters are behind or critical,
  in its metadata and description), never that the pipeline is broken.

Every other check is a **pipeline health** check: its failure means something is broken (a
contract suite, a failed file, the integrity of the marts). :func:`is_cluster_status_check` tells
them apart (``impact run`` prints them apart).
* ``marts/flags``:``flags_integrity`` - ERROR, not blocking.

Only staging checks block: the marts are the end of the chain and a flagged cluster must not stop
the report (the run still exits 0, see the output contract).
"""


from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.build_state import model_state_name, table_state, upstream_fingerprints
from pipelines.core.config import Settings
from pipelines.core.contract import INGESTION_ORDER, UPSTREAM
from pipelines.core.keys import model_key, staging_key
from pipelines.core.resources import WarehouseResource
from quality.ingestion import health_state, ingestion_health
from quality.marts import (
    FAMILIES,
    FAMILY_TITLES,
    BusinessOutcome,
    board_reconciliation,
    business_status,
    flags_integrity,
    indicators_integrity,
)
from quality.results import SuiteReport, check_result
from quality.reuse import Inputs, reused_or_evaluated
from quality.staging import validate_staging_table

INDICATORS_KEY = model_key("marts", "indicators")
FLAGS_KEY = model_key("marts", "flags")
ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN
CLUSTER_STATUS_PREFIX = "cluster_status_"


def is_cluster_status_check(check_name: str) -> bool:
    """A check on the clusters' performance (not on the pipeline's health)."""
    return check_name.startswith(CLUSTER_STATUS_PREFIX)

# Tables a staging suite reads besides its own (referential integrity, helper columns).
_READS: dict[str, tuple[str, ...]] = {
    **UPSTREAM,
    "participation": (*UPSTREAM.get("participation", ()), "firms"),
    "innovation_outcomes": tuple(
        dict.fromkeys((*UPSTREAM.get("innovation_outcomes", ()), "grants"))
    ),
    "applications": ("grants",),  # awarded within applied (statistics suite)
}


# What _marts_inputs reads, as assets.
MARTS_CHECK_READS = (INDICATORS_KEY, FLAGS_KEY, staging_key("grants"))


def _marts_inputs(con: duckdb.DuckDBPyConnection, settings: Settings) -> list[Any]:
    """What a marts check reads: the run's as_of, the two marts models, the grants."""
    return [
        str(settings.as_of),
        upstream_fingerprints(
            con, [model_state_name("marts/indicators"), model_state_name("marts/flags")]
        ),
        table_state(con, "staging.grants"),
    ]


@dataclass(frozen=True)
class CheckPlan:
    """What the run planner (``pipelines/planning.py``) needs to know of one check: the name its
    results are stored under, what its fingerprint reads (:func:`quality.reuse.is_current`), and
    the assets whose rebuild in a run makes it run too."""

    check: dg.AssetCheckKey
    stored_as: str
    inputs: Inputs
    reads: tuple[dg.AssetKey, ...]


CHECK_PLANS: list[CheckPlan] = []


def suite_check(
    *,
    asset: dg.AssetKey,
    name: str,
    description: str,
    inputs: Callable[[duckdb.DuckDBPyConnection, Settings], list[Any]],
    evaluate: Callable[[duckdb.DuckDBPyConnection, Settings, Any], dg.AssetCheckResult],
    blocking: bool = False,
    additional_deps: list[dg.AssetKey] | None = None,
    reads: tuple[dg.AssetKey, ...] = (),
) -> dg.AssetChecksDefinition:
    """A check on ``asset`` that runs ``evaluate`` (or reuses its last result, see
    :func:`quality.reuse.reused_or_evaluated`); every check of this module is built here.
    ``reads``: assets its inputs read besides ``asset`` and ``additional_deps``."""
    stored_as = f"{asset.to_user_string()}.{name}"
    CHECK_PLANS.append(
        CheckPlan(
            dg.AssetCheckKey(asset, name), stored_as, inputs,
            tuple(dict.fromkeys((asset, *(additional_deps or ()), *reads))),
        )
    )

    @dg.asset_check(
        asset=asset,
        name=name,
        blocking=blocking,
        description=description,
        additional_deps=additional_deps or None,
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        return reused_or_evaluated(
            warehouse,
            stored_as,
            inputs,
            lambda con, settings: [evaluate(con, settings, context.log)],
        )[0]

    return _check


def _staging_check(dataset: str, structural: bool) -> dg.AssetChecksDefinition:
    reads = (dataset, *_READS.get(dataset, ()))
    what = (
        "GX suite of the input contract: column types, required columns, ranges, codes, CVR/NACE "
        "formats, unique key, date order, referential integrity. Blocks downstream assets."
        if structural
        else "GX suite of statistical expectations (plausibility, flagged-but-kept cases). Warns only."
    )

    def evaluate(con: duckdb.DuckDBPyConnection, settings: Settings, log: Any) -> dg.AssetCheckResult:
        report = validate_staging_table(con, dataset, structural, settings.thresholds)
        log.info(f"{report.summary()} [{report.mode}, {report.seconds:.2f}s]")
        return check_result(report, ERROR if structural else WARN)

    return suite_check(
        asset=staging_key(dataset),
        name="contract_suite" if structural else "statistics_suite",
        description=f"staging.{dataset}: {what}",
        inputs=lambda con, _: [table_state(con, f"staging.{d}") for d in reads],
        evaluate=evaluate,
        blocking=structural,
        additional_deps=[staging_key(d) for d in reads[1:]],
    )


def _marts_check(
    asset: dg.AssetKey,
    name: str,
    description: str,
    run: Callable[..., SuiteReport],
    deps: list[dg.AssetKey] | None = None,
) -> dg.AssetChecksDefinition:
    def evaluate(con: duckdb.DuckDBPyConnection, settings: Settings, log: Any) -> dg.AssetCheckResult:
        report = run(con, settings.as_of)
        report.extra_metadata["as_of"] = dg.MetadataValue.text(settings.as_of.isoformat())
        log.info(report.summary())
        return check_result(report, ERROR)

    return suite_check(
        asset=asset, name=name, description=description, inputs=_marts_inputs,
        evaluate=evaluate, additional_deps=deps, reads=MARTS_CHECK_READS,
    )


def _business_description(outcome: BusinessOutcome, as_of: Any) -> str:
    title = FAMILY_TITLES[outcome.family]
    if outcome.worst == "ok":
        return f"Cluster status - {title}: no cluster behind or critical as of {as_of}."
    parts = []
    if outcome.clusters_critical:
        parts.append("critical: " + ", ".join(outcome.clusters_critical))
    if outcome.clusters_behind:
        parts.append("behind: " + ", ".join(outcome.clusters_behind))
    if outcome.national_status:
        parts.append("national: " + ", ".join(f"{k} {v}" for k, v in outcome.national_status.items()))
    return f"Cluster status - {title} as of {as_of} - {'; '.join(parts)}. " + " | ".join(outcome.lines)


def _business_check(family: str) -> dg.AssetChecksDefinition:
    def evaluate(con: duckdb.DuckDBPyConnection, settings: Settings, log: Any) -> dg.AssetCheckResult:
        as_of = settings.as_of
        outcome = business_status(con, as_of, family)
        severity = WARN  # the clusters' performance, not the pipeline's health
        metadata = dict(check_result(outcome.report, severity).metadata)
        metadata.update(
            {
                "as_of": dg.MetadataValue.text(as_of.isoformat()),
                "worst": dg.MetadataValue.text(outcome.worst),
                "clusters_critical": dg.MetadataValue.json(outcome.clusters_critical),
                "clusters_behind": dg.MetadataValue.json(outcome.clusters_behind),
                "national_status": dg.MetadataValue.json(outcome.national_status),
                "flagged_rows": outcome.report.extra_metadata["flagged_rows"],
                "figures": dg.MetadataValue.text("\n".join(outcome.lines) or "none"),
            }
        )
        description = _business_description(outcome, as_of)
        log.info(description)
        return dg.AssetCheckResult(
            passed=outcome.worst == "ok", severity=severity, description=description,
            metadata=metadata,
        )

    return suite_check(
        asset=INDICATORS_KEY,
        name=f"{CLUSTER_STATUS_PREFIX}{family}",
        description=(
            f"Cluster status (performance, not pipeline health): {FAMILY_TITLES[family]} "
            f"({', '.join(FAMILIES[family])}) for the run's as_of. Warns when a cluster is behind "
            "or critical (which ones: the description and metadata); never means the install "
            "is broken."
        ),
        inputs=_marts_inputs,
        evaluate=evaluate,
        reads=MARTS_CHECK_READS,
    )


@dg.multi_asset_check(
    name="ingestion_health",
    specs=[
        dg.AssetCheckSpec(
            "ingestion_health",
            asset=staging_key(d),
            description=(
                f"staging.{d}: no failed file (ERROR) and a rejected-row share within "
                "Thresholds.max_rejected_share (IMPACT_MAX_REJECTED_SHARE; WARN)."
            ),
        )
        for d in INGESTION_ORDER
    ],
    can_subset=True,
)
def ingestion_health_check(
    context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
) -> Iterator[dg.AssetCheckResult]:
    """Failed files and rejected-row shares per dataset, from ``meta.ingested_files``."""
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    datasets = [d for d in INGESTION_ORDER if staging_key(d) in selected]

    for dataset in datasets:
        yield from reused_or_evaluated(
            warehouse,
            _health_stored_as(dataset),
            _health_inputs(dataset),
            lambda con, settings, dataset=dataset: [_health_result(con, settings, dataset)],
        )


def _health_stored_as(dataset: str) -> str:
    return f"ingestion_health:{dataset}"


def _health_inputs(dataset: str) -> Inputs:
    return lambda con, _: [health_state(con, dataset)]


def _health_result(con: duckdb.DuckDBPyConnection, settings: Settings, dataset: str) -> dg.AssetCheckResult:
    report = ingestion_health(con, settings.thresholds.max_rejected_share, [dataset])[dataset]
    file_failed = any(o.label == "no failed file" and not o.success for o in report.outcomes)
    return check_result(
        report, ERROR if file_failed else WARN, asset_key=staging_key(dataset), check_name="ingestion_health"
    )


CHECK_PLANS += [
    CheckPlan(
        dg.AssetCheckKey(staging_key(d), "ingestion_health"), _health_stored_as(d), _health_inputs(d),
        (staging_key(d),),
    )
    for d in INGESTION_ORDER
]


STAGING_CHECKS: list[dg.AssetChecksDefinition] = [
    _staging_check(d, structural) for d in INGESTION_ORDER for structural in (True, False)
]
MARTS_CHECKS: list[dg.AssetChecksDefinition] = [
    _marts_check(
        INDICATORS_KEY,
        "indicators_integrity",
        "GX suite of marts.indicators for the as_of: codes of the indicator catalogue, one row per "
        "cluster/indicator/period, shares in 0..1, counts and payout at risk not negative, payout "
        "at risk not above the awarded amount, every granted cluster present, national ALL = sum "
        "of clusters for the catalogue's summed indicators (the SME counts, the private cash gap, "
        "payout at risk).",
        indicators_integrity,
    ),
    _marts_check(
        INDICATORS_KEY,
        "board_reconciliation",
        "Targets and awards reconcile with the board decision: cluster-grant target_smes sum to "
        "5,562 and innovation-grant target_smes to 683 (staging.grants and the national targets), "
        "each granted cluster's awarded_dkk add up to its recommended amount within DKK 0.05m.",
        board_reconciliation,
        deps=[staging_key("grants")],
    ),
    _marts_check(
        FLAGS_KEY,
        "flags_integrity",
        "GX suite of marts.flags for the as_of: well-formed rows, severity WARN/ERROR, and a flag "
        "for every behind (WARN) or critical (ERROR) indicator row.",
        flags_integrity,
        deps=[INDICATORS_KEY],
    ),
    *(_business_check(f) for f in FAMILIES),
]
ALL_CHECKS: list[dg.AssetChecksDefinition] = [
    *STAGING_CHECKS,
    ingestion_health_check,
    *MARTS_CHECKS,
]

defs = dg.Definitions(asset_checks=ALL_CHECKS)
