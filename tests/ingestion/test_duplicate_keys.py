"""The within-file duplicate-key rule: the grouped lookup that replaced the window over every key
marks exactly the rows the window marked, with the same reason and detail, in the same order.

The window (``_mark_duplicate_keys_window``) is the oracle: it is what ingestion ran until
December 2026. Cases: keys that repeat among passing rows, keys repeated only by rows an earlier
rule rejected, null key cells, a composite key, keys of every type the contract uses.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from assets.ingestion.validation import (
    DETAIL,
    REASON,
    ROW,
    _mark_duplicate_keys,
    _mark_duplicate_keys_window,
    _v,
)
from pipelines.core.contract import DATASETS

REASONS = st.sampled_from([None, None, None, "missing_required", "bad_type", "out_of_range"])


def _frame(dataset: str, rows: list[tuple]) -> pl.DataFrame:
    """A checked frame as ``_check_rows`` returns it: row numbers, reason, detail, typed keys."""
    ds = DATASETS[dataset]
    key_types = {"participation": (pl.String, pl.String), "firms": (pl.String, pl.Int64)}[dataset]
    data = {
        ROW: [i + 1 for i in range(len(rows))],
        REASON: [r[0] for r in rows],
        DETAIL: [None if r[0] is None else f"detail of row {i + 1}" for i, r in enumerate(rows)],
    }
    schema = {ROW: pl.Int64, REASON: pl.String, DETAIL: pl.String}
    for j, key in enumerate(ds.key):
        data[_v(key)] = [r[1 + j] for r in rows]
        schema[_v(key)] = key_types[j]
    data["_v_other"] = [dt.date(2026, 1, 1)] * len(rows)  # a column the rule must carry along
    schema["_v_other"] = pl.Date
    return pl.DataFrame(data, schema=schema)


def _both(dataset: str, frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    ds = DATASETS[dataset]
    return (
        _mark_duplicate_keys(frame.lazy(), ds).collect(),
        _mark_duplicate_keys_window(frame.lazy(), ds).collect(),
    )


def test_the_later_passing_row_wins_and_rejected_rows_never_count():
    rows = [
        (None, "A1", "11111111"),  # 1: loses to row 4
        ("bad_type", "A1", "11111111"),  # 2: rejected already, keeps its reason
        (None, "A2", "11111111"),  # 3: alone among passing rows
        (None, "A1", "11111111"),  # 4: the winner
        ("out_of_range", "A2", "11111111"),  # 5: repeats row 3's key, but was rejected
        (None, None, "22222222"),  # 6: null key cells group together (as in the window)
        (None, None, "22222222"),  # 7: wins over row 6
    ]
    frame = _frame("participation", rows)
    grouped, window = _both("participation", frame)
    assert grouped.equals(window)
    assert grouped[REASON].to_list() == [
        "duplicate_key_in_file", "bad_type", None, None, "out_of_range", "duplicate_key_in_file", None,
    ]
    assert grouped[DETAIL][0] == "the key (A1, 11111111) appears again in row 4 of this file, which wins"
    assert grouped.columns == frame.columns


def test_no_repeated_key_changes_nothing():
    frame = _frame("firms", [(None, "11111111", 2025), (None, "11111111", 2026), (None, "22222222", 2025)])
    grouped, window = _both("firms", frame)
    assert grouped.equals(window) and grouped.equals(frame)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            REASONS,
            st.sampled_from(["11111111", "22222222", "33333333", None]),
            st.sampled_from([2024, 2025, None]),
        ),
        max_size=40,
    )
)
def test_grouped_lookup_equals_the_window_on_any_frame(rows):
    grouped, window = _both("firms", _frame("firms", rows))
    assert grouped.equals(window)
