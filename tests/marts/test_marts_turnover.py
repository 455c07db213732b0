"""Turnover cohorts, the two-year growth median and the matched difference-in-differences."""

from __future__ import annotations

import math

import pytest

START, END = "2025-01-01", "2028-12-31"


def stage_cohort(stage) -> None:  # noqa: ANN001 - pytest fixture object
    stage.grant("I-OR", "odense-robotics", "innovation", START, END, target=10)
    stage.grant("G-OR", "odense-robotics", "cluster", START, END, target=10)
    stage.activity("IA", "I-OR", "2025-01-10")
    stage.activity("CA", "G-OR", "2025-01-10")
    # cohort firm P1: cell (28, 10-49, DK03), turnover 100 -> 130
    stage.firm("20000001", 2024, 20, turnover=100, nace="2899", region="DK03")
    stage.firm("20000001", 2025, 20, turnover=110, nace="2899", region="DK03")
    stage.firm("20000001", 2027, 20, turnover=130, nace="2899", region="DK03")
    stage.participation("IA", "20000001", "2025-03-01")
    # cohort firm P2: cell (62, 0-9, DK01), turnover 200 -> 180
    stage.firm("20000002", 2024, 5, turnover=200, nace="62010", region="DK01")
    stage.firm("20000002", 2027, 5, turnover=180, nace="62010", region="DK01")
    stage.participation("IA", "20000002", "2025-05-01")
    # cohort firm P3 without controls: cell (10, 10-49, DK05), 100 -> 150
    stage.firm("20000003", 2024, 30, turnover=100, nace="1011", region="DK05")
    stage.firm("20000003", 2027, 30, turnover=150, nace="1011", region="DK05")
    stage.participation("IA", "20000003", "2025-06-01")
    # cohort firm P5: turnover(t+2) = 0 -> in the median (growth -1), cannot be matched
    stage.firm("20000005", 2024, 20, turnover=100, nace="2850", region="DK03")
    stage.firm("20000005", 2027, 20, turnover=0, nace="2850", region="DK03")
    stage.participation("IA", "20000005", "2025-06-01")
    # not in the cohort: large at t; turnover(t-1) missing; collective activity only
    stage.firm("20000006", 2024, 20, turnover=100)
    stage.firm("20000006", 2025, 300, turnover=100)
    stage.firm("20000006", 2027, 300, turnover=200)
    stage.participation("IA", "20000006", "2025-06-01")
    stage.firm("20000007", 2024, 20, turnover=None)
    stage.firm("20000007", 2027, 20, turnover=200)
    stage.participation("IA", "20000007", "2025-06-01")
    stage.firm("20000008", 2024, 20, turnover=100)
    stage.firm("20000008", 2027, 20, turnover=200)
    stage.participation("CA", "20000008", "2025-06-01")
    # controls: K1, K2 in P1's cell, K3 in P2's cell
    stage.firm("30000001", 2024, 12, turnover=100, nace="2811", region="DK03")
    stage.firm("30000001", 2027, 12, turnover=110, nace="2811", region="DK03")
    stage.firm("30000002", 2024, 49, turnover=50, nace="28", region="DK03")
    stage.firm("30000002", 2027, 60, turnover=60, nace="28", region="DK03")
    stage.firm("30000003", 2024, 9.5, turnover=80, nace="6201", region="DK01")
    stage.firm("30000003", 2027, 9.5, turnover=100, nace="6201", region="DK01")
    # not controls: took part (collective, 2026); turnover(t-1) 0; other region; 250+ employees
    stage.firm("30000004", 2024, 20, turnover=100, nace="2899", region="DK03")
    stage.firm("30000004", 2027, 20, turnover=900, nace="2899", region="DK03")
    stage.participation("CA", "30000004", "2026-02-01")
    stage.firm("30000005", 2024, 20, turnover=0, nace="2899", region="DK03")
    stage.firm("30000005", 2027, 20, turnover=900, nace="2899", region="DK03")
    stage.firm("30000006", 2024, 20, turnover=100, nace="2899", region="DK04")
    stage.firm("30000006", 2027, 20, turnover=900, nace="2899", region="DK04")
    stage.firm("30000007", 2024, 5000, turnover=100, nace="6201", region="DK01")
    stage.firm("30000007", 2027, 5000, turnover=900, nace="6201", region="DK01")


def test_turnover_all_row_exists_before_maturity(stage) -> None:
    stage_cohort(stage)
    r = stage.run("2026-12-31")  # cohort 2025 matures in 2027
    for scope in ("odense-robotics", "censec", "ALL"):
        growth = r[scope, "turnover_growth_2y", "all"]
        effect = r[scope, "turnover_effect_2y", "all"]
        assert growth["value"] is None and growth["n_firms"] == 0
        assert effect["value"] is None and effect["n_firms"] == 0
        assert effect["status"] == "no_target" and effect["target"] == pytest.approx(0.07)
    assert not [k for k in r.rows if k[1].startswith("turnover_") and k[2] != "all"]


def test_growth_median_and_matched_did(stage) -> None:
    stage_cohort(stage)
    r = stage.run("2027-12-31")

    # growth: P1 0.3, P2 -0.1, P3 0.5, P5 -1 -> median (-0.1 + 0.3) / 2 = 0.1
    for period in ("2025", "all"):
        for scope in ("odense-robotics", "ALL"):
            row = r[scope, "turnover_growth_2y", period]
            assert row["value"] == pytest.approx(0.1)
            assert row["n_firms"] == 4
            assert row["status"] == "no_target" and row["target"] is None

    # DiD: P1 against K1, K2; P2 against K3; P3 and P5 unmatched
    d1 = math.log(130 / 100) - (math.log(110 / 100) + math.log(60 / 50)) / 2
    d2 = math.log(180 / 200) - math.log(100 / 80)
    effect = math.exp((d1 + d2) / 2) - 1
    for period in ("2025", "all"):
        row = r["odense-robotics", "turnover_effect_2y", period]
        assert row["value"] == pytest.approx(effect)
        assert row["n_firms"] == 2
        assert row["status"] == "critical"  # about -9.7 %
    assert r["ALL", "turnover_effect_2y", "all"]["value"] == pytest.approx(effect)

    # the cohort firms without controls are counted in a flag
    (flag,) = r.flags_for("odense-robotics", "dq_unmatched_cohort_firms")
    assert flag[2:4] == ("2025", "WARN") and "2 of 4 firms" in flag[4]
    (err,) = [f for f in r.flags_for("odense-robotics", "turnover_effect_2y") if f[2] == "2025"]
    assert err[3] == "ERROR"


@pytest.mark.parametrize(
    ("control_after", "status"),
    [(120, "on_track"), (125, "behind"), (130, "behind"), (140, "critical")],
)
def test_effect_status_thresholds(stage, control_after: float, status: str) -> None:
    # one cohort firm, one control: effect = (130/100) / (control/100) - 1
    # 120 -> 8.3 % on_track; 125 -> 4 % behind; 130 -> 0 % behind; 140 -> -7.1 % critical
    stage.grant("I-OR", "odense-robotics", "innovation", START, END)
    stage.activity("IA", "I-OR", "2025-01-10")
    stage.firm("20000001", 2024, 20, turnover=100)
    stage.firm("20000001", 2027, 20, turnover=130)
    stage.participation("IA", "20000001", "2025-03-01")
    stage.firm("30000001", 2024, 20, turnover=100)
    stage.firm("30000001", 2027, 20, turnover=control_after)
    r = stage.run("2027-06-30")
    row = r["odense-robotics", "turnover_effect_2y", "2025"]
    assert row["value"] == pytest.approx(130 / control_after - 1, abs=1e-12)
    assert row["status"] == status
    assert not r.flags_for("odense-robotics", "dq_unmatched_cohort_firms")
