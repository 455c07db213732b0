"""Dagster asset checks for data quality; ``defs`` is merged into the project's Definitions.

Checks (all read the warehouse through the ``warehouse`` resource, a ``WarehouseResource``):

* ``staging/<dataset>``:``contract_suite`` - BLOCKING, ERROR. The GX suite of the input contract:
  columns and types, required columns not null, ranges, codes, CVR and NACE formats, unique
  natural key, date order, referential integrity.
* ``staging/<dataset>``:``statistics_suite`` - WARN. Plausibility and "kept but flagged" cases.
* ``staging/<dataset>``:``ingestion_health`` - failed files (ERROR) or rejected-row share above
  ``Thresholds.max_rejected_share`` (WARN); one multi-asset check over all datasets.
* ``marts/indicators``:``indicators_integrity`` and ``board_reconciliation`` - ERROR, not blocking.
* ``marts/indicators``:``reach_trajectory``, ``private_cofinancing``, ``economic_sustainability``,
  ``firm_effects`` - business checks: WARN when a cluster is behind, ERROR when critical.
* ``marts/flags``:``flags_integrity`` - ERROR, not blocking.

Only staging checks block: the marts are the end of the chain and a flagged cluster must not stop
the report (the run still exits 0, see the output contract).
"""

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg

from pipelines.core.build_state import (
    fingerprint,
    result_from_json,
    result_to_json,
    store,
    stored,
    table_state,
    upstream_fingerprints,
)
from pipelines.core.contract import INGESTION_ORDER, UPSTREAM
from pipelines.core.resources import WarehouseResource
from quality.ingestion import ingestion_health
from quality.marts import (
    FAMILIES,
    FAMILY_TITLES,
    board_reconciliation,
    business_status,
    flags_integrity,
    indicators_integrity,
)
from quality.results import SuiteReport, check_result
from quality.staging import validate_staging_table

INDICATORS_KEY = dg.AssetKey(["marts", "indicators"])
FLAGS_KEY = dg.AssetKey(["marts", "flags"])
ERROR = dg.AssetCheckSeverity.ERROR
WARN = dg.AssetCheckSeverity.WARN

# Tables a staging suite reads besides its own (referential integrity, helper columns).
_READS: dict[str, tuple[str, ...]] = {
    **UPSTREAM,
    "participation": (*UPSTREAM.get("participation", ()), "firms"),
    "innovation_outcomes": tuple(
        dict.fromkeys((*UPSTREAM.get("innovation_outcomes", ()), "grants"))
    ),
}


# The checks' own code is part of every fingerprint: a changed rule re-validates.
_CODE_VERSION = fingerprint(*(p.read_text() for p in sorted(Path(__file__).parent.glob("*.py"))))


def _reused_or_evaluated(
    warehouse: WarehouseResource,
    name: str,
    inputs: Callable[..., list],
    evaluate: Callable[[], list[dg.AssetCheckResult]],
) -> list[dg.AssetCheckResult]:
    """The last results of check ``name`` when nothing it reads has changed, else new ones.

    A nightly re-run with no new files then costs no GX validation (nor GX's import).
    """
    key = f"check:{name}"
    with warehouse.reader() as con:
        fp = fingerprint(_CODE_VERSION, warehouse.settings().thresholds, inputs(con))
        previous = stored(con, key)
    if previous and previous[0] == fp and previous[1]:
        return [result_from_json(text, previous[2]) for text in json.loads(previous[1])]
    results = evaluate()
    with warehouse.writer() as con:
        store(con, key, fp, json.dumps([result_to_json(r) for r in results]))
    return results


def _marts_inputs(as_of: object) -> Callable[..., list]:
    def inputs(con: object) -> list:
        return [
            str(as_of),
            upstream_fingerprints(con, ["model:indicators", "model:flags"]),
            table_state(con, "staging.grants"),
        ]

    return inputs


def staging_key(dataset: str) -> dg.AssetKey:
    """The asset key of ``staging.<dataset>``."""
    return dg.AssetKey(["staging", dataset])


def _staging_check(dataset: str, structural: bool) -> dg.AssetChecksDefinition:
    name = "contract_suite" if structural else "statistics_suite"
    deps_names = _READS.get(dataset, ())
    deps = [staging_key(d) for d in deps_names]
    what = (
        "GX suite of the input contract: column types, required columns, ranges, codes, CVR/NACE "
        "formats, unique key, date order, referential integrity. Blocks downstream assets."
        if structural
        else "GX suite of statistical expectations (plausibility, flagged-but-kept cases). Warns only."
    )

    @dg.asset_check(
        asset=staging_key(dataset),
        name=name,
        blocking=structural,
        description=f"staging.{dataset}: {what}",
        additional_deps=deps or None,
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        settings = warehouse.settings()

        def evaluate() -> dg.AssetCheckResult:
            with warehouse.reader() as con:
                report = validate_staging_table(con, dataset, structural, settings.thresholds)
            context.log.info(f"{report.summary()} [{report.mode}, {report.seconds:.2f}s]")
            return check_result(report, ERROR if structural else WARN)

        return _reused_or_evaluated(
            warehouse,
            f"staging.{dataset}.{name}",
            lambda con: [table_state(con, f"staging.{d}") for d in (dataset, *deps_names)],
            lambda: [evaluate()],
        )[0]

    return _check


def _simple_marts_check(
    asset: dg.AssetKey,
    name: str,
    description: str,
    run: Callable[..., SuiteReport],
    deps: list[dg.AssetKey] | None = None,
) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=asset, name=name, description=description, additional_deps=deps)
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        as_of = warehouse.settings().as_of

        def evaluate() -> dg.AssetCheckResult:
            with warehouse.reader() as con:
                report = run(con, as_of)
            report.extra_metadata["as_of"] = dg.MetadataValue.text(as_of.isoformat())
            context.log.info(report.summary())
            return check_result(report, ERROR)

        return _reused_or_evaluated(
            warehouse, f"{asset.to_user_string()}.{name}", _marts_inputs(as_of), lambda: [evaluate()]
        )[0]

    return _check


def _business_check(family: str) -> dg.AssetChecksDefinition:
    indicators = ", ".join(FAMILIES[family])

    @dg.asset_check(
        asset=INDICATORS_KEY,
        name=family,
        description=(
            f"Business check: {FAMILY_TITLES[family]} ({indicators}) for the run's as_of. "
            "WARN when a cluster is behind, ERROR when one is critical."
        ),
    )
    def _check(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        as_of = warehouse.settings().as_of

        def evaluate() -> dg.AssetCheckResult:
            with warehouse.reader() as con:
                outcome = business_status(con, as_of, family)
            report = outcome.report
            worst = outcome.worst
            if worst == "ok":
                description = f"{FAMILY_TITLES[family]}: no cluster behind or critical as of {as_of}."
            else:
                parts = []
                if outcome.clusters_critical:
                    parts.append("critical: " + ", ".join(outcome.clusters_critical))
                if outcome.clusters_behind:
                    parts.append("behind: " + ", ".join(outcome.clusters_behind))
                if outcome.national_status:
                    parts.append(
                        "national: " + ", ".join(f"{k} {v}" for k, v in outcome.national_status.items())
                    )
                description = (
                    f"{FAMILY_TITLES[family]} as of {as_of} - {'; '.join(parts)}. "
                    + " | ".join(outcome.lines)
                )
            result = check_result(report, ERROR if worst == "critical" else WARN)
            metadata = dict(result.metadata)
            metadata.update(
                {
                    "as_of": dg.MetadataValue.text(as_of.isoformat()),
                    "clusters_critical": dg.MetadataValue.json(outcome.clusters_critical),
                    "clusters_behind": dg.MetadataValue.json(outcome.clusters_behind),
                    "national_status": dg.MetadataValue.json(outcome.national_status),
                    "flagged_rows": dg.MetadataValue.md(
                        str(report.extra_metadata.get("flagged_rows", "none"))
                    ),
                    "figures": dg.MetadataValue.text("\n".join(outcome.lines) or "none"),
                }
            )
            context.log.info(description)
            return dg.AssetCheckResult(
                passed=worst == "ok",
                severity=ERROR if worst == "critical" else WARN,
                description=description,
                metadata=metadata,
            )

        return _reused_or_evaluated(
            warehouse, f"marts/indicators.{family}", _marts_inputs(as_of), lambda: [evaluate()]
        )[0]

    return _check


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
    limit = warehouse.settings().thresholds.max_rejected_share
    selected = {key.asset_key for key in context.selected_asset_check_keys}
    datasets = [d for d in INGESTION_ORDER if staging_key(d) in selected]

    def evaluate() -> list[dg.AssetCheckResult]:
        with warehouse.reader() as con:
            _, reports = ingestion_health(con, limit, datasets)
        results = []
        for dataset in datasets:
            report = reports[dataset]
            file_failed = any(o.label == "no failed file" and not o.success for o in report.outcomes)
            report.extra_metadata = {
                k: (dg.MetadataValue.md(v) if k == "failed_files" else v)
                for k, v in report.extra_metadata.items()
            }
            results.append(
                check_result(
                    report,
                    ERROR if file_failed else WARN,
                    asset_key=staging_key(dataset),
                    check_name="ingestion_health",
                )
            )
        return results

    yield from _reused_or_evaluated(
        warehouse,
        "ingestion_health:" + ",".join(datasets),
        lambda con: [table_state(con, "meta.ingested_files")],
        evaluate,
    )


STAGING_CHECKS: list[dg.AssetChecksDefinition] = [
    _staging_check(d, structural) for d in INGESTION_ORDER for structural in (True, False)
]
MARTS_CHECKS: list[dg.AssetChecksDefinition] = [
    _simple_marts_check(
        INDICATORS_KEY,
        "indicators_integrity",
        "GX suite of marts.indicators for the as_of: known codes, one row per cluster/indicator/period, "
        "shares in 0..1, every granted cluster present, national ALL = sum of clusters for "
        "smes_collective and smes_concepts.",
        indicators_integrity,
    ),
    _simple_marts_check(
        INDICATORS_KEY,
        "board_reconciliation",
        "Targets and awards reconcile with the board decision: cluster-grant target_smes sum to "
        "5,562 and innovation-grant target_smes to 683 (staging.grants and the national targets), "
        "each granted cluster's awarded_dkk add up to its recommended amount within DKK 0.05m.",
        board_reconciliation,
        deps=[staging_key("grants")],
    ),
    _simple_marts_check(
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
