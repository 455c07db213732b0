"""The indicator catalogue is the one declaration of an indicator: every entry has its SQL file and
every SQL file an entry; the SQL's status rules, the checks and the report read it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from pipelines.core.catalogue import CatalogueError, catalogue, parse_catalogue
from pipelines.core.config import SQL_DIR
from pipelines.core.warehouse import connect_writer, fetch_all


def test_every_indicator_has_its_sql_file_and_every_file_an_entry() -> None:
    files = {p.stem for p in (SQL_DIR / "marts" / "indicators").glob("*.sql")}
    assert files == set(catalogue().codes)


def test_every_business_family_and_label_is_declared() -> None:
    cat = catalogue()
    for indicator in cat:
        assert indicator.family in cat.families
        assert indicator.label["da"] and indicator.label["en"]
        if indicator.has_status:
            assert {"{label}", "{value}"} & set(indicator.sentence["da"].split()) or indicator.sentence
    # the two SME counts are found by their grant type, not by position
    assert cat.count_of_grant_type("cluster").code == "smes_collective"
    assert cat.count_of_grant_type("innovation").code == "smes_concepts"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"unit": "furlongs"}, "unit"),
        ({"family": "nowhere"}, "family"),
        ({"label": {"da": "kun dansk"}}, "label lacks en"),
        ({"status_rule": "trajectory"}, "flag sentence"),
        ({"code": "Bad Code"}, "code must be"),
    ],
)
def test_a_broken_entry_is_refused_with_a_clear_message(change: dict, message: str) -> None:
    entry = {"code": "x", "family": "f", "unit": "count", "scopes": ["ALL"], "period": "to_date",
             "label": {"da": "x", "en": "x"}} | change
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue({"families": {"f": {"title": "F"}}, "indicator": [entry]})


def test_an_indicator_has_interval_columns_exactly_when_the_catalogue_gives_it_an_interval() -> None:
    """marts/indicators.sql keeps ci_low / ci_high only for entries with ``interval = true``; an
    entry with an interval whose SQL file did not select them would publish nulls unnoticed."""
    for indicator in catalogue():
        text = (SQL_DIR / f"{indicator.sql_file}.sql").read_text(encoding="utf-8")
        selects = {"ci_low", "ci_high"} & set(re.findall(r"[a-z_]+", text))
        assert selects == ({"ci_low", "ci_high"} if indicator.interval else set()), indicator.code


def test_a_data_quality_flag_names_only_a_known_indicator_row() -> None:
    base = {"families": {"f": {"title": "F"}}, "indicator": [{
        "code": "x", "family": "f", "unit": "count", "scopes": ["ALL"], "period": "to_date",
        "label": {"da": "x", "en": "x"}}]}
    flag = {"code": "dq_x", "label": {"da": "x", "en": "x"}}
    assert parse_catalogue(base | {"data_quality_flag": [flag | {"indicator": "x"}]}).data_quality_flags[
        "dq_x"].indicator == "x"
    with pytest.raises(CatalogueError, match="indicator 'y' is not in the catalogue"):
        parse_catalogue(base | {"data_quality_flag": [flag | {"indicator": "y"}]})
    assert catalogue().data_quality_flags["dq_pretrend"].indicator == "turnover_pretrend"


def test_the_warehouse_holds_the_catalogue_the_sql_applies(tmp_path) -> None:
    with connect_writer(tmp_path / "w.duckdb") as con:
        rows = dict(fetch_all(con, "SELECT indicator, status_rule FROM reference.indicator_catalogue"))
    assert rows == {i.code: i.status_rule for i in catalogue()}


def test_data_quality_codes_of_the_flags_sql_are_the_catalogues() -> None:
    text = (SQL_DIR / "marts" / "flags.sql").read_text(encoding="utf-8")
    assert set(re.findall(r"'(dq_[a-z_]+)'", text)) == set(catalogue().data_quality_flags)


def test_a_new_indicator_needs_only_its_entry_and_its_file(tmp_path, monkeypatch) -> None:
    """Add an indicator the way docs/architecture.md says; it reaches marts.indicators with the
    status of its catalogue rule, and the integrity suite accepts it."""
    import tomllib

    from assets.models import models
    from pipelines.core import catalogue as cat_module
    from pipelines.core import config, warehouse
    from quality.marts import indicators_integrity

    sql_dir = tmp_path / "sql"
    import shutil

    shutil.copytree(SQL_DIR, sql_dir)
    (sql_dir / "marts" / "indicators" / "grants_registered.sql").write_text(
        "SELECT cluster_id, 'to_date' AS period, count(*) AS value, 1 AS expected\n"
        "FROM intermediate.grant_windows GROUP BY cluster_id\n",
        encoding="utf-8",
    )
    data = tomllib.loads(cat_module.CATALOGUE_TOML.read_text(encoding="utf-8"))
    data["indicator"].append({
        "code": "grants_registered", "family": "reach_trajectory", "unit": "count",
        "scopes": ["cluster"], "period": "to_date", "status_rule": "trajectory",
        "label": {"da": "Bevillinger", "en": "Grants"}, "sentence": {"da": "{label}", "en": "{label}"},
    })
    extended = cat_module.parse_catalogue(data)
    monkeypatch.setattr(config, "SQL_DIR", sql_dir)
    monkeypatch.setattr(warehouse, "SQL_DIR", sql_dir)
    monkeypatch.setattr(models, "SQL_DIR", sql_dir)
    for module in (cat_module, warehouse, models):
        monkeypatch.setattr(module, "catalogue", lambda: extended)
    models.all_models.cache_clear()
    try:
        with connect_writer(tmp_path / "w.duckdb") as con:
            con.execute(
                "INSERT INTO staging.grants VALUES ('G', 'censec', 'cluster', 1e6, DATE '2025-01-01', "
                "DATE '2028-12-31', 10, NULL, 'x', 'g.csv', 1, now())"
            ).fetchall()
            models.run_all(con, dt.date(2026, 6, 30))
            rows = fetch_all(
                con, "SELECT cluster_id, value, status FROM marts.indicators WHERE indicator = 'grants_registered'"
            )
            monkeypatch.setattr("quality.marts.INDICATORS", extended.codes)
            report = indicators_integrity(con, dt.date(2026, 6, 30))
    finally:
        models.all_models.cache_clear()
    assert rows == [("censec", 1.0, "on_track")]
    assert not [o.label for o in report.failed if "catalogue" in o.label]
