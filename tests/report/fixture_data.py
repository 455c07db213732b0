"""A small, realistic warehouse for the report tests, built by inserting rows directly.

The rows follow the output contract's shapes (``marts.indicators``, ``marts.flags``,
``marts.top_activities``, ``staging.accounts``, ``staging.grants``, ``meta.ingested_files``,
``quality.rejected_rows``); the other marts the report reads are then built from them by their
own models (:data:`REPORT_SIDE_MODELS`). Besides the report's ``AS_OF`` there is an earlier
reporting date (``OLD_AS_OF``, the trend); :func:`add_later_run` adds a later one (``LATER_AS_OF``,
never shown in the report of ``AS_OF``). Distinctive values are exposed as constants so that tests can look for them
in the HTML.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import duckdb

from assets.models.models import model_named, model_params, run_model
from pipelines.core.warehouse import connect_writer

# The marts the report reads beside marts.indicators and marts.flags (which the fixture writes).
REPORT_SIDE_MODELS = ("marts/programme", "marts/cluster_accounts", "marts/data_quality")

AS_OF = dt.date(2026, 11, 30)
OLD_AS_OF = dt.date(2026, 6, 30)
LATER_AS_OF = dt.date(2027, 6, 30)

# National figures (ALL).
ALL_COLLECTIVE = 2480.0       # → "2.480"
ALL_COLLECTIVE_EXP = 2762.0   # → "2.762"
ALL_CONCEPTS = 188.0
ALL_CONCEPTS_EXP = 339.0
TURNOVER_EFFECT = 0.0712      # → "+7,1 %", n_firms 212
# A figure resting on 3 firms: must never appear.
SUPPRESSED_CLUSTER = "censec"
SUPPRESSED_VALUE = 0.8765432  # turnover_effect_2y of censec, n_firms 3 (would print "+87,7 %")
SUPPRESSED_CI = (0.8123, 0.9432)  # its interval: must never appear either ("81,2", "94,3")
# The national collective count on the earlier reporting date: the report says "+412 siden 30. juni 2026".
OLD_ALL_COLLECTIVE = ALL_COLLECTIVE - 412
# A value in a row of a later as_of: must never appear in the report of AS_OF.
LATER_VALUE = 9876.0
# A summed count resting on 3 firms (primary suppression) and the cluster whose figure is then
# suppressed too (secondary: the next smallest shown figure of smes_concepts).
SUPPRESSED_CONCEPTS_CLUSTER = "odense-robotics"
# Activity titles: one hostile, one whose SME count is below the threshold.
ACTIVITY_XSS = '<img src=x onerror="alert(1)"><b>Workshop</b> & "AI"'
SMALL_ACTIVITY_TITLE = "Erfa-gruppe om kvantecomputere"

FLAG_XSS = "<script>alert(1)</script>"


def cluster_ids(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT cluster_id FROM reference.clusters ORDER BY 1").fetchall()]


def add_indicator(
    con: duckdb.DuckDBPyConnection,
    cluster: str,
    indicator: str,
    period: str,
    value: float | None,
    target: float | None = None,
    expected: float | None = None,
    n: int | None = None,
    status: str = "no_target",
    as_of: dt.date = AS_OF,
    ci_low: float | None = None,
    ci_high: float | None = None,
) -> None:
    con.execute(
        "INSERT INTO marts.indicators (cluster_id, indicator, period, value, target, expected, n_firms,"
        " status, as_of, ci_low, ci_high) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [cluster, indicator, period, value, target, expected, n, status, as_of, ci_low, ci_high],
    ).fetchall()


def add_flag(
    con: duckdb.DuckDBPyConnection, cluster: str, indicator: str, period: str, severity: str,
    message: str = "", as_of: dt.date = AS_OF,
) -> None:
    con.execute(
        "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES (?, ?, ?, ?, ?, ?)",
        [cluster, indicator, period, severity, message or f"{cluster} {indicator} {period}", as_of],
    ).fetchall()


def add_grant(
    con: duckdb.DuckDBPyConnection, cluster: str, grant_type: str, start: dt.date, end: dt.date,
    target_smes: int, awarded_dkk: float = 30e6, committed_share: float = 0.35,
) -> None:
    con.execute(
        "INSERT INTO staging.grants (grant_id, cluster_id, grant_type, awarded_dkk, period_start,"
        " period_end, target_smes, committed_private_share, _file_sha256, _file_name,"
        " _row_number, _loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x', 'grants.csv', 1, ?)",
        [f"{cluster}-{grant_type}-{start}", cluster, grant_type, awarded_dkk, start, end, target_smes,
         committed_share, dt.datetime(2026, 1, 1)],
    ).fetchall()


def _trajectory_status(value: float, expected: float) -> str:
    if expected == 0 or value / expected >= 0.9:
        return "on_track"
    return "behind" if value / expected >= 0.6 else "critical"


def populate(con: duckdb.DuckDBPyConnection, seed: int = 7) -> None:
    """Insert a full as_of's worth of report inputs for all granted clusters."""
    _ind = add_indicator
    rng = random.Random(seed)
    clusters = cluster_ids(con)
    now = dt.datetime(2026, 11, 30, 6, 0)
    targets = {c: 300 + 40 * i for i, c in enumerate(clusters)}
    concept_targets = {c: 40 + 5 * i for i, c in enumerate(clusters)}
    progress = [0.95, 0.55, 0.8, 1.05, 0.7, 0.92, 0.45, 0.99, 0.85, 0.62, 1.1]

    for i, c in enumerate(clusters):
        # Grants: cluster grant 2025-01-01..2028-12-31, innovation grant 2025-07-01..2028-06-30.
        for gid, gtype, start, end, target in (
            (f"{c}-K", "cluster", dt.date(2025, 1, 1), dt.date(2028, 12, 31), targets[c]),
            (f"{c}-I", "innovation", dt.date(2025, 7, 1), dt.date(2028, 6, 30), concept_targets[c]),
        ):
            con.execute(
                "INSERT INTO staging.grants (grant_id, cluster_id, grant_type, awarded_dkk, period_start,"
                " period_end, target_smes, committed_private_share, _file_sha256, _file_name,"
                " _row_number, _loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x', 'grants.csv', 1, ?)",
                [gid, c, gtype, 30e6, start, end, target, 0.35, now],
            ).fetchall()
        exp_c = targets[c] * 0.48
        val_c = round(exp_c * progress[i])
        _ind(con, c, "smes_collective", "to_date", val_c, targets[c], exp_c, val_c,
             _trajectory_status(val_c, exp_c))
        exp_i = concept_targets[c] * 0.41
        val_i = 3 if c == SUPPRESSED_CONCEPTS_CLUSTER else round(exp_i * progress[(i + 3) % len(progress)])
        _ind(con, c, "smes_concepts", "to_date", val_i, concept_targets[c], exp_i, val_i,
             _trajectory_status(val_i, exp_i))
        # The earlier reporting date: fewer SMEs, less expected.
        _ind(con, c, "smes_collective", "to_date", val_c - 20, targets[c], exp_c * 0.75, val_c - 20,
             _trajectory_status(val_c - 20, exp_c * 0.75), as_of=OLD_AS_OF)
        _ind(con, c, "smes_concepts", "to_date", max(val_i - 2, 0), concept_targets[c], exp_i * 0.7,
             max(val_i - 2, 0), _trajectory_status(max(val_i - 2, 0), exp_i * 0.7), as_of=OLD_AS_OF)
        # Five activities (marts.top_activities), the first with a hostile title, the last small.
        for rank in range(1, 6):
            title = (ACTIVITY_XSS if rank == 1 else SMALL_ACTIVITY_TITLE if rank == 5
                     else f"Aktivitet {rank} i {c}")
            con.execute(
                "INSERT INTO marts.top_activities (cluster_id, rank, activity_id, title, theme,"
                " grant_type, start_date, n_smes, as_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [c, rank, f"{c}-A{rank}", title, "green_transition" if rank % 2 else "artificial_intelligence",
                 "cluster" if rank < 4 else "innovation", dt.date(2026, rank, 10),
                 3 if rank == 5 else 40 - 5 * rank, AS_OF],
            ).fetchall()
        for year, base in ((2025, 0.30), (2026, 0.33)):
            share = base + rng.uniform(-0.12, 0.08)
            status = "on_track" if share >= 0.35 else ("behind" if share >= 0.2625 else "critical")
            _ind(con, c, "private_cofinancing_share", str(year), share, 0.35, None, None, status)
            _ind(con, c, "equity_ratio", str(year), rng.uniform(-0.05, 0.4), None, None, None,
                 "no_target")
            liq = rng.uniform(0.6, 9)
            _ind(con, c, "liquidity_months", str(year), liq, None, None, None,
                 "critical" if liq < 1 else ("behind" if liq < 3 else "on_track"))
            _ind(con, c, "deb_dependence", str(year), rng.uniform(0.3, 0.7), None, None, None, "no_target")
            private = 12e6 * (1 + i / 10)
            con.execute(
                "INSERT INTO staging.accounts (cluster_id, fiscal_year, revenue_total_dkk,"
                " deb_funding_dkk, other_public_funding_dkk, membership_fees_dkk, sponsorships_dkk,"
                " user_payments_dkk, other_private_cash_dkk, costs_total_dkk, equity_dkk,"
                " total_assets_dkk, cash_dkk, _file_sha256, _file_name, _row_number, _loaded_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'x', 'accounts.csv', 1, ?)",
                [c, year, 40e6, 18e6, 3e6, private * 0.4, private * 0.2, private * 0.3, private * 0.1,
                 38e6, 5e6, 20e6, 6e6, now],
            ).fetchall()
            _ind(con, c, "activities_defence_share", str(year), rng.uniform(0, 0.25), None, None, None,
                 "no_target")
            _ind(con, c, "activities_ai_share", str(year), rng.uniform(0.02, 0.3), None, None, None,
                 "no_target")
        for year in (2025, 2026):
            _ind(con, c, "network_density", str(year), rng.uniform(0.05, 0.6), None, None, None, "no_target")
            _ind(con, c, "network_new_ties", str(year), None if year == 2025 else rng.randint(5, 80),
                 None, None, None, "no_target")
            _ind(con, c, "sme_knowledge_ties_share", str(year), rng.uniform(0.1, 0.7), None, None, None,
                 "no_target")
            _ind(con, c, "demand_offering_match", str(year), rng.uniform(0.4, 0.9), None, None, None,
                 "no_target")
        if c == SUPPRESSED_CLUSTER:
            _ind(con, c, "turnover_effect_2y", "all", SUPPRESSED_VALUE, 0.07, None, 3, "on_track",
                 ci_low=SUPPRESSED_CI[0], ci_high=SUPPRESSED_CI[1])
        else:
            _ind(con, c, "turnover_effect_2y", "all", 0.02 + 0.01 * i, 0.07, None, 10 + i,
                 "on_track" if 0.02 + 0.01 * i >= 0.07 else "behind",
                 ci_low=0.01 * i - 0.01, ci_high=0.05 + 0.01 * i)

    populate_v2(con, clusters, seed)
    _ind(con, "ALL", "smes_collective", "to_date", ALL_COLLECTIVE, 5562, ALL_COLLECTIVE_EXP,
         int(ALL_COLLECTIVE), "on_track")
    _ind(con, "ALL", "smes_concepts", "to_date", ALL_CONCEPTS, 683, ALL_CONCEPTS_EXP,
         int(ALL_CONCEPTS), "critical")
    _ind(con, "ALL", "private_cofinancing_share", "2025", 0.3012, 0.35, None, None, "behind")
    _ind(con, "ALL", "private_cofinancing_share", "2026", 0.3321, 0.35, None, None, "behind")
    _ind(con, "ALL", "turnover_effect_2y", "all", TURNOVER_EFFECT, 0.07, None, 212, "on_track",
         ci_low=0.031, ci_high=0.115)
    for year, d, a in ((2025, 0.061, 0.118), (2026, 0.094, 0.152)):
        _ind(con, "ALL", "activities_defence_share", str(year), d, None, None, None, "no_target")
        _ind(con, "ALL", "activities_ai_share", str(year), a, None, None, None, "no_target")
    # The earlier reporting date (the trend).
    _ind(con, "ALL", "smes_collective", "to_date", OLD_ALL_COLLECTIVE, 5562, 2100, int(OLD_ALL_COLLECTIVE),
         "on_track", as_of=OLD_AS_OF)
    _ind(con, "ALL", "smes_concepts", "to_date", 150, 683, 230, 150, "behind", as_of=OLD_AS_OF)


    # Flags from the indicator rows, plus a data-quality flag and one with hostile text.
    for c, ind, period, status in con.execute(
        "SELECT cluster_id, indicator, period, status FROM marts.indicators "
        "WHERE as_of = ? AND status IN ('behind', 'critical') ORDER BY ALL", [AS_OF]
    ).fetchall():
        con.execute(
            "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES (?, ?, ?, ?, ?, ?)",
            [c, ind, period, "ERROR" if status == "critical" else "WARN",
             f"{ind} {period} is {status}", AS_OF],
        ).fetchall()
    con.execute(
        "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES ('ALL', 'unverified_firms', 'to_date', 'WARN', ?, ?)",
        ["3,4 % of participating firms have no register row", AS_OF],
    ).fetchall()
    con.execute(
        "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES (?, 'turnover_effect_2y', 'all', 'WARN', ?, ?)",
        [SUPPRESSED_CLUSTER, f"effect {SUPPRESSED_VALUE} on 3 firms", AS_OF],
    ).fetchall()
    con.execute(
        "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES ('clean', 'data_quality', 'to_date', 'WARN', ?, ?)",
        [FLAG_XSS, AS_OF],
    ).fetchall()
    con.execute(
        "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES ('clean', 'old_flag', 'to_date', 'ERROR', 'from an old run', ?)",
        [OLD_AS_OF],
    ).fetchall()

    # Meta and quality tables.
    for name, ds, status, err in (
        ("grants/2025.csv", "grants", "ingested", None),
        ("accounts/2025.xlsx", "accounts", "ingested", None),
        ("participation/2026.csv", "participation", "ingested", None),
        ("participation/2026-copy.csv", "participation", "duplicate", None),
        ("firms/broken.csv", "firms", "failed", "header missing column 'cvr'"),
    ):
        con.execute(
            "INSERT INTO meta.ingested_files (file_sha256, file_name, dataset, status, rows_total,"
            " rows_accepted, rows_rejected, error, ingested_at) VALUES (?, ?, ?, ?, 10, 9, 1, ?, ?)",
            [name + "sha", name, ds, status, err, now],
        ).fetchall()
    for n, (ds, reason) in enumerate(
        [("participation", "invalid_cvr")] * 17 + [("participation", "unknown_activity")] * 4
        + [("accounts", "out_of_range")] * 2
    ):
        con.execute(
            "INSERT INTO quality.rejected_rows (file_sha256, file_name, dataset, row_number, reason, detail,"
            " raw) VALUES ('sha', 'f.csv', ?, ?, ?, 'detail', '{}')",
            [ds, n + 1, reason],
        ).fetchall()


def populate_v2(con: duckdb.DuckDBPyConnection, clusters: list[str], seed: int) -> None:
    """The rows of the report's money, effects and headlines sections (issue 19, part 2), from a
    random stream of their own so that the other rows keep their values."""
    _ind = add_indicator
    rng = random.Random(seed + 1)
    total_risk = 0.0
    for i, c in enumerate(clusters):
        risk = 0.0 if i % 3 else rng.uniform(1e6, 20e6)
        total_risk += risk
        _ind(con, c, "payout_at_risk_dkk", "to_date", risk)
        for year in (2025, 2026):
            _ind(con, c, "private_cash_gap_dkk", str(year), rng.uniform(-3e6, 3e6))
            free = rng.uniform(-1, 6)
            _ind(con, c, "free_liquidity_months", str(year), free, None, None, None,
                 "critical" if free < 0 else ("behind" if free < 1 else "on_track"))
            _ind(con, c, "user_payment_share", str(year), rng.uniform(0.1, 0.5))
            _ind(con, c, "core_theme_share", str(year), rng.uniform(0.3, 0.9))
        for code in ("sme_share", "sme_depth_share", "multi_cluster_sme_share"):
            _ind(con, c, code, "to_date", rng.uniform(0.2, 0.95), n=40 + i)
        _ind(con, c, "large_firm_participants", "to_date", 5 + i, n=5 + i)
        for code in ("employment_effect_2y", "gross_profit_effect_2y", "turnover_pretrend"):
            value = rng.uniform(-0.02, 0.1) if code != "turnover_pretrend" else rng.uniform(-0.02, 0.02)
            half = rng.uniform(0.01, 0.06)
            n = 3 if c == SUPPRESSED_CLUSTER else 10 + i
            _ind(con, c, code, "all", value, n=n, ci_low=value - half, ci_high=value + half)
    _ind(con, "ALL", "payout_at_risk_dkk", "to_date", total_risk)
    for code, value in (("employment_effect_2y", 0.041), ("gross_profit_effect_2y", 0.093),
                        ("turnover_pretrend", 0.004)):
        _ind(con, "ALL", code, "all", value, n=212, ci_low=value - 0.02, ci_high=value + 0.02)
    # The first cluster's placebo lies wholly above 0: the warning.
    _ind(con, "ALL", "private_cash_gap_dkk", "2026", 1.25e6)
    con.execute("UPDATE marts.indicators SET value = 0.05, ci_low = 0.02, ci_high = 0.08 "
                "WHERE cluster_id = ? AND indicator = 'turnover_pretrend'", [clusters[0]]).fetchall()
    add_flag(con, clusters[0], "dq_pretrend", "all", "WARN")


def add_later_run(con: duckdb.DuckDBPyConnection) -> None:
    """A row of a reporting date after ``AS_OF`` (the report of ``AS_OF`` must not show it)."""
    add_indicator(con, "ALL", "smes_collective", "to_date", LATER_VALUE, 5562, 4000, int(LATER_VALUE), "on_track",
         as_of=LATER_AS_OF)
    con.execute(
        "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES "
        "('clean', 'smes_collective', 'to_date', 'ERROR', 'from a later run', ?)",
        [LATER_AS_OF],
    ).fetchall()


def build_report_side_marts(con: duckdb.DuckDBPyConnection) -> None:
    """Build the programme, accounts and data-quality marts from the staged rows."""
    for name in REPORT_SIDE_MODELS:
        run_model(con, model_named(name), model_params(AS_OF))


def minimal(path: Path) -> Path:
    """A warehouse with the programme marts (the granted clusters) and nothing else: tests add the
    hand-made marts rows they reason about (then call :func:`build_report_side_marts` again if
    they add grants)."""
    with connect_writer(path) as con:
        build_report_side_marts(con)
    return path


def build(path: Path) -> Path:
    """Create the fixture warehouse at ``path`` and return it."""
    with connect_writer(path) as con:
        populate(con)
        build_report_side_marts(con)
    return path
