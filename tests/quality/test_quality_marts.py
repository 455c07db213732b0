"""Marts suites (integrity, board reconciliation, flags) and the business checks."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest
from quality_fixtures import (
    AS_OF,
    clean_fixture,
    copy_fixture,
    evaluations,
    flag_statuses,
    run,
    set_indicator,
    write_fixture,
)

from pipelines.core.warehouse import connect_writer
from quality.definitions import MARTS_CHECKS
from quality.marts import board_reconciliation, flags_integrity, indicators_integrity
from quality.results import SuiteReport


def _failed(path: Path, fx: dict, fn) -> set[str]:  # type: ignore[no-untyped-def]
    write_fixture(path, fx)
    with connect_writer(path) as con:
        report: SuiteReport = fn(con, AS_OF)
    return {o.label for o in report.failed}


@pytest.mark.parametrize("fn", [indicators_integrity, board_reconciliation, flags_integrity])
def test_clean_marts_pass(warehouse_path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    assert _failed(warehouse_path, clean_fixture(), fn) == set()


def test_share_out_of_range(warehouse_path: Path) -> None:
    fx = copy_fixture()
    set_indicator(fx, "censec", "sme_share", value=1.2)
    assert _failed(warehouse_path, fx, indicators_integrity) == {"shares within 0..1"}


def test_missing_granted_cluster(warehouse_path: Path) -> None:
    fx = copy_fixture()
    fx["indicators"] = [r for r in fx["indicators"] if r["cluster_id"] != "clean"]
    failed = _failed(warehouse_path, fx, indicators_integrity)
    # ALL no longer equals the sum over clusters either.
    assert "every granted cluster present" in failed
    assert "national ALL value = sum over clusters" in failed


def test_other_as_of_is_ignored(warehouse_path: Path) -> None:
    fx = copy_fixture()
    fx["indicators"] += [
        dict(r, as_of=AS_OF.replace(year=2025), value=-5.0) for r in fx["indicators"]
    ]
    assert _failed(warehouse_path, fx, indicators_integrity) == set()


def test_national_sum_mismatch(warehouse_path: Path) -> None:
    fx = copy_fixture()
    set_indicator(fx, "ALL", "smes_concepts", value=1.0)
    assert _failed(warehouse_path, fx, indicators_integrity) == {
        "national ALL value = sum over clusters"
    }


def test_an_interval_only_where_the_catalogue_gives_one_and_around_the_value(warehouse_path: Path) -> None:
    rule = "ci_low <= value <= ci_high, only for indicators with an interval"
    fx = copy_fixture()
    for row in fx["indicators"]:
        row.update(ci_low=None, ci_high=None)
    set_indicator(fx, "censec", "turnover_effect_2y", value=0.05, n_firms=30, ci_low=0.01, ci_high=0.09)
    assert _failed(warehouse_path, fx, indicators_integrity) == set()
    set_indicator(fx, "censec", "turnover_effect_2y", ci_low=0.06)  # above the value
    assert _failed(warehouse_path, fx, indicators_integrity) == {rule}
    set_indicator(fx, "censec", "turnover_effect_2y", ci_low=0.01, ci_high=None)  # half an interval
    assert _failed(warehouse_path, fx, indicators_integrity) == {rule}
    set_indicator(fx, "censec", "turnover_effect_2y", ci_high=0.09)
    set_indicator(fx, "censec", "sme_share", ci_low=0.8, ci_high=0.95)  # sme_share has none
    assert _failed(warehouse_path, fx, indicators_integrity) == {rule}


def test_duplicate_indicator_row_and_unknown_code(warehouse_path: Path) -> None:
    fx = copy_fixture()
    fx["indicators"].append(dict(fx["indicators"][0]))
    fx["indicators"].append(dict(fx["indicators"][1], indicator="happiness"))
    failed = _failed(warehouse_path, fx, indicators_integrity)
    assert {"one row per cluster, indicator, period", "indicator in the catalogue"} <= failed


def test_target_sum_off_board_decision(warehouse_path: Path) -> None:
    fx = copy_fixture()
    fx["grants"][0]["target_smes"] += 1
    assert _failed(warehouse_path, fx, board_reconciliation) == {
        "targets equal the board decision (5,562 / 683)"
    }


def test_awards_within_tolerance_pass_and_beyond_fail(warehouse_path: Path) -> None:
    fx = copy_fixture()
    fx["grants"][0]["awarded_dkk"] += 40_000  # within DKK 0.05m
    assert _failed(warehouse_path, fx, board_reconciliation) == set()
    fx["grants"][0]["awarded_dkk"] += 20_000  # now 60,000 off
    assert _failed(warehouse_path, fx, board_reconciliation) == {
        "awarded_dkk adds up to the recommended amount (within DKK 0.05m)"
    }


def test_cluster_without_grants(warehouse_path: Path) -> None:
    fx = copy_fixture()
    fx["grants"] = [g for g in fx["grants"] if g["cluster_id"] != "censec"]
    failed = _failed(warehouse_path, fx, board_reconciliation)
    assert "every granted cluster has grants" in failed


def test_behind_row_without_flag(warehouse_path: Path) -> None:
    fx = copy_fixture()
    set_indicator(fx, "censec", "smes_collective", status="behind")
    assert _failed(warehouse_path, fx, flags_integrity) == {
        "every behind/critical row has a WARN/ERROR flag"
    }
    flag_statuses(fx)
    assert _failed(warehouse_path, fx, flags_integrity) == set()
    fx["flags"][0]["severity"] = "INFO"
    assert _failed(warehouse_path, fx, flags_integrity) == {
        "severity is WARN or ERROR",
        "every behind/critical row has a WARN/ERROR flag",
    }


def test_business_checks_name_exactly_the_flagged_clusters(tmp_path: Path) -> None:
    fx = copy_fixture()
    set_indicator(fx, "censec", "smes_collective", value=100.0, status="behind")
    set_indicator(fx, "clean", "smes_collective", value=120.0, status="behind")
    set_indicator(fx, "odense-robotics", "smes_concepts", value=2.0, status="critical")
    set_indicator(fx, "censec", "smes_concepts", value=2.0, status="critical")  # critical wins
    set_indicator(fx, "digitallead", "private_cofinancing_share", value=0.25, status="behind")
    set_indicator(fx, "am-hub", "liquidity_months", value=0.5, status="critical")
    set_indicator(fx, "clean", "liquidity_months", value=2.0, status="behind")
    # A behind row of an earlier fiscal year is history, not the current status.
    fx["indicators"].append(
        dict(
            next(r for r in fx["indicators"] if r["indicator"] == "liquidity_months"),
            period="2024",
            status="critical",
        )
    )
    # National figures are recomputed so that the integrity checks stay green.
    for ind in ("smes_collective", "smes_concepts"):
        total = sum(
            r["value"]
            for r in fx["indicators"]
            if r["indicator"] == ind and r["cluster_id"] != "ALL"
        )
        set_indicator(fx, "ALL", ind, value=total)
    flag_statuses(fx)
    result = run(tmp_path, fx, MARTS_CHECKS)
    ev = evaluations(result)
    assert result.success  # business failures never fail the run

    reach = ev[("marts/indicators", "cluster_status_reach_trajectory")]
    # performance, not health: WARN even with critical clusters (the worst is in the metadata)
    assert not reach.passed and reach.severity == dg.AssetCheckSeverity.WARN
    assert reach.metadata["worst"].value == "critical"
    assert reach.metadata["clusters_critical"].value == ["censec", "odense-robotics"]
    assert reach.metadata["clusters_behind"].value == ["clean"]
    assert "odense-robotics" in reach.description and "censec" in reach.description
    assert "100" in reach.metadata["figures"].value

    cofin = ev[("marts/indicators", "cluster_status_private_cofinancing")]
    assert not cofin.passed and cofin.severity == dg.AssetCheckSeverity.WARN
    assert cofin.metadata["clusters_behind"].value == ["digitallead"]
    assert cofin.metadata["clusters_critical"].value == []
    assert "25.0%" in cofin.description

    econ = ev[("marts/indicators", "cluster_status_economic_sustainability")]
    assert not econ.passed and econ.severity == dg.AssetCheckSeverity.WARN
    assert econ.metadata["worst"].value == "critical"
    assert econ.metadata["clusters_critical"].value == ["am-hub"]
    assert econ.metadata["clusters_behind"].value == ["clean"]

    assert ev[("marts/indicators", "cluster_status_firm_effects")].passed
    for name in ("indicators_integrity", "board_reconciliation"):
        assert ev[("marts/indicators", name)].passed, ev[("marts/indicators", name)].description
    assert ev[("marts/flags", "flags_integrity")].passed


def test_firm_effect_below_zero_is_critical(tmp_path: Path) -> None:
    fx = copy_fixture()
    set_indicator(
        fx, "food-bio-cluster", "turnover_effect_2y", value=-0.02, n_firms=8, status="critical"
    )
    flag_statuses(fx)
    ev = evaluations(run(tmp_path, fx, MARTS_CHECKS))
    effects = ev[("marts/indicators", "cluster_status_firm_effects")]
    assert not effects.passed and effects.severity == dg.AssetCheckSeverity.WARN
    assert effects.metadata["worst"].value == "critical"
    assert effects.metadata["clusters_critical"].value == ["food-bio-cluster"]
    assert "-2.0%" in effects.description


def _with_money_rows(fx: dict) -> dict:
    """Payout at risk (to_date) and the private cash gap (2024 baseline, 2025) per cluster + ALL."""
    from quality_fixtures import _indicator

    clusters = sorted({g["cluster_id"] for g in fx["grants"]})
    for i, cluster in enumerate(clusters):
        fx["indicators"] += [
            _indicator(cluster, "payout_at_risk_dkk", "to_date", 1_000_000.0 * i),
            _indicator(cluster, "private_cash_gap_dkk", "2024", None),
            _indicator(cluster, "private_cash_gap_dkk", "2025", 1000.0 - 500.0 * i),
            _indicator(cluster, "user_payment_share", "2025", 0.2),
        ]
    n = len(clusters)
    fx["indicators"] += [
        _indicator("ALL", "payout_at_risk_dkk", "to_date", 1_000_000.0 * n * (n - 1) / 2),
        _indicator("ALL", "private_cash_gap_dkk", "2024", None),  # no cluster has a value
        _indicator("ALL", "private_cash_gap_dkk", "2025", sum(1000.0 - 500.0 * i for i in range(n))),
        _indicator("ALL", "user_payment_share", "2025", 0.2),
    ]
    return fx


def test_money_rows_pass_and_each_money_rule_fails_on_its_break(warehouse_path: Path) -> None:
    fx = _with_money_rows(copy_fixture())
    assert _failed(warehouse_path, fx, indicators_integrity) == set()

    # censec's grants award 44.1m (board decision): 44.2m at risk is more than it can lose
    broken = copy_fixture(fx)
    set_indicator(broken, "censec", "payout_at_risk_dkk", value=44_200_000.0)
    failed = _failed(warehouse_path, broken, indicators_integrity)
    assert "payout at risk not above the awarded amount" in failed
    # exactly the whole award is possible
    edge = copy_fixture(fx)
    awarded = sum(g["awarded_dkk"] for g in edge["grants"] if g["cluster_id"] == "censec")
    before = next(r["value"] for r in edge["indicators"]
                  if (r["cluster_id"], r["indicator"]) == ("censec", "payout_at_risk_dkk"))
    set_indicator(edge, "censec", "payout_at_risk_dkk", value=awarded)
    set_indicator(edge, "ALL", "payout_at_risk_dkk",
                  value=next(r["value"] for r in edge["indicators"]
                             if (r["cluster_id"], r["indicator"]) == ("ALL", "payout_at_risk_dkk"))
                  - before + awarded)  # fmt: skip
    assert _failed(warehouse_path, edge, indicators_integrity) == set()

    broken = copy_fixture(fx)
    set_indicator(broken, "am-hub", "payout_at_risk_dkk", value=-1.0)  # am-hub's was 0
    assert "counts and payouts not negative" in _failed(warehouse_path, broken, indicators_integrity)

    broken = copy_fixture(fx)
    for row in broken["indicators"]:
        if (row["cluster_id"], row["indicator"], row["period"]) == ("ALL", "private_cash_gap_dkk", "2025"):
            row["value"] += 1.0
    assert _failed(warehouse_path, broken, indicators_integrity) == {
        "national ALL value = sum over clusters"
    }

    broken = copy_fixture(fx)  # the clusters have a 2025 gap, ALL has none
    for row in broken["indicators"]:
        if (row["cluster_id"], row["indicator"], row["period"]) == ("ALL", "private_cash_gap_dkk", "2025"):
            row["value"] = None
    assert _failed(warehouse_path, broken, indicators_integrity) == {
        "national ALL value given where a cluster has one"
    }

    broken = copy_fixture(fx)
    broken["indicators"] = [
        r for r in broken["indicators"]
        if (r["cluster_id"], r["indicator"]) != ("ALL", "payout_at_risk_dkk")
    ]
    assert _failed(warehouse_path, broken, indicators_integrity) == {"national ALL row present"}

    broken = copy_fixture(fx)  # the unit "share" of the catalogue bounds it
    set_indicator(broken, "clean", "user_payment_share", value=1.5)
    assert _failed(warehouse_path, broken, indicators_integrity) == {"shares within 0..1"}
