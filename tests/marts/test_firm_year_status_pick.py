"""Which register row decides a firm's SME status in the year of an event: the model's
``arg_min`` pick against the ``row_number()`` window it replaced (the oracle, kept in
``tests/marts/oracles/``: the pick alone, so that the SME rule stays in the model only), on
hand-made firms and on random registers.

The rule (sql/intermediate/firm_sme_status.sql): the event year's row; else the latest earlier
year; else the earliest later year; no row at all: 'unverified'.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marts_helpers import Stage

from assets.models.models import model_named, model_params, run_model
from pipelines.core.warehouse import ensure_schema

ORACLE = (Path(__file__).parent / "oracles" / "firm_sme_status_window.sql").read_text(encoding="utf-8")
AS_OF = dt.date(2028, 12, 31)
PICKED = "cvr, year, register_year, employees, turnover_dkk, total_assets_dkk"


def _fresh() -> tuple[duckdb.DuckDBPyConnection, Stage]:
    con = duckdb.connect()
    ensure_schema(con)
    return con, Stage(con)


def _model_and_oracle(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    """(the model's rows with their SME status, the oracle's pick for the same firm-years)."""
    run_model(con, model_named("intermediate/firm_sme_status"), model_params(AS_OF))
    model = con.execute(
        f"SELECT {PICKED}, sme_status FROM intermediate.firm_year_status ORDER BY cvr, year"
    ).fetchall()
    return model, con.execute(ORACLE).fetchall()


def test_nearest_earlier_year_then_nearest_later_year():
    con, stage = _fresh()
    # events in 2025: register rows on both sides -> the latest earlier year (2023) decides
    for year, employees in ((2021, 400), (2022, 300), (2023, 20), (2027, 500), (2028, 600)):
        stage.firm("10000001", year, employees, turnover=1e6)
    stage.participation("A1", "10000001", "2025-03-01")
    # only later rows -> the earliest later year (2027) decides
    stage.firm("10000002", 2027, 10, turnover=1e6)
    stage.firm("10000002", 2028, 900, turnover=1e6)
    stage.participation("A1", "10000002", "2025-03-01")
    # the event year's own row wins over every other
    stage.firm("10000003", 2024, 5, turnover=1e6)
    stage.firm("10000003", 2025, 700, turnover=1e6)
    stage.participation("A1", "10000003", "2025-03-01")
    # a developed concept is an event too; no register row -> unverified
    stage.outcome("I1", "10000004", True, "2026-02-01")
    model, oracle = _model_and_oracle(con)
    assert [row[:-1] for row in model] == oracle
    picked = {(cvr, year): (register_year, status) for cvr, year, register_year, *_, status in model}
    assert picked == {
        ("10000001", 2025): (2023, "sme"),
        ("10000002", 2025): (2027, "sme"),
        ("10000003", 2025): (2025, "not_sme"),
        ("10000004", 2026): (None, "unverified"),
    }


register_years = st.sets(st.integers(2019, 2030), max_size=6)
firm_rows = st.lists(
    st.tuples(
        st.sampled_from(["10000001", "10000002", "10000003", "10000004"]),
        register_years,
        st.sampled_from([3.0, 240.0, 260.0]),
        st.sampled_from([None, 1e6, 500e6]),
        st.sampled_from([None, 100e6, 400e6]),
    ),
    max_size=4,
    unique_by=lambda r: r[0],
)
events = st.lists(
    st.tuples(
        st.sampled_from(["10000001", "10000002", "10000003", "10000004", "10000005"]),
        st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
        st.booleans(),  # a participation, or a developed concept
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(firm_rows, events)
def test_arg_min_pick_equals_the_window_on_random_registers(firms, evts):
    con, stage = _fresh()
    for cvr, years, employees, turnover, assets in firms:
        for year in years:
            stage.firm(cvr, year, employees, turnover=turnover, assets=assets)
    for i, (cvr, day, is_participation) in enumerate(evts):
        if is_participation:
            stage.participation(f"A{i}", cvr, day.isoformat())
        else:
            stage.outcome(f"I{i}", cvr, True, day.isoformat())
    model, oracle = _model_and_oracle(con)
    assert [row[:-1] for row in model] == oracle
