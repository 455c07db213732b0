"""Staging suites: clean fixture passes; each rule fails on rows built to break it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from quality_fixtures import Fixture, clean_fixture, copy_fixture, write_fixture

from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.warehouse import connect_writer
from quality.results import MAX_SAMPLE_ROWS, SuiteReport
from quality.staging import ScaleOptions, validate_staging_table

FULL = ScaleOptions()
PUSHDOWN = ScaleOptions(full_max_rows=5, sample_rows=4, suspect_cap=3)


def _validate(
    path: Path, fx: Fixture, dataset: str, structural: bool, scale: ScaleOptions = FULL
) -> SuiteReport:
    write_fixture(path, fx)
    with connect_writer(path) as con:
        return validate_staging_table(con, dataset, structural, scale=scale)


@pytest.mark.parametrize("dataset", INGESTION_ORDER)
@pytest.mark.parametrize("structural", [True, False])
def test_clean_fixture_passes(warehouse_path: Path, dataset: str, structural: bool) -> None:
    report = _validate(warehouse_path, clean_fixture(), dataset, structural)
    assert report.passed, report.summary()
    assert report.outcomes


def _first(fx: Fixture, table: str, **changes: object) -> None:
    fx[table][0].update(changes)


def _dup(fx: Fixture, table: str) -> None:
    fx[table].append(dict(fx[table][0]))


# (dataset, how to break it, the expectation label that must fail)
STRUCTURAL_BREAKS: list[tuple[str, Callable[[Fixture], None], str]] = [
    (
        "grants",
        lambda fx: _first(fx, "grants", grant_type="loan"),
        "grant_type in cluster/innovation",
    ),
    ("grants", lambda fx: _first(fx, "grants", awarded_dkk=-1.0), "awarded_dkk >= 0"),
    (
        "grants",
        lambda fx: _first(fx, "grants", committed_private_share=1.2),
        "committed_private_share >= 0 and <= 1",
    ),
    (
        "grants",
        lambda fx: _first(fx, "grants", cluster_id="made"),
        "cluster_id is a granted cluster",
    ),
    ("grants", lambda fx: _dup(fx, "grants"), "key (grant_id) unique"),
    (
        "grants",
        lambda fx: _first(fx, "grants", period_end=fx["grants"][0]["period_start"]),
        "period_end after period_start",
    ),
    (
        "accounts",
        lambda fx: _first(fx, "accounts", fiscal_year=1999),
        "fiscal_year >= 2000 and <= 2100",
    ),
    ("accounts", lambda fx: _first(fx, "accounts", total_assets_dkk=0.0), "total_assets_dkk > 0"),
    ("accounts", lambda fx: _dup(fx, "accounts"), "key (cluster_id, fiscal_year) unique"),
    (
        "activities",
        lambda fx: _first(fx, "activities", grant_id="no-such-grant"),
        "grant_id is in staging.grants",
    ),
    ("activities", lambda fx: _first(fx, "activities", theme="quantum"), "theme is a theme code"),
    (
        "activities",
        lambda fx: _first(fx, "activities", end_date=None),
        None,
    ),  # optional: stays clean
    ("participation", lambda fx: _first(fx, "participation", cvr="1234567"), "cvr is 8 digits"),
    (
        "participation",
        lambda fx: _first(fx, "participation", activity_id="nope"),
        "activity_id is in staging.activities",
    ),
    ("participation", lambda fx: _dup(fx, "participation"), "key (activity_id, cvr) unique"),
    (
        "innovation_outcomes",
        lambda fx: _first(fx, "innovation_outcomes", cvr="12345674"),
        "outcome has a participation row",
    ),
    (
        "innovation_outcomes",
        lambda fx: _first(fx, "innovation_outcomes", concept_date=None),
        "concept_date given when concept developed",
    ),
    ("firms", lambda fx: _first(fx, "firms", region="DK09"), "region in DK01/DK02/DK03/DK04/DK05"),
    ("firms", lambda fx: _first(fx, "firms", nace_code="62A"), "nace_code is 2-6 digits"),
    ("firms", lambda fx: _first(fx, "firms", employees=-3.0), "employees >= 0"),
    ("firms", lambda fx: _dup(fx, "firms"), "key (cvr, year) unique"),
    ("survey_demand", lambda fx: _first(fx, "survey_demand", demand=6), "demand >= 1 and <= 5"),
    (
        "survey_demand",
        lambda fx: _first(fx, "survey_demand", respondent_cvr="DK123"),
        "respondent_cvr is 8 digits",
    ),
    (
        "survey_network",
        lambda fx: _first(fx, "survey_network", org_type="alien"),
        "org_type in sme/large_firm/knowledge_institution/public/other",
    ),
    (
        "survey_network",
        lambda fx: _first(fx, "survey_network", cluster_id="danish-sound"),
        "cluster_id is a granted cluster",
    ),
    (
        "applications",
        lambda fx: _first(fx, "applications", cluster_id="quantum-cluster"),
        "cluster_id is an applicant",
    ),
    ("applications", lambda fx: _first(fx, "applications", grant_type="loan"), "grant_type in cluster/innovation"),
    (
        "applications",
        lambda fx: _first(fx, "applications", weighted_score=10.5),
        "weighted_score >= 0 and <= 10",
    ),
    ("applications", lambda fx: _first(fx, "applications", applied_dkk=-1.0), "applied_dkk >= 0"),
    ("applications", lambda fx: _dup(fx, "applications"), "key (cluster_id, grant_type) unique"),
]


@pytest.mark.parametrize(("dataset", "breaker", "label"), STRUCTURAL_BREAKS)
def test_contract_suite_fails_on_broken_rows(
    warehouse_path: Path, dataset: str, breaker: Callable[[Fixture], None], label: str | None
) -> None:
    fx = copy_fixture()
    breaker(fx)
    report = _validate(warehouse_path, fx, dataset, structural=True)
    if label is None:
        assert report.passed, report.summary()
        return
    failed = {o.label for o in report.failed}
    assert failed == {label}, report.summary()
    assert report.offending_rows is not None
    assert label in report.offending_rows["failed_expectations"].iloc[0]
    assert report.offending_rows["_file_name"].iloc[0] == f"{dataset}/fixture.csv"


STATISTICAL_BREAKS: list[tuple[str, Callable[[Fixture], None], str]] = [
    (
        "innovation_outcomes",
        lambda fx: _first(
            fx, "innovation_outcomes", activity_id=fx["activities"][0]["activity_id"]
        ),
        "activity belongs to an innovation grant",
    ),
    (
        "accounts",
        lambda fx: _first(fx, "accounts", revenue_total_dkk=12_000_000.0),
        "revenue total within 1% of the funding lines",
    ),
    (
        "activities",
        lambda fx: _first(fx, "activities", theme="other", theme_original="quantum"),
        "theme delivered as a known code",
    ),
    (
        "participation",
        lambda fx: fx["firms"].clear(),
        "participating firm found in the firm register",
    ),
    (
        "firms",
        lambda fx: [r.update(turnover_dkk=None) for r in fx["firms"]],
        "turnover disclosed for most firms",
    ),
    (
        "survey_network",
        lambda fx: _first(fx, "survey_network", partner_id=fx["survey_network"][0]["org_id"]),
        "no self-relations",
    ),
    ("survey_demand", lambda fx: fx["survey_demand"].clear(), "table has rows"),
    (
        "applications",
        lambda fx: _first(fx, "applications", applied_dkk=fx["grants"][0]["awarded_dkk"] - 1),
        "grants of the type award no more than was applied for",
    ),
]


def test_an_optional_dataset_never_delivered_passes_both_suites(warehouse_path: Path) -> None:
    """applications is optional (inputs.md): an empty table is neither a contract breach nor a
    statistical warning (no "table has rows" rule)."""
    fx = copy_fixture()
    fx["applications"].clear()
    for structural in (True, False):
        report = _validate(warehouse_path, fx, "applications", structural)
        assert report.passed and report.outcomes, report.summary()
        assert "table has rows" not in {o.label for o in report.outcomes}


@pytest.mark.parametrize(("dataset", "breaker", "label"), STATISTICAL_BREAKS)
def test_statistics_suite_fails_on_broken_rows(
    warehouse_path: Path, dataset: str, breaker: Callable[[Fixture], None], label: str
) -> None:
    fx = copy_fixture()
    breaker(fx)
    report = _validate(warehouse_path, fx, dataset, structural=False)
    assert {o.label for o in report.failed} == {label}, report.summary()
    # ... and the same rows do not break the contract.
    assert _validate(warehouse_path, fx, dataset, structural=True).passed


def test_column_type_mismatch_is_structural(warehouse_path: Path) -> None:
    write_fixture(warehouse_path, clean_fixture())
    with connect_writer(warehouse_path) as con:
        con.execute("ALTER TABLE staging.survey_demand ALTER demand TYPE VARCHAR").fetchall()
        report = validate_staging_table(con, "survey_demand", True)
    assert [o.label for o in report.failed] == ["column types match the contract"]


def test_pushdown_mode_counts_exactly_and_fails_like_full_mode(warehouse_path: Path) -> None:
    fx = copy_fixture()
    for row in fx["firms"][:3]:
        row["region"] = "DK99"
    _dup(fx, "firms")
    full = _validate(warehouse_path, fx, "firms", True, FULL)
    pushed = _validate(warehouse_path, fx, "firms", True, PUSHDOWN)
    assert pushed.mode.startswith("pushdown")
    assert (
        {o.label for o in pushed.failed}
        == {o.label for o in full.failed}
        == {
            "region in DK01/DK02/DK03/DK04/DK05",
            "key (cvr, year) unique",
        }
    )
    region = next(o for o in pushed.failed if o.label.startswith("region"))
    assert (
        pushed.unexpected_count(region) == 4
    )  # the duplicate repeats a broken row: exact, not capped
    assert pushed.validated_rows < len(fx["firms"])


def test_pushdown_mode_passes_clean_data(warehouse_path: Path) -> None:
    report = _validate(warehouse_path, clean_fixture(), "firms", True, PUSHDOWN)
    assert report.passed, report.summary()
    assert report.mode.startswith("pushdown")


def test_pushdown_offending_rows_are_the_first_in_table_order(warehouse_path: Path) -> None:
    """The capped offending rows are the first violating rows of the table, so a run on the same
    data always shows the same rows. A bare ``LIMIT`` after DuckDB's parallel semi-join (the
    helper column "found in the firm register") returned whichever rows a thread found first:
    6 different sets in 8 runs on the national warehouse."""
    with connect_writer(warehouse_path) as con:
        con.execute(
            """INSERT INTO staging.firms (cvr, year, employees, nace_code, region,
                   _file_sha256, _file_name, _row_number, _loaded_at)
               SELECT CAST(10000000 + i AS VARCHAR), 2025, 5, '2899', 'DK01',
                      'sha', 'firms.csv', i + 1, TIMESTAMP '2026-12-01 00:00:00'
               FROM range(300000) AS r(i) WHERE i % 5 <> 3"""
        ).fetchall()
        con.execute(
            """INSERT INTO staging.participation (activity_id, cvr, participation_date,
                   _file_sha256, _file_name, _row_number, _loaded_at)
               SELECT 'a' || (i % 1000), CAST(10000000 + i AS VARCHAR), DATE '2025-03-01',
                      'sha', 'p.csv', i + 1, TIMESTAMP '2026-12-01 00:00:00'
               FROM range(300000) AS r(i)"""
        ).fetchall()
        expected = [
            r[0]
            for r in con.execute(
                "SELECT cvr FROM staging.participation p WHERE NOT EXISTS "
                "(SELECT 1 FROM staging.firms f WHERE f.cvr = p.cvr) ORDER BY rowid LIMIT 10"
            ).fetchall()
        ]
        scale = ScaleOptions(full_max_rows=1000, sample_rows=10, suspect_cap=200)
        reports = [validate_staging_table(con, "participation", False, scale=scale) for _ in range(5)]
    label = "participating firm found in the firm register"
    for report in reports:
        assert report.exact_counts[label] == 60000
        offending = report.offending_rows
        assert offending is not None
        picked = offending.loc[offending["failed_expectations"].str.contains(label), "cvr"].tolist()
        assert picked == expected[: len(picked)] and len(picked) == MAX_SAMPLE_ROWS
