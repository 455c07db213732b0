"""The checks inside Dagster: clean runs pass, blocking checks stop indicators, ingestion health."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import pytest
from quality_fixtures import clean_fixture, copy_fixture, evaluations, ingested_file, run

from pipelines.core.contract import INGESTION_ORDER
from quality.definitions import ALL_CHECKS, STAGING_CHECKS, defs, ingestion_health_check


def _materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        e.event_specific_data.materialization.asset_key.to_user_string()  # type: ignore[union-attr]
        for e in result.all_events
        if e.event_type_value == "ASSET_MATERIALIZATION"
    }


def _started_steps(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        e.step_key for e in result.all_events if e.event_type_value == "STEP_START" and e.step_key
    }


def test_definitions_load_without_importing_gx() -> None:
    import subprocess
    import sys

    # A fresh interpreter: loading the Definitions (the UI's code location) must not pay GX's
    # import; it happens lazily in the first check that validates.
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, pipelines.definitions; print('great_expectations' in sys.modules)"],
        capture_output=True, text=True, check=True,
    )
    assert probe.stdout.strip() == "False"
    assert defs.asset_checks is not None
    keys = {(k.asset_key.to_user_string(), k.name) for c in ALL_CHECKS for k in c.check_keys}
    for ds in INGESTION_ORDER:
        assert {
            (f"staging/{ds}", n) for n in ("contract_suite", "statistics_suite", "ingestion_health")
        } <= keys
    blocking = {
        (s.asset_key.to_user_string(), s.name)
        for c in ALL_CHECKS
        for s in c.check_specs
        if s.blocking
    }
    assert blocking == {(f"staging/{ds}", "contract_suite") for ds in INGESTION_ORDER}


def test_clean_run_passes_every_check(tmp_path: Path) -> None:
    result = run(tmp_path, clean_fixture(), ALL_CHECKS)
    assert result.success
    ev = evaluations(result)
    assert len(ev) == sum(len(list(c.check_keys)) for c in ALL_CHECKS)
    failed = {k: e.description for k, e in ev.items() if not e.passed}
    assert failed == {}
    grants = ev[("staging/grants", "contract_suite")]
    assert grants.metadata["expectations_failed"].value == 0
    assert grants.metadata["validation_mode"].value == "full table"


def test_blocking_contract_check_stops_indicators(tmp_path: Path) -> None:
    fx = copy_fixture()
    fx["grants"][0]["cluster_id"] = "made"  # a rejected applicant
    fx["grants"][1]["awarded_dkk"] = -10.0
    result = run(tmp_path, fx, STAGING_CHECKS)
    assert not result.success
    ev = evaluations(result)
    check = ev[("staging/grants", "contract_suite")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert check.metadata["unexpected_counts"].value == {
        "awarded_dkk >= 0": 1,
        "cluster_id is a granted cluster": 1,
    }
    sample = [r.data for r in check.metadata["offending_rows_sample"].records]
    assert any(r["cluster_id"] == "made" and r["_file_name"] == "grants/fixture.csv" for r in sample)
    assert "failed_expectations" in check.metadata
    done = _materialized(result)
    assert "staging/grants" in done
    assert "marts/indicators" not in done and "marts/flags" not in done
    started = _started_steps(result)
    assert "staging__grants_contract_suite" in started
    assert "marts__indicators" not in started and "marts__flags" not in started
    assert "staging__grants_contract_suite" in {
        e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"
    }


def test_statistical_failure_warns_but_does_not_block(tmp_path: Path) -> None:
    fx = copy_fixture()
    fx["activities"][0].update(theme="other", theme_original="quantum")
    result = run(tmp_path, fx, STAGING_CHECKS)
    assert result.success
    ev = evaluations(result)
    stats = ev[("staging/activities", "statistics_suite")]
    assert not stats.passed and stats.severity == dg.AssetCheckSeverity.WARN
    assert ev[("staging/activities", "contract_suite")].passed
    assert {"marts/indicators", "marts/flags"} <= _materialized(result)


def test_outcome_of_an_activity_moved_to_a_cluster_grant_warns_and_indicators_are_built(
    tmp_path: Path,
) -> None:
    """A later file re-delivers an innovation activity under its cluster's cluster grant.

    The outcome accepted earlier no longer qualifies. That is a correction, not a broken
    contract: the run goes on (the output contract's exit 0) and the statistics suite names it.
    """
    fx = copy_fixture()
    outcome = fx["innovation_outcomes"][0]
    activity = next(a for a in fx["activities"] if a["activity_id"] == outcome["activity_id"])
    cluster_grant = next(
        g["grant_id"]
        for g in fx["grants"]
        if g["grant_type"] == "cluster" and activity["grant_id"].startswith(g["cluster_id"])
    )
    activity["grant_id"] = cluster_grant
    result = run(tmp_path, fx, STAGING_CHECKS)
    assert result.success
    ev = evaluations(result)
    assert ev[("staging/innovation_outcomes", "contract_suite")].passed
    stats = ev[("staging/innovation_outcomes", "statistics_suite")]
    assert not stats.passed and stats.severity == dg.AssetCheckSeverity.WARN
    assert stats.metadata["expectations_failed"].value == 1
    assert "activity belongs to an innovation grant" in stats.description
    assert {"marts/indicators", "marts/flags"} <= _materialized(result)


def _files(**overrides: list[dict]) -> list[dict]:
    files = [
        ingested_file(ds, f"{ds}/fixture.csv", total=100, rejected=1) for ds in INGESTION_ORDER
    ]
    for extra in overrides.values():
        files += extra
    return files


def test_ingestion_health_fails_on_a_failed_file(tmp_path: Path) -> None:
    broken = ingested_file(
        "accounts",
        "accounts/2026.xlsx",
        status="failed",
        total=0,
        error="accounts/2026.xlsx: missing column cash_dkk",
    )
    result = run(tmp_path, clean_fixture(), [ingestion_health_check], files=_files(extra=[broken]))
    assert result.success  # not blocking
    ev = evaluations(result)
    check = ev[("staging/accounts", "ingestion_health")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert [r.data["file"] for r in check.metadata["failed_files"].records] == ["accounts/2026.xlsx"]
    assert "missing column cash_dkk" in check.description + check.metadata["notes"].value
    others = {k: e.passed for k, e in ev.items() if k[0] != "staging/accounts"}
    assert all(others.values())


def test_ingestion_health_forgets_a_failure_fixed_later(tmp_path: Path) -> None:
    failed = ingested_file(
        "firms", "firms/2026.csv", status="failed", total=0, error="bad", at=dt.datetime(2026, 6, 1)
    )
    fixed = ingested_file("firms", "firms/2026.csv", total=50, at=dt.datetime(2026, 6, 2))
    result = run(
        tmp_path, clean_fixture(), [ingestion_health_check], files=_files(extra=[failed, fixed])
    )
    assert evaluations(result)[("staging/firms", "ingestion_health")].passed


def test_ingestion_health_rejected_share_threshold_is_configurable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _files(
        extra=[ingested_file("participation", "participation/2026.csv", total=100, rejected=20)]
    )
    ev = evaluations(run(tmp_path / "a", clean_fixture(), [ingestion_health_check], files=files))
    check = ev[("staging/participation", "ingestion_health")]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert check.metadata["rejected_share"].value == pytest.approx(21 / 200)
    assert ev[("staging/grants", "ingestion_health")].passed  # 1 % rejected

    monkeypatch.setenv("IMPACT_MAX_REJECTED_SHARE", "0.2")
    ev = evaluations(run(tmp_path / "b", clean_fixture(), [ingestion_health_check], files=files))
    assert ev[("staging/participation", "ingestion_health")].passed
