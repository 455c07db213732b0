"""The money indicators (output contract, "Indicators added November 2026"): payout at risk, the
private cash gap, liquidity without advances, the user-payment share, and the amended
co-financing rule (the promise applies only to fiscal years that overlap a grant). Every expected
figure is worked out by hand in the comments.
"""

from __future__ import annotations

import pytest

# Grants 2025-01-01 .. 2027-01-01 are 730 days long; as_of 2026-01-01 is 365 days in: elapsed 0.5.
START, END, AS_OF = "2025-01-01", "2027-01-01", "2026-01-01"
OTHER_CLUSTERS = (
    "we-build-denmark", "lifestyle-design", "digitallead", "energy-cluster-denmark",
    "copenhagen-fintech", "food-bio-cluster", "danish-life-science",
)  # fmt: skip


@pytest.fixture
def results(stage):  # noqa: ANN001, ANN201 - pytest objects
    # odense-robotics: promised (0.30 x 30m + 0.10 x 10m) / 40m = 0.25.
    #   cluster grant target 8 -> expected 8 x 0.5 = 4; three SMEs -> r = 3 / 4 = 0.75
    #   innovation grant target 4 -> expected 2; no concept -> value 0, r = 0
    stage.grant("G-OR", "odense-robotics", "cluster", START, END, target=8, awarded=30e6, share=0.30)
    stage.grant("I-OR", "odense-robotics", "innovation", START, END, target=4, awarded=10e6, share=0.10)
    stage.activity("A-OR", "G-OR", "2025-03-01")
    stage.activity("A-ORI", "I-OR", "2025-03-01")
    for cvr in ("11111111", "22222222", "33333333"):
        stage.participation("A-OR", cvr, "2025-03-01")
        stage.firm(cvr, 2025, employees=10)
    # 2024: before the grants (baseline): private 10 / (10 + 90) = 0.10, target null.
    stage.account(
        "odense-robotics", 2024,
        deb=80, other_public=10, membership=10, sponsorships=0, user_payments=0, cash=6, costs=12,
    )  # fmt: skip
    # 2025: private 10 + 5 + 5 = 20, public 60 + 20 = 80 -> share 0.20 against 0.25;
    #   gap 0.25 x 100 - 20 = 5; user payments 5 / 20 = 0.25;
    #   cash 6 below its unspent advances 9: (6 - 9) / (12 / 12) = -3 months -> critical
    stage.account(
        "odense-robotics", 2025,
        deb=60, other_public=20, membership=10, sponsorships=5, user_payments=5,
        cash=6, costs=12, advance=9,
    )  # fmt: skip

    # censec: no committed share -> no target, no gap; its cluster grant has target 0 -> r = 1.
    #   2025: private 50 / 100 = 0.5; user payments 0 / 50 = 0;
    #   advance empty (counts as 0): 0.5 / (12 / 12) = 0.5 months -> behind
    stage.grant("G-CS", "censec", "cluster", START, END, target=0, awarded=20e6, share=None)
    stage.account(
        "censec", 2025,
        deb=50, other_public=0, membership=50, sponsorships=0, user_payments=0, cash=0.5, costs=12,
    )  # fmt: skip

    # clean: no accounts at all -> c = 1; target 4 -> expected 2, one SME -> r = 0.5
    stage.grant("G-CL", "clean", "cluster", START, END, target=4, awarded=8e6, share=0.40)
    stage.activity("A-CL", "G-CL", "2025-05-01")
    stage.participation("A-CL", "44444444", "2025-05-01")
    stage.firm("44444444", 2025, employees=10)

    # am-hub: a grant that starts only in 2027: expected 0 -> r = 1, and fiscal 2025 does not
    #   overlap it -> a baseline year: share 20 / 100 = 0.2 with target null (not 0.5) -> c = 1
    stage.grant(
        "G-AH", "am-hub", "cluster", "2027-01-01", "2028-12-31", target=10, awarded=5e6, share=0.50
    )
    stage.account(
        "am-hub", 2025,
        deb=70, other_public=10, membership=10, sponsorships=0, user_payments=10, cash=24, costs=12,
        advance=6,
    )  # fmt: skip
    return stage.run(AS_OF)


def test_payout_at_risk_per_grant_from_progress_and_cofinancing(results) -> None:  # noqa: ANN001
    r = results
    # odense-robotics, c = 0.20 / 0.25 = 0.8 (latest fiscal year with accounts: 2025)
    #   cluster grant:    f = min(1, 0.75, 0.8) = 0.75 -> 30m x 0.25 = 7.5m
    #   innovation grant: f = min(1, 0, 0.8) = 0       -> 10m x 1    = 10m
    assert r.value("odense-robotics", "payout_at_risk_dkk") == pytest.approx(17_500_000)
    # clean: f = min(1, 0.5, 1) = 0.5 -> 8m x 0.5 = 4m
    assert r.value("clean", "payout_at_risk_dkk") == pytest.approx(4_000_000)
    # censec (r = 1, c = 1) and am-hub (r = 1, c = 1): nothing at risk
    assert r.value("censec", "payout_at_risk_dkk") == 0
    assert r.value("am-hub", "payout_at_risk_dkk") == 0
    # granted clusters without grants: no grant, nothing at risk (the row exists)
    for cluster in OTHER_CLUSTERS:
        assert r.value(cluster, "payout_at_risk_dkk") == 0
    # ALL = 17.5m + 4m
    row = r["ALL", "payout_at_risk_dkk", "to_date"]
    assert row["value"] == pytest.approx(21_500_000)
    assert (row["target"], row["expected"], row["n_firms"], row["status"]) == (
        None, None, None, "no_target",
    )  # fmt: skip
    assert not r.flags_for("odense-robotics", "payout_at_risk_dkk")


def test_private_cash_gap_per_fiscal_year(results) -> None:  # noqa: ANN001
    r = results
    assert r.value("odense-robotics", "private_cash_gap_dkk", "2025") == pytest.approx(5.0)
    # null where the target is null: a baseline year, a cluster without a committed share
    assert r.value("odense-robotics", "private_cash_gap_dkk", "2024") is None
    assert r.value("censec", "private_cash_gap_dkk", "2025") is None
    assert r.value("am-hub", "private_cash_gap_dkk", "2025") is None
    assert ("clean", "private_cash_gap_dkk", "2025") not in r.rows  # no accounts, no row
    # ALL = the sum over the clusters with a value (odense only), not the national ratio's gap
    # (which would be 0.2962 x 300 - 90 = -1.13)
    assert r.value("ALL", "private_cash_gap_dkk", "2025") == pytest.approx(5.0)
    assert r.value("ALL", "private_cash_gap_dkk", "2024") is None
    assert r["ALL", "private_cash_gap_dkk", "2025"]["status"] == "no_target"


def test_amended_cofinancing_rule_baseline_years_have_no_target(results) -> None:  # noqa: ANN001
    r = results
    row = r["odense-robotics", "private_cofinancing_share", "2025"]
    assert row["value"] == pytest.approx(0.20) and row["target"] == pytest.approx(0.25)
    assert row["status"] == "behind"  # 0.20 >= 0.75 x 0.25 = 0.1875
    row = r["odense-robotics", "private_cofinancing_share", "2024"]
    assert row["value"] == pytest.approx(0.10)  # the baseline keeps its value ...
    assert row["target"] is None and row["status"] == "no_target"  # ... and is not judged
    row = r["am-hub", "private_cofinancing_share", "2025"]
    assert row["value"] == pytest.approx(0.20) and row["target"] is None
    assert row["status"] == "no_target"
    # ALL 2025: private 20 + 50 + 20 = 90 of 300 = 0.30; target over every grant stating a share:
    # (0.30 x 30m + 0.10 x 10m + 0.40 x 8m + 0.50 x 5m) / (30m + 10m + 8m + 5m) = 15.7 / 53
    row = r["ALL", "private_cofinancing_share", "2025"]
    assert row["value"] == pytest.approx(0.30) and row["target"] == pytest.approx(15.7 / 53)
    assert row["status"] == "on_track"
    # ALL 2024: no grant of any cluster overlaps 2024
    row = r["ALL", "private_cofinancing_share", "2024"]
    assert row["value"] == pytest.approx(0.10) and row["target"] is None
    assert row["status"] == "no_target"
    cof = [(f[0], f[2], f[3]) for f in r.flags if f[1] == "private_cofinancing_share"]
    assert cof == [("odense-robotics", "2025", "WARN")]


def test_free_liquidity_months_and_its_flags(results) -> None:  # noqa: ANN001
    r = results
    row = r["odense-robotics", "free_liquidity_months", "2025"]
    assert row["value"] == pytest.approx(-3.0) and row["status"] == "critical"
    assert row["target"] is None
    # the ordinary liquidity of the same year looks healthy: 6 / (12 / 12) = 6 months
    assert r["odense-robotics", "liquidity_months", "2025"]["status"] == "on_track"
    assert r["odense-robotics", "free_liquidity_months", "2024"]["value"] == pytest.approx(6.0)
    assert r["odense-robotics", "free_liquidity_months", "2024"]["status"] == "on_track"
    row = r["censec", "free_liquidity_months", "2025"]
    assert row["value"] == pytest.approx(0.5) and row["status"] == "behind"
    # am-hub: (24 - 6) / 1 = 18 months
    assert r["am-hub", "free_liquidity_months", "2025"]["value"] == pytest.approx(18.0)
    assert ("ALL", "free_liquidity_months", "2025") not in r.rows  # cluster grain only
    (crit,) = r.flags_for("odense-robotics", "free_liquidity_months")
    assert crit[2:4] == ("2025", "ERROR")
    assert "Odense Robotics" in crit[4] and "-3,0 months" in crit[4]
    assert "advances" in crit[4] and "exceed the cash" in crit[4]
    (warn,) = r.flags_for("censec", "free_liquidity_months")
    assert warn[2:4] == ("2025", "WARN") and "0,5 months" in warn[4] and "under 1 month)" in warn[4]


def test_user_payment_share(results) -> None:  # noqa: ANN001
    r = results
    assert r.value("odense-robotics", "user_payment_share", "2025") == pytest.approx(0.25)
    assert r.value("odense-robotics", "user_payment_share", "2024") == 0  # 0 / 10
    assert r.value("censec", "user_payment_share", "2025") == 0  # 0 / 50
    assert r.value("am-hub", "user_payment_share", "2025") == pytest.approx(0.5)  # 10 / 20
    # ALL 2025 = (5 + 0 + 10) / (20 + 50 + 20) = 15 / 90
    assert r.value("ALL", "user_payment_share", "2025") == pytest.approx(15 / 90)
    assert r["ALL", "user_payment_share", "2025"]["status"] == "no_target"


def test_overlap_boundaries_zero_private_cash_and_zero_costs(stage) -> None:  # noqa: ANN001
    # digitallead: one grant 2024-06-01 .. 2025-01-01 (share 0.3, target 0)
    #   2023: not overlapping (starts after 31 Dec 2023)          -> baseline, target null
    #   2024: overlapping                                          -> target 0.3
    #   2025: period_end 2025-01-01 >= 1 Jan 2025: overlapping    -> target 0.3
    #   2026: the grant ended before 1 Jan 2026                    -> target null
    stage.grant("G-DL", "digitallead", "cluster", "2024-06-01", "2025-01-01", share=0.3, awarded=3e6)
    for year in (2023, 2024, 2025, 2026):
        stage.account(
            "digitallead", year,
            deb=70, other_public=0, membership=30, sponsorships=0, user_payments=0,
        )  # fmt: skip
    # we-build-denmark: one grant 2025-12-31 .. 2028-12-31 (share 0.3, target 10, DKK 2m)
    #   2025 overlaps (period_start 2025-12-31 <= 31 Dec 2025); no private cash at all:
    #   share 0 / 100 = 0; gap 0.3 x 100 - 0 = 30; user-payment share null (private cash 0);
    #   costs 0: both liquidity figures null, no_target
    stage.grant(
        "G-WB", "we-build-denmark", "cluster", "2025-12-31", "2028-12-31",
        target=10, share=0.3, awarded=2e6,
    )  # fmt: skip
    stage.account(
        "we-build-denmark", 2025,
        deb=100, other_public=0, membership=0, sponsorships=0, user_payments=0, costs=0,
    )  # fmt: skip
    r = stage.run("2026-06-30")
    targets = {p: r["digitallead", "private_cofinancing_share", p]["target"] for p in
               ("2023", "2024", "2025", "2026")}  # fmt: skip
    assert targets == {"2023": None, "2024": pytest.approx(0.3), "2025": pytest.approx(0.3),
                       "2026": None}  # fmt: skip
    # gap = 0.3 x 100 - 30 = 0 in the overlapping years, null in the others
    gaps = {p: r.value("digitallead", "private_cash_gap_dkk", p) for p in ("2023", "2024", "2025", "2026")}
    assert gaps == {"2023": None, "2024": pytest.approx(0.0), "2025": pytest.approx(0.0), "2026": None}

    row = r["we-build-denmark", "private_cofinancing_share", "2025"]
    assert row["value"] == 0 and row["target"] == pytest.approx(0.3) and row["status"] == "critical"
    assert r.value("we-build-denmark", "private_cash_gap_dkk", "2025") == pytest.approx(30.0)
    assert r.value("we-build-denmark", "user_payment_share", "2025") is None
    for code in ("free_liquidity_months", "liquidity_months"):
        row = r["we-build-denmark", code, "2025"]
        assert row["value"] is None and row["status"] == "no_target"
    # ALL 2025 gap = 0 (digitallead) + 30 (we-build-denmark) = 30
    assert r.value("ALL", "private_cash_gap_dkk", "2025") == pytest.approx(30.0)

    # Payout at risk on 2026-06-30:
    #   digitallead: target 0 -> r = 1; latest year 2026 has no target -> c = 1: nothing at risk
    #   we-build-denmark: expected 10 x 181 / 1096 = 1.65 > 0 with value 0 -> r = 0 -> f = 0:
    #   the whole DKK 2m (c = 0 / 0.3 = 0 would say the same)
    assert r.value("digitallead", "payout_at_risk_dkk") == 0
    assert r["we-build-denmark", "smes_collective", "to_date"]["expected"] == pytest.approx(
        10 * 181 / 1096
    )
    assert r.value("we-build-denmark", "payout_at_risk_dkk") == pytest.approx(2_000_000)
    assert r.value("ALL", "payout_at_risk_dkk") == pytest.approx(2_000_000)


def test_free_liquidity_thresholds_come_from_thresholds(stage) -> None:  # noqa: ANN001
    from pipelines.core.config import Thresholds

    # 2025: 0.5 / (12 / 12) = 0.5 months; 2026: (2 - 2.5) / 1 = -0.5 months
    stage.account("censec", 2025, deb=1, other_public=0, membership=1, sponsorships=0,
                  user_payments=0, cash=0.5, costs=12)  # fmt: skip
    stage.account("censec", 2026, deb=1, other_public=0, membership=1, sponsorships=0,
                  user_payments=0, cash=2, costs=12, advance=2.5)  # fmt: skip
    default = stage.run("2026-12-31")
    assert [default["censec", "free_liquidity_months", p]["status"] for p in ("2025", "2026")] == [
        "behind", "critical",
    ]  # fmt: skip
    # critical below -1, behind below 0.4: 0.5 -> on_track, -0.5 -> behind
    moved = stage.run(
        "2026-12-31", Thresholds(free_liquidity_critical_months=-1, free_liquidity_behind_months=0.4)
    )
    assert [moved["censec", "free_liquidity_months", p]["status"] for p in ("2025", "2026")] == [
        "on_track", "behind",
    ]  # fmt: skip
    (flag,) = moved.flags_for("censec", "free_liquidity_months")
    assert flag[2:4] == ("2026", "WARN") and "advances" in flag[4]
