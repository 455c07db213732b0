"""The matched effects on turnover, employment and gross profit, their 95 % intervals, and the
pre-trend placebo with its dq_pretrend flag (output contract, "added November 2026").

Every expected figure is worked out here by hand: g, the matched differences d, their mean m, the
sample standard deviation s (divisor n - 1) and the interval exp(m -/+ 1.96 s / sqrt(n)) - 1.
"""

from __future__ import annotations

import math

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marts_helpers import Stage

from pipelines.core.catalogue import catalogue
from pipelines.core.warehouse import ensure_schema, fetch_all

START, END = "2025-01-01", "2028-12-31"
AS_OF = "2028-12-31"
Z = 1.96
EFFECTS = ("turnover_effect_2y", "employment_effect_2y", "gross_profit_effect_2y", "turnover_pretrend")
OTHER_CLUSTERS = ("clean", "am-hub", "digitallead")  # granted clusters without cohort firms


def interval(d: list[float]) -> tuple[float, float, float]:
    """value, ci_low, ci_high of matched differences d, by the contract's formula."""
    n = len(d)
    m = sum(d) / n
    s = math.sqrt(sum((x - m) ** 2 for x in d) / (n - 1))
    return math.exp(m) - 1, math.exp(m - Z * s / math.sqrt(n)) - 1, math.exp(m + Z * s / math.sqrt(n)) - 1


def assert_row(row: dict, d: list[float]) -> None:
    value, low, high = interval(d)
    assert row["n_firms"] == len(d)
    assert row["value"] == pytest.approx(value, rel=1e-12)
    assert row["ci_low"] == pytest.approx(low, rel=1e-12)
    assert row["ci_high"] == pytest.approx(high, rel=1e-12)


def programme(stage: Stage) -> None:
    stage.grant("I-OR", "odense-robotics", "innovation", START, END, target=10)
    stage.grant("I-CS", "censec", "innovation", START, END, target=10)
    stage.activity("IA", "I-OR", "2025-01-10")
    stage.activity("IB", "I-CS", "2025-01-10")


def stage_panel(stage: Stage) -> None:
    """Cohort 2025 of odense-robotics in cell A (NACE 28, 10-49 FTE, DK03) with three controls;
    censec with one firm of cohort 2026 and one of cohort 2025 that has no control."""
    programme(stage)
    firm = stage.firm
    # cohort 2025, odense-robotics; rows of 2023 (t-2), 2024 (t-1), 2027 (t+2)
    firm("20000001", 2023, 18, turnover=90, gross_profit=30)
    firm("20000001", 2024, 20, turnover=100, gross_profit=40)
    firm("20000001", 2027, 24, turnover=130, gross_profit=52)
    firm("20000002", 2023, 28, turnover=100, gross_profit=45)
    firm("20000002", 2024, 30, turnover=120, gross_profit=50)
    firm("20000002", 2027, 33, turnover=150, gross_profit=55)
    firm("20000003", 2023, 40, turnover=200, gross_profit=80)
    firm("20000003", 2024, 40, turnover=200, gross_profit=80)
    firm("20000003", 2027, 40, turnover=210, gross_profit=100)
    # Q1 reports no turnover: it enters the employment and gross-profit effects only
    firm("20000004", 2024, 10, turnover=None, gross_profit=10)
    firm("20000004", 2027, 12, turnover=None, gross_profit=13)
    # Z1 has gross profit 0 in t-1 (out of that effect) and no row of t-2 (out of the placebo)
    firm("20000005", 2024, 15, turnover=80, gross_profit=0)
    firm("20000005", 2027, 15, turnover=100, gross_profit=10)
    # N1 has no control in its cell (NACE 10, 10-49, DK05): entered everywhere, matched nowhere
    firm("20000006", 2024, 30, turnover=100, gross_profit=30, nace="1011", region="DK05")
    firm("20000006", 2027, 33, turnover=150, gross_profit=40, nace="1011", region="DK05")
    for cvr in ("20000001", "20000002", "20000003", "20000004", "20000005", "20000006"):
        stage.participation("IA", cvr, "2025-03-01")
    # controls of cohort 2025 in cell A (K3 has no row of t-2: a turnover control, not a placebo one)
    firm("30000001", 2023, 20, turnover=100, gross_profit=35)
    firm("30000001", 2024, 20, turnover=100, gross_profit=40, nace="2811")
    firm("30000001", 2027, 21, turnover=110, gross_profit=44, nace="2811")
    firm("30000002", 2023, 25, turnover=50, gross_profit=20)
    firm("30000002", 2024, 25, turnover=55, gross_profit=20, nace="28")
    firm("30000002", 2027, 25, turnover=66, gross_profit=22, nace="28")
    firm("30000003", 2024, 12, turnover=80, gross_profit=20)
    firm("30000003", 2027, 13, turnover=96, gross_profit=25)
    # censec: P4, cohort 2026 in cell B (NACE 62, 0-9 FTE, DK01), one control K4
    firm("20000007", 2024, 5, turnover=50, gross_profit=15, nace="6201", region="DK01")
    firm("20000007", 2025, 5, turnover=60, gross_profit=20, nace="6201", region="DK01")
    firm("20000007", 2028, 6, turnover=90, gross_profit=30, nace="6201", region="DK01")
    stage.participation("IB", "20000007", "2026-04-01")
    firm("30000004", 2024, 4, turnover=100, gross_profit=30, nace="6202", region="DK01")
    firm("30000004", 2025, 4, turnover=100, gross_profit=30, nace="6202", region="DK01")
    firm("30000004", 2028, 4, turnover=120, gross_profit=33, nace="6202", region="DK01")
    # censec: N2, cohort 2025, no control in its cell (NACE 56, 10-49, DK02)
    firm("20000008", 2024, 20, turnover=100, gross_profit=50, nace="5610", region="DK02")
    firm("20000008", 2027, 20, turnover=110, gross_profit=50, nace="5610", region="DK02")
    stage.participation("IB", "20000008", "2025-05-01")


def test_turnover_effect_interval_worked_out_by_hand(stage: Stage) -> None:
    stage_panel(stage)
    r = stage.run(AS_OF)

    # g = ln(turnover(t+2) / turnover(t-1)) of the matched cohort-2025 firms and their controls
    g_p1 = math.log(130 / 100)
    g_p2 = math.log(150 / 120)
    g_p3 = math.log(210 / 200)
    g_z1 = math.log(100 / 80)
    g_controls = [math.log(110 / 100), math.log(66 / 55), math.log(96 / 80)]  # K1, K2, K3
    mean_controls = sum(g_controls) / 3
    d = [g_p1 - mean_controls, g_p2 - mean_controls, g_p3 - mean_controls, g_z1 - mean_controls]
    # mean, sample standard deviation (divisor n - 1 = 3), interval with z = 1.96
    m = (d[0] + d[1] + d[2] + d[3]) / 4
    s = math.sqrt(((d[0] - m) ** 2 + (d[1] - m) ** 2 + (d[2] - m) ** 2 + (d[3] - m) ** 2) / 3)
    half = 1.96 * s / math.sqrt(4)
    for scope, period in (("odense-robotics", "2025"), ("odense-robotics", "all"), ("ALL", "2025")):
        row = r[scope, "turnover_effect_2y", period]
        assert row["n_firms"] == 4  # N1 has no control
        assert row["value"] == pytest.approx(math.exp(m) - 1, rel=1e-12)
        assert row["ci_low"] == pytest.approx(math.exp(m - half) - 1, rel=1e-12)
        assert row["ci_high"] == pytest.approx(math.exp(m + half) - 1, rel=1e-12)
        assert row["ci_low"] < row["value"] < row["ci_high"]

    # censec: cohort 2026 has one matched firm (P4 against K4): a value, no interval
    d_p4 = math.log(90 / 60) - math.log(120 / 100)
    for scope, period in (("censec", "2026"), ("censec", "all"), ("ALL", "2026")):
        row = r[scope, "turnover_effect_2y", period]
        assert row["n_firms"] == 1
        assert row["value"] == pytest.approx(math.exp(d_p4) - 1, rel=1e-12)
        assert row["ci_low"] is None and row["ci_high"] is None
    # the national 'all' row pools the five matched firms of both cohorts
    assert_row(r["ALL", "turnover_effect_2y", "all"], [*d, d_p4])


def test_a_cohort_whose_firms_have_no_control_has_a_row_without_value(stage: Stage) -> None:
    stage_panel(stage)
    r = stage.run(AS_OF)
    for effect in EFFECTS:
        row = r["censec", effect, "2025"]  # N2 alone, no control in its cell
        assert row["value"] is None and row["n_firms"] == 0
        assert row["ci_low"] is None and row["ci_high"] is None
        assert row["status"] == "no_target"
    (flag,) = r.flags_for("censec", "dq_unmatched_cohort_firms")
    assert flag[2] == "2025" and "1 of 1 firms" in flag[4]


def test_employment_and_gross_profit_effects_worked_out_by_hand(stage: Stage) -> None:
    stage_panel(stage)
    r = stage.run(AS_OF)

    # employees: Q1 (no turnover) enters; N1 is entered but unmatched
    mean_controls = (math.log(21 / 20) + math.log(25 / 25) + math.log(13 / 12)) / 3
    d_employees = [
        math.log(24 / 20) - mean_controls,  # P1
        math.log(33 / 30) - mean_controls,  # P2
        math.log(40 / 40) - mean_controls,  # P3
        math.log(12 / 10) - mean_controls,  # Q1
        math.log(15 / 15) - mean_controls,  # Z1
    ]
    d_p4_employees = math.log(6 / 5) - math.log(4 / 4)
    # gross profit: Z1 has gross profit 0 in t-1 and does not enter
    mean_controls = (math.log(44 / 40) + math.log(22 / 20) + math.log(25 / 20)) / 3
    d_gross_profit = [
        math.log(52 / 40) - mean_controls,  # P1
        math.log(55 / 50) - mean_controls,  # P2
        math.log(100 / 80) - mean_controls,  # P3
        math.log(13 / 10) - mean_controls,  # Q1
    ]
    d_p4_gross_profit = math.log(30 / 20) - math.log(33 / 30)

    for effect, d, d_p4 in (
        ("employment_effect_2y", d_employees, d_p4_employees),
        ("gross_profit_effect_2y", d_gross_profit, d_p4_gross_profit),
    ):
        assert_row(r["odense-robotics", effect, "2025"], d)
        assert_row(r["odense-robotics", effect, "all"], d)
        assert_row(r["ALL", effect, "2025"], d)
        assert_row(r["ALL", effect, "all"], [*d, d_p4])
        row = r["censec", effect, "2026"]
        assert row["value"] == pytest.approx(math.exp(d_p4) - 1, rel=1e-12)
        assert (row["n_firms"], row["ci_low"], row["ci_high"]) == (1, None, None)
        for scope in ("odense-robotics", "ALL"):
            assert r[scope, effect, "all"]["target"] is None
            assert r[scope, effect, "all"]["status"] == "no_target"


def test_placebo_rows_are_the_turnover_effects_and_use_its_controls(stage: Stage) -> None:
    stage_panel(stage)
    r = stage.run(AS_OF)
    effect_rows = {(c, p) for c, i, p in r.rows if i == "turnover_effect_2y"}
    placebo_rows = {(c, p) for c, i, p in r.rows if i == "turnover_pretrend"}
    assert placebo_rows == effect_rows
    assert {("censec", "2025"), ("censec", "2026"), ("odense-robotics", "2025")} <= placebo_rows

    # p = ln(turnover(t-1) / turnover(t-2)); Z1 and K3 have no row of t-2
    mean_controls = (math.log(100 / 100) + math.log(55 / 50)) / 2  # K1, K2
    d = [
        math.log(100 / 90) - mean_controls,  # P1
        math.log(120 / 100) - mean_controls,  # P2
        math.log(200 / 200) - mean_controls,  # P3
    ]
    assert_row(r["odense-robotics", "turnover_pretrend", "2025"], d)
    d_p4 = math.log(60 / 50) - math.log(100 / 100)
    assert_row(r["ALL", "turnover_pretrend", "all"], [*d, d_p4])
    _, low, high = interval(d)
    assert low < 0 < high  # the interval spans 0: no flag
    assert not [f for f in r.flags if f[1] == "dq_pretrend"]


def test_every_scope_has_its_all_row_and_indicators_without_an_interval_have_none(stage: Stage) -> None:
    stage_panel(stage)
    r = stage.run(AS_OF)
    for effect in EFFECTS:
        for scope in OTHER_CLUSTERS:
            row = r[scope, effect, "all"]
            assert (row["value"], row["n_firms"], row["ci_low"]) == (None, 0, None)
            assert not [k for k in r.rows if k[0] == scope and k[1] == effect and k[2] != "all"]
    with_interval = {i.code for i in catalogue() if i.interval}
    assert with_interval == set(EFFECTS)
    for (_, indicator, _), row in r.rows.items():
        if indicator not in with_interval:
            assert row["ci_low"] is None and row["ci_high"] is None, indicator


def test_before_any_cohort_matures_every_effect_has_an_empty_all_row(stage: Stage) -> None:
    stage_panel(stage)
    r = stage.run("2026-12-31")  # cohort 2025 matures in 2027
    for effect in EFFECTS:
        for scope in ("odense-robotics", "censec", "ALL"):
            row = r[scope, effect, "all"]
            assert (row["value"], row["n_firms"], row["ci_low"], row["ci_high"]) == (None, 0, None, None)
        assert not [k for k in r.rows if k[1] == effect and k[2] != "all"]


def test_identical_differences_collapse_the_interval_to_the_value(stage: Stage) -> None:
    # two participants with the same growth against the same control: s = 0
    programme(stage)
    for cvr in ("20000001", "20000002"):
        stage.firm(cvr, 2024, 20, turnover=100)
        stage.firm(cvr, 2027, 20, turnover=125)
        stage.participation("IA", cvr, "2025-03-01")
    stage.firm("30000001", 2024, 20, turnover=100)
    stage.firm("30000001", 2027, 20, turnover=100)
    row = stage.run(AS_OF)["odense-robotics", "turnover_effect_2y", "2025"]
    assert row["n_firms"] == 2
    assert row["value"] == pytest.approx(0.25, rel=1e-12)
    assert row["ci_low"] == row["value"] == row["ci_high"]


# --- the pre-trend placebo and its flag ----------------------------------------------------------

# (turnover(t-2), turnover(t-1)) of three participants; two controls grow 0 % and 5 % that year
PRE_GROWTH = {
    "above": ((100, 120), (100, 125), (100, 130)),  # participants already grew faster
    "below": ((100, 80), (100, 85), (100, 90)),  # ... or shrank against the controls
    "none": ((100, 98), (100, 103), (100, 108)),  # like the controls: no pre-trend
}


def stage_placebo(stage: Stage, pre_growth: tuple[tuple[int, int], ...]) -> None:
    programme(stage)
    for n, (before_2, before_1) in enumerate(pre_growth, start=1):
        cvr = f"2000000{n}"
        stage.firm(cvr, 2023, 20, turnover=before_2)
        stage.firm(cvr, 2024, 20, turnover=before_1)
        stage.firm(cvr, 2027, 20, turnover=before_1 * 1.2)
        stage.participation("IA", cvr, "2025-03-01")
    for cvr, before_1 in (("30000001", 100), ("30000002", 105)):
        stage.firm(cvr, 2023, 20, turnover=100)
        stage.firm(cvr, 2024, 20, turnover=before_1)
        stage.firm(cvr, 2027, 20, turnover=before_1 * 1.1)


@pytest.mark.parametrize("case", ["above", "below"])
def test_a_planted_pre_trend_is_caught_and_flagged(stage: Stage, case: str) -> None:
    stage_placebo(stage, PRE_GROWTH[case])
    r = stage.run(AS_OF)
    mean_controls = (math.log(100 / 100) + math.log(105 / 100)) / 2
    d = [math.log(b1 / b2) - mean_controls for b2, b1 in PRE_GROWTH[case]]
    value, low, high = interval(d)
    assert (low > 0) if case == "above" else (high < 0)
    for scope, period in (("odense-robotics", "2025"), ("odense-robotics", "all"), ("ALL", "2025"), ("ALL", "all")):
        assert_row(r[scope, "turnover_pretrend", period], d)
    flags = [f for f in r.flags if f[1] == "dq_pretrend"]
    assert sorted(f[:4] for f in flags) == [
        ("ALL", "dq_pretrend", "2025", "WARN"),
        ("ALL", "dq_pretrend", "all", "WARN"),
        ("odense-robotics", "dq_pretrend", "2025", "WARN"),
        ("odense-robotics", "dq_pretrend", "all", "WARN"),
    ]
    (message,) = [f[4] for f in flags if f[0] == "odense-robotics" and f[2] == "2025"]
    pct = f"{abs(value) * 100:.1f}".replace(".", ",")
    more_or_less = "more" if case == "above" else "less"
    assert message.startswith(
        f"Odense Robotics: in the year before taking part, the firms of cohort 2025 already grew "
        f"{pct} % {more_or_less} than their matched control firms (95 % interval "
    )
    assert "3 firms" in message and "the turnover effect may be biased" in message
    # the turnover effect itself is there and unaffected by the placebo
    assert r["odense-robotics", "turnover_effect_2y", "2025"]["n_firms"] == 3


def test_no_pre_trend_keeps_the_placebo_quiet(stage: Stage) -> None:
    stage_placebo(stage, PRE_GROWTH["none"])
    r = stage.run(AS_OF)
    mean_controls = (math.log(100 / 100) + math.log(105 / 100)) / 2
    d = [math.log(b1 / b2) - mean_controls for b2, b1 in PRE_GROWTH["none"]]
    value, low, high = interval(d)
    assert low < 0 < high
    assert_row(r["odense-robotics", "turnover_pretrend", "2025"], d)
    assert not [f for f in r.flags if f[1] == "dq_pretrend"]


# --- a property of the estimator ------------------------------------------------------------------

cohort_firm_st = st.tuples(
    st.floats(50, 500), st.floats(0.5, 2.0), st.sampled_from(["DK01", "DK03"])
)  # turnover(t-1), growth factor to t+2, region (the cell)
control_st = st.tuples(st.floats(50, 500), st.floats(0.5, 2.0), st.sampled_from(["DK01", "DK03"]))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cohort=st.lists(cohort_firm_st, min_size=1, max_size=5),
    controls=st.lists(control_st, min_size=1, max_size=5),
    k=st.floats(0.25, 4.0),
)
def test_scaling_the_controls_outcomes_by_k_divides_one_plus_each_effect_by_k(
    cohort: list[tuple[float, float, str]], controls: list[tuple[float, float, str]], k: float
) -> None:
    """Multiply every control's turnover, employees and gross profit in t+2 by k: each control's
    g rises by ln k, so each matched difference falls by ln k and, for every row of the three
    effects, 1 + value becomes (1 + value) / k, 1 + ci_low becomes (1 + ci_low) / k and
    1 + ci_high becomes (1 + ci_high) / k (s is unchanged), with the same n_firms; rows without a
    value stay without one. Checked to a relative 1e-9 (floating point)."""
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    stage = Stage(con)
    programme(stage)
    for n, (before, factor, region) in enumerate(cohort):
        cvr = f"2{n:07d}"
        stage.firm(cvr, 2024, 20, turnover=before, gross_profit=before / 4, region=region)
        stage.firm(cvr, 2027, 20 * factor, turnover=before * factor, gross_profit=before * factor / 3, region=region)
        stage.participation("IA", cvr, "2025-03-01")
    for n, (before, factor, region) in enumerate(controls):
        cvr = f"3{n:07d}"
        stage.firm(cvr, 2024, 20, turnover=before, gross_profit=before / 5, region=region)
        stage.firm(cvr, 2027, 20 * factor, turnover=before * factor, gross_profit=before * factor / 4, region=region)

    def effects() -> dict[tuple[str, str, str], tuple]:
        stage.run(AS_OF)
        return {
            (c, i, p): (v, lo, hi, n)
            for c, i, p, v, lo, hi, n in fetch_all(
                con,
                "SELECT cluster_id, indicator, period, value, ci_low, ci_high, n_firms "
                "FROM marts.indicators WHERE indicator IN ('turnover_effect_2y', "
                "'employment_effect_2y', 'gross_profit_effect_2y')",
            )
        }

    before = effects()
    con.execute(
        "UPDATE staging.firms SET turnover_dkk = turnover_dkk * $k, employees = employees * $k, "
        "gross_profit_dkk = gross_profit_dkk * $k WHERE year = 2027 AND cvr LIKE '3%'",
        {"k": k},
    ).fetchall()
    after = effects()
    con.close()
    assert after.keys() == before.keys()
    for key, (value, low, high, n) in before.items():
        value_k, low_k, high_k, n_k = after[key]
        assert n_k == n, key
        for old, new in ((value, value_k), (low, low_k), (high, high_k)):
            if old is None:
                assert new is None, key
            else:
                assert 1 + new == pytest.approx((1 + old) / k, rel=1e-9), key


# --- the migration of existing warehouses -----------------------------------------------------------


def test_an_old_warehouse_gains_the_interval_columns_and_keeps_its_rows(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts").fetchall()
        con.execute(
            "CREATE TABLE marts.indicators (cluster_id VARCHAR NOT NULL, indicator VARCHAR NOT NULL, "
            "period VARCHAR NOT NULL, value DOUBLE, target DOUBLE, expected DOUBLE, n_firms BIGINT, "
            "status VARCHAR NOT NULL, as_of DATE NOT NULL)"
        ).fetchall()
        con.execute(
            "INSERT INTO marts.indicators VALUES ('ALL', 'turnover_effect_2y', 'all', 0.08, 0.07, "
            "NULL, 900, 'on_track', DATE '2027-12-31')"
        ).fetchall()
    with duckdb.connect(str(path)) as con:
        ensure_schema(con)
        ensure_schema(con)  # idempotent
        rows = fetch_all(con, "SELECT indicator, value, n_firms, ci_low, ci_high FROM marts.indicators")
        columns = [c for (c,) in fetch_all(
            con, "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' "
            "AND table_name = 'indicators' ORDER BY ordinal_position"
        )]
    assert rows == [("turnover_effect_2y", 0.08, 900, None, None)]
    assert columns[-2:] == ["ci_low", "ci_high"]
