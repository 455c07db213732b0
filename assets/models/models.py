"""The indicator models: which SQL file builds which tables, and how to run them.

Each model is one file in ``sql/marts/``; its statements are set-based DuckDB SQL with ``$as_of``
and the :class:`~pipelines.core.config.Thresholds` bound as named parameters (never pasted into the
text). The Dagster assets in :mod:`assets.models.definitions` run one model each; tests and ad-hoc
scripts can run the whole chain with :func:`run_all`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from pipelines.core.config import Thresholds
from pipelines.core.faults import fault_point
from pipelines.core.warehouse import execute_script, sql_text


@dataclass(frozen=True)
class Model:
    """One SQL model: the asset name, its SQL file and the tables it (re)builds."""

    name: str
    sql: str  # name under sql/, for sql_text()
    tables: tuple[str, ...]
    upstream: tuple[str, ...]  # other models (asset names) it reads
    staging: tuple[str, ...]  # staging datasets it reads
    description: str
    transactional: bool = False  # run the whole file in one transaction


INTERMEDIATE_MODELS: tuple[Model, ...] = (
    Model(
        "grant_windows",
        "marts/grant_windows",
        ("intermediate.grant_windows", "intermediate.activities"),
        (),
        ("grants", "activities"),
        "Every grant with its window (period_start .. min(period_end, as_of)), elapsed fraction and "
        "targets, and every activity started on or before as_of with the grant and cluster funding it.",
    ),
    Model(
        "firm_sme_status",
        "marts/firm_sme_status",
        ("intermediate.firm_year_status",),
        (),
        ("participation", "innovation_outcomes", "firms"),
        "EU SME test per firm and event year (participations and developed concepts up to as_of): "
        "register row of the year, else the latest earlier, else the earliest later year; "
        "no register row at all = `unverified`.",
    ),
    Model(
        "qualifying_events",
        "marts/qualifying_events",
        ("intermediate.qualifying_participations", "intermediate.qualifying_concepts"),
        ("grant_windows", "firm_sme_status"),
        ("participation", "innovation_outcomes"),
        "Participations and developed concepts inside the window of the grant that funds the "
        "activity, with the firm's SME status in the event year.",
    ),
    Model(
        "turnover_cohorts",
        "marts/turnover_cohorts",
        (
            "intermediate.turnover_cohort",
            "intermediate.turnover_cohort_clusters",
            "intermediate.turnover_controls",
            "intermediate.turnover_did",
        ),
        ("qualifying_events", "firm_sme_status"),
        ("participation", "firms"),
        "Turnover cohorts (first innovation participation), their two-year growth, the control "
        "pool per cohort year and cell, and each cohort firm's difference-in-differences term.",
    ),
    Model(
        "network",
        "marts/network",
        (
            "intermediate.network_relations",
            "intermediate.network_edges",
            "intermediate.network_nodes",
            "intermediate.network_metrics",
        ),
        (),
        ("survey_network",),
        "Collaboration network per cluster and survey year: nodes, undirected ties (self-relations "
        "dropped), density, new ties against the previous survey year, SME ties to knowledge "
        "institutions.",
    ),
    Model(
        "demand_offering",
        "marts/demand_offering",
        ("intermediate.demand_offering",),
        ("grant_windows",),
        ("survey_demand", "activities"),
        "Members' demand by theme against the cluster's activities starting in the survey year: "
        "1 - 1/2 * sum |d_k - o_k|.",
    ),
)

INDICATORS_MODEL = Model(
    "indicators",
    "marts/indicators",
    ("marts.indicators",),
    tuple(m.name for m in INTERMEDIATE_MODELS),
    ("accounts", "activities", "grants"),
    "Every indicator of the output contract's catalogue for the run's as_of: value, target, "
    "expected (targets prorated by elapsed fraction), n_firms and status. The rows of this as_of "
    "are replaced in one transaction; earlier as_of runs are kept as history.",
    transactional=True,
)

FLAGS_MODEL = Model(
    "flags",
    "marts/flags",
    ("marts.flags",),
    ("indicators", "turnover_cohorts", "grant_windows"),
    ("participation", "firms", "accounts", "activities"),
    "One WARN row per indicator row that is behind and one ERROR row per critical row, with a "
    "readable message, plus data-quality WARN rows (codes `dq_*`): unverified participants, cohort "
    "firms without controls, revenue totals that differ from the funding lines by more than 1 %, "
    "unknown theme codes and clusters without a grant of a type.",
    transactional=True,
)

ALL_MODELS: tuple[Model, ...] = (*INTERMEDIATE_MODELS, INDICATORS_MODEL, FLAGS_MODEL)


def model_params(as_of: dt.date, thresholds: Thresholds | None = None) -> dict[str, Any]:
    """The named parameters every model may use: ``$as_of`` and the thresholds."""
    return {"as_of": as_of, **(thresholds or Thresholds()).as_params()}


def run_model(con: duckdb.DuckDBPyConnection, model: Model, params: Mapping[str, Any]) -> None:
    """Run one model's SQL file; transactional models commit all or nothing."""
    script = sql_text(model.sql)
    if not model.transactional:
        execute_script(con, script, params)
        fault_point(f"model:{model.sql}")
        return
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        execute_script(con, script, params)
        fault_point(f"model:{model.sql}")
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    con.execute("COMMIT").fetchall()


def run_all(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, thresholds: Thresholds | None = None
) -> None:
    """Build every intermediate model, then marts.indicators and marts.flags, for ``as_of``."""
    params = model_params(as_of, thresholds)
    for model in ALL_MODELS:
        run_model(con, model, params)
