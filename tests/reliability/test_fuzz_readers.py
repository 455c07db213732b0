"""Fuzzing the readers and the validator: arbitrary bytes and cells never crash ingestion."""

from __future__ import annotations

from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assets.ingestion.readers import RawTable, UnreadableFile, read_table
from assets.ingestion.validation import References, validate
from pipelines.core.contract import DATASETS

REFS = References(
    clusters={"clean", "censec"},
    grants=pl.DataFrame({"grant_id": ["G1"], "grant_type": ["cluster"]}),
    activities=pl.DataFrame({"activity_id": ["A1"], "grant_type": ["innovation"]}),
    participation=pl.DataFrame({"activity_id": ["A1"], "cvr": ["13585628"]}),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".txt", ""]))
@example(data=b"x\x01\x02\x01", suffix=".csv")  # zlib's magic bytes: Polars tried to inflate them
@example(data=b"*,", suffix=".csv")  # a column named "*": pl.col("*") is every column
def test_any_bytes_either_read_or_fail_cleanly(data: bytes, suffix: str):
    try:
        table = read_table(Path(f"fuzz{suffix}"), data)
    except UnreadableFile as exc:
        assert str(exc)
        return
    assert isinstance(table, RawTable)


cell = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(
    ["13585628", "DK 1358 5628", "2025-01-01", "01.02.2025", "ja", "1.234,5", "-1", "energy", "DK01", "A1",
     "G1", "clean", "cluster", "innovation", "sme", "620100", "1e308", "nan", "inf"]
))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dataset=st.sampled_from(sorted(DATASETS)),
    rows=st.lists(st.lists(cell, min_size=8, max_size=16), min_size=0, max_size=15),
    danish=st.booleans(),
)
def test_every_row_is_accepted_or_rejected_exactly_once(dataset: str, rows: list[list[str | None]], danish: bool):
    spec = DATASETS[dataset]
    columns = [c.name for c in spec.columns]
    frame = pl.DataFrame(
        {name: [r[i] if i < len(r) else None for r in rows] for i, name in enumerate(columns)},
        schema={name: pl.String for name in columns},
    )
    result = validate(RawTable(frame, "csv", decimal_comma=danish), spec, REFS)
    assert result.accepted.height + result.rejected.height == len(rows)
    assert sorted(result.accepted["_row_number"].to_list() + result.rejected["row_number"].to_list()) == list(
        range(1, len(rows) + 1)
    )
    for value in result.accepted.select([c for c in columns if spec.column(c).required]).iter_rows():
        assert None not in value


def test_a_header_that_looks_like_compressed_data_is_read_as_text():
    # 0x78 0x5E is zlib's magic; Polars used to "decompress" this file into one garbage column.
    table = read_table(Path("x.csv"), b"x^2,b\n1,2\n")
    assert table.frame.columns == ["x^2", "b"]
    assert table.frame.rows() == [("1", "2")]


def test_a_header_named_like_a_column_pattern_is_read_as_text() -> None:
    """Found by the fuzz test above: a column named "*" (Polars' wildcard) or "^a.*$" (a regex for
    pl.col) is an ordinary column of the file."""
    for header in ("*,", "*,x", "^a.*$,b"):
        table = read_table(Path(f"odd_{len(header)}.csv"), f"{header}\n1,2\n".encode())
        assert table.frame.columns == header.split(",")
        assert table.frame.row(0) == ("1", "2")
