"""quality/gx_runner.py validates a frame as a batch of one reused pandas asset with an unsaved
suite (``Batch.validate``). Until December 2026 it added a data source, an asset, a suite and a
validation definition per validation and ran the definition. The replaced route is kept here as
the oracle: both give the same outcomes (success, counts, samples, row indices, observed values,
errors) on passing and failing frames, strict and ``mostly`` rules, table-level and multi-column
expectations, and an expectation that raises."""

from __future__ import annotations

import contextlib
import uuid

import numpy as np
import pandas as pd
import pytest

from quality.gx_runner import (
    Expectation,
    _outcomes,
    expectations,
    gx_context,
    load_gx,
    validate_frame,
)


def _validate_with_definitions(frame: pd.DataFrame, checks: list[Expectation]) -> list:
    """The replaced route, as it was (data source, asset, batch definition, suite and validation
    definition added to the context, run, deleted)."""
    gx, context = load_gx(), gx_context()
    unique = f"oracle.{uuid.uuid4().hex[:8]}"
    source = context.data_sources.add_pandas(unique)
    batch_definition = source.add_dataframe_asset(name="oracle").add_batch_definition_whole_dataframe("whole_frame")
    suite = context.suites.add(gx.ExpectationSuite(name=unique))
    try:
        by_label = {}
        for check in checks:
            check.gx_expectation.meta = {**(check.gx_expectation.meta or {}), "label": check.label}
            suite.add_expectation(check.gx_expectation)
            by_label[check.label] = check
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=unique, data=batch_definition, suite=suite)
        )
        result = validation.run(
            batch_parameters={"dataframe": frame},
            result_format={"result_format": "SUMMARY", "partial_unexpected_count": 10},
        )
        return _outcomes(result, checks, by_label)
    finally:
        for store in (context.validation_definitions, context.suites, context.data_sources):
            with contextlib.suppress(Exception):  # as the replaced code
                store.delete(unique)


def _checks() -> list[Expectation]:
    e = expectations()
    return [
        Expectation("rows", e.ExpectTableRowCountToBeBetween(min_value=1, max_value=10_000)),
        Expectation("cvr not null", e.ExpectColumnValuesToNotBeNull(column="cvr")),
        Expectation("cvr eight digits", e.ExpectColumnValuesToMatchRegex(column="cvr", regex=r"^\d{8}$")),
        Expectation("amount 0..1000", e.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=1000)),
        Expectation("kind known, mostly", e.ExpectColumnValuesToBeInSet(column="kind", value_set=["a", "b"], mostly=0.9),
                    structural=False),
        Expectation("one row per key", e.ExpectCompoundColumnsToBeUnique(column_list=["cvr", "year"])),
        Expectation("mean amount", e.ExpectColumnMeanToBeBetween(column="amount", min_value=0, max_value=500),
                    structural=False),
        Expectation("missing column", e.ExpectColumnValuesToNotBeNull(column="no_such_column")),
    ]


def _frame(bad: bool, rows: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "cvr": [f"{10_000_000 + i:08d}" for i in range(rows)],
        "year": rng.integers(2021, 2029, rows),
        "amount": rng.uniform(0, 900, rows).round(2),
        "kind": rng.choice(["a", "b"], rows),
    })
    if bad:
        frame.loc[[3, 50, 51], "cvr"] = [None, "12AB", "123"]
        frame.loc[[7, 8], "amount"] = [-1.0, 5000.0]
        frame.loc[list(range(100, 160)), "kind"] = "z"  # 15 %: over the 10 % tolerance
        frame.loc[200, ["cvr", "year"]] = frame.loc[201, ["cvr", "year"]].to_numpy()
    frame.index = np.arange(1000, 1000 + rows)  # as DuckDB rowids
    frame.index.name = "_rowid"
    return frame


@pytest.mark.parametrize("bad", [False, True], ids=["passing", "failing"])
def test_the_batch_route_gives_the_outcomes_of_the_validation_definition_route(bad):
    frame = _frame(bad)
    new = validate_frame("diff", frame, _checks())
    old = _validate_with_definitions(frame, _checks())
    assert new == old
    by_label = {o.label: o for o in new}
    assert not by_label["missing column"].success
    if bad:
        assert not by_label["cvr eight digits"].success
        assert by_label["amount 0..1000"].unexpected_count == 2
        assert sorted(by_label["amount 0..1000"].unexpected_index) == [1007, 1008]
        assert not by_label["kind known, mostly"].success and not by_label["one row per key"].success
    else:
        assert all(o.success for o in new if o.label != "missing column")


def test_validations_leave_the_context_as_they_found_it():
    context = gx_context()
    validate_frame("first", _frame(False), _checks())
    before = (len(context.suites.all()), len(context.validation_definitions.all()), len(context.data_sources.all()))
    for i in range(3):
        validate_frame(f"again{i}", _frame(True), _checks())
    after = (len(context.suites.all()), len(context.validation_definitions.all()), len(context.data_sources.all()))
    assert after == before
