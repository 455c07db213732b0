"""Accounts indicators (co-financing, equity, liquidity, DEB dependence) and the revenue flag."""

from __future__ import annotations

import pytest

START, END = "2025-01-01", "2028-12-31"


@pytest.fixture
def results(stage):  # noqa: ANN001, ANN201 - pytest objects
    # committed shares: 0.30 on DKK 30m and 0.10 on DKK 10m -> weighted target (9 + 1) / 40 = 0.25
    stage.grant("G-OR", "odense-robotics", "cluster", START, END, awarded=30e6, share=0.30)
    stage.grant("I-OR", "odense-robotics", "innovation", START, END, awarded=10e6, share=0.10)
    stage.grant("G-CS", "censec", "cluster", START, END, awarded=20e6, share=None)
    # 2025: private 10+5+5+5 = 25, public 50+25 = 75 -> 0.25 = target -> on_track;
    #       in-kind is never co-financing; equity -1 / assets 10 -> critical; cash 2 / (12/12) = 2
    stage.account(
        "odense-robotics",
        2025,
        deb=50,
        other_public=25,
        membership=10,
        sponsorships=5,
        user_payments=5,
        other_private=5,
        in_kind=1000,
        equity=-1,
        total_assets=10,
        cash=2,
        costs=12,
    )
    # 2026: private 20 / 100 = 0.20 >= 0.75 * 0.25 = 0.1875 -> behind; liquidity 0.5 -> critical;
    #       revenue 102 vs lines 100: 2 % off -> flagged
    stage.account(
        "odense-robotics",
        2026,
        deb=60,
        other_public=20,
        membership=10,
        sponsorships=5,
        user_payments=5,
        revenue=102,
        cash=0.5,
        costs=12,
    )
    # 2024: private 10 / 100 = 0.10, a baseline year (before the grants' 2025-01-01 start: amended
    #       rule) -> target null, no_target; liquidity 3 -> on_track; revenue 0.5 % off: ok
    stage.account(
        "odense-robotics",
        2024,
        deb=80,
        other_public=10,
        membership=10,
        sponsorships=0,
        user_payments=0,
        revenue=100.5,
        cash=3,
        costs=12,
    )
    # 2027 is after year(as_of): ignored
    stage.account(
        "odense-robotics",
        2027,
        deb=1,
        other_public=0,
        membership=0,
        sponsorships=0,
        user_payments=0,
    )
    # censec 2025: 50 / 100 = 0.5, no committed share -> no_target
    stage.account(
        "censec",
        2025,
        deb=50,
        other_public=0,
        membership=50,
        sponsorships=0,
        user_payments=0,
        cash=12,
        costs=12,
    )
    return stage.run("2026-12-31")


def test_private_cofinancing_share_and_status(results) -> None:  # noqa: ANN001
    r = results
    row = r["odense-robotics", "private_cofinancing_share", "2025"]
    assert row["value"] == pytest.approx(0.25) and row["target"] == pytest.approx(0.25)
    assert row["status"] == "on_track"
    row = r["odense-robotics", "private_cofinancing_share", "2026"]
    assert row["value"] == pytest.approx(0.20) and row["status"] == "behind"
    row = r["odense-robotics", "private_cofinancing_share", "2024"]
    assert row["value"] == pytest.approx(0.10)
    assert row["target"] is None and row["status"] == "no_target"
    assert ("odense-robotics", "private_cofinancing_share", "2027") not in r.rows
    row = r["censec", "private_cofinancing_share", "2025"]
    assert row["value"] == pytest.approx(0.5) and row["target"] is None
    assert row["status"] == "no_target"
    # ALL 2025 = ratio of sums (25 + 50) / (100 + 100); target over all grants stating a share
    row = r["ALL", "private_cofinancing_share", "2025"]
    assert row["value"] == pytest.approx(0.375) and row["target"] == pytest.approx(0.25)
    assert row["status"] == "on_track"
    assert row["expected"] is None


def test_equity_liquidity_deb(results) -> None:  # noqa: ANN001
    r = results
    assert r["odense-robotics", "equity_ratio", "2025"]["value"] == pytest.approx(-0.1)
    assert r["odense-robotics", "equity_ratio", "2025"]["status"] == "critical"
    assert r["odense-robotics", "equity_ratio", "2026"]["status"] == "no_target"
    assert r["odense-robotics", "liquidity_months", "2025"]["value"] == pytest.approx(2.0)
    assert r["odense-robotics", "liquidity_months", "2025"]["status"] == "behind"
    assert r["odense-robotics", "liquidity_months", "2026"]["status"] == "critical"
    assert r["odense-robotics", "liquidity_months", "2024"]["status"] == "on_track"
    assert r["odense-robotics", "deb_dependence", "2026"]["value"] == pytest.approx(60 / 102)
    assert r["odense-robotics", "deb_dependence", "2026"]["status"] == "no_target"
    assert ("ALL", "equity_ratio", "2025") not in r.rows


def test_account_flags(results) -> None:  # noqa: ANN001
    r = results
    mismatch = r.flags_for("odense-robotics", "dq_revenue_mismatch")
    assert [(f[2], f[3]) for f in mismatch] == [("2026", "WARN")]
    assert "102 DKK" in mismatch[0][4] and "100 DKK" in mismatch[0][4]
    cof = {f[2]: f[3] for f in r.flags_for("odense-robotics", "private_cofinancing_share")}
    assert cof == {"2026": "WARN"}  # 2024 is a baseline year: no target, no flag
    (eq,) = r.flags_for("odense-robotics", "equity_ratio")
    assert eq[2:4] == ("2025", "ERROR") and "negative equity" in eq[4]
    liq = {f[2]: f[3] for f in r.flags_for("odense-robotics", "liquidity_months")}
    assert liq == {"2025": "WARN", "2026": "ERROR"}
