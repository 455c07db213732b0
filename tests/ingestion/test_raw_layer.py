"""The raw layer (header once, cells as a list) against the JSON-per-row layer it replaced.

Differential: for every delivered file below, the demo inbox and the fuzz strategies of
tests/reliability/test_fuzz_readers.py, the rows rebuilt from ``raw.files`` + ``raw.rows`` are the
rows as read (same header, same cells, nulls kept), so their JSON by the old encoder
(tests/ingestion/json_oracle.py) is the old ``raw.rows.record`` byte for byte; and
``quality.rejected_rows.raw`` (output contract) is the old encoder's JSON of the rejected rows.
A warehouse of the old shape is converted in place without losing a row.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assets.ingestion import raw_layer
from assets.ingestion.readers import RawTable, UnreadableFile, read_table
from assets.ingestion.reconsider import raw_table
from assets.ingestion.validation import validate
from pipelines.core.contract import DATASETS
from pipelines.core.warehouse import (
    connect_writer,
    execute_script,
    fetch_all,
    sql_text,
    upgrade_raw_rows,
)
from tests.ingestion.json_oracle import old_records
from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, GRANTS_CSV
from tests.reliability.test_fuzz_readers import REFS, cell


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


# (dataset, file name, content): the shapes a delivery can take.
FILES: list[tuple[str, str, bytes]] = [
    ("grants", "g.csv", GRANTS_CSV.encode()),
    ("activities", "a.csv", ACTIVITIES_CSV.encode()),
    ("firms", "star.csv", b"*,cvr,year\n1,13585628,2024\n,10000009,\n"),
    ("firms", "pattern.csv", b"^a.*$,cvr,year\nx,13585628,2024\n"),
    ("firms", "repeated.csv", b"cvr,year,cvr,year\n13585628,2024,10000009,2025\n"),
    ("firms", "empty_cells.csv", b"cvr,year,region\n,,\n13585628,,DK01\n"),
    ("activities", "multiline.csv",
     b'activity_id,grant_id,title,theme,start_date\nA1,GC1,"Linje 1\nLinje 2",energy,2025-01-01\n'
     b'A2,GC9,"say ""hi"", \\ and \t tab",energy,2025-01-01\n'),
    ("activities", "blank_lines.csv",
     b"activity_id;grant_id;title;theme;start_date\r\n\r\n"
     b'A1;GC1;"Linje 1\r\n\r\nLinje 3";energy;2025-01-01\r\n;;;;\r\n\r\nA2;GC9;x;energy;2025-01-01\r\n\r\n'),
    ("firms", "header_only.csv", b"cvr,year,employees\n"),
    ("firms", "danish.csv", b"cvr;year;employees;turnover_dkk\n13585628;2024;12,5;1.234.567,50\n"),
    ("activities", "cp1252.csv", "activity_id,grant_id,title\nA1,GC1,Møde i Århus\n".encode("cp1252")),
    ("activities", "utf16.csv", "activity_id,grant_id,title\nA1,GC1,Ærø\n".encode("utf-16")),
    ("activities", "bom.csv", b"\xef\xbb\xbfactivity_id,grant_id,title\nA1,GC1,\xc3\xa6\n"),
    ("firms", "unicode.csv", "cvr,note\n13585628,\"emoji 🚀 \u2028 \x7f \u00e9\"\n".encode()),
    ("accounts", "a.xlsx", _xlsx([["cvr", "year", "turnover_dkk", None], [int(CVR_A), 2024, 1.5, None],
                                  [None, None, None, "stray"]])),
    ("firms", "f.parquet", _parquet(pl.DataFrame(
        {"*": [1, None], "cvr": ["13585628", None], "when": [None, None]},
        schema={"*": pl.Int64, "cvr": pl.String, "when": pl.Datetime},
    ))),
]


@contextlib.contextmanager
def _raw_database() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory database with the raw layer's DDL (the fixture, and the property tests,
    which cannot take function-scoped fixtures)."""
    connection = duckdb.connect()
    try:
        connection.execute("CREATE SCHEMA raw").fetchall()
        execute_script(connection, sql_text("ddl/raw"))
        yield connection
    finally:
        connection.close()


@pytest.fixture
def con():
    with _raw_database() as connection:
        yield connection


def _assert_round_trips(frame: pl.DataFrame) -> None:
    """``frame`` written to a fresh raw layer and read back is the same rows."""
    with _raw_database() as connection:
        _assert_same_rows(_round_trip(connection, frame, "fuzz"), frame)


def _round_trip(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, sha: str) -> pl.DataFrame | None:
    raw_layer.write_file(con, "firms", sha, f"firms/{sha}.csv", frame)
    return raw_layer.read_file(con, sha)


def _assert_same_rows(rebuilt: pl.DataFrame | None, frame: pl.DataFrame) -> None:
    assert rebuilt is not None
    assert rebuilt.columns == frame.columns
    assert rebuilt.height == frame.height
    assert rebuilt.rows() == frame.rows()  # None where the cell was null
    assert old_records(rebuilt) == old_records(frame)


@pytest.mark.parametrize(("dataset", "name", "content"), FILES, ids=[f[1] for f in FILES])
def test_every_delivered_shape_round_trips_and_its_rejections_keep_their_json(con, dataset, name, content):
    table = read_table(Path(name), content)
    _assert_same_rows(_round_trip(con, table.frame, name), table.frame)
    # quality.rejected_rows.raw: the old encoder's text of exactly the rejected rows.
    try:
        result = validate(table, DATASETS[dataset], REFS)
    except UnreadableFile:  # a file the contract refuses as a whole keeps no raw rows
        return
    old = old_records(table.frame)
    assert result.rejected["raw"].to_list() == [old[n - 1] for n in result.rejected["row_number"]]
    assert result.rows_total == table.frame.height


def test_the_files_above_cover_the_shapes_that_are_hard_to_keep():
    frames = {name: read_table(Path(name), content).frame for _, name, content in FILES}
    assert frames["star.csv"].columns[0] == "*"
    assert frames["repeated.csv"].columns == ["cvr", "year", "cvr_duplicated_0", "year_duplicated_0"]
    assert frames["header_only.csv"].height == 0
    assert frames["empty_cells.csv"].row(0) == (None, None, None)
    assert "\n" in frames["multiline.csv"]["title"][0]
    assert frames["f.parquet"].columns == ["*", "cvr", "when"]


def test_a_file_without_columns_round_trips(con):
    frame = pl.DataFrame(height=3)
    _assert_same_rows(_round_trip(con, frame, "nocols"), frame)
    assert fetch_all(con, "SELECT header FROM raw.files") == [([],)]


def test_a_file_with_gaps_in_its_rows_is_not_rebuilt(con):
    frame = pl.DataFrame({"a": ["1", "2", "3"]})
    raw_layer.write_file(con, "firms", "s", "firms/s.csv", frame)
    con.execute("DELETE FROM raw.rows WHERE row_number = 2").fetchall()
    assert raw_layer.read_file(con, "s") is None
    assert raw_layer.read_file(con, "unknown") is None


def test_the_records_view_answers_what_row_n_of_a_file_said(con):
    frame = read_table(Path("star.csv"), FILES[2][2]).frame
    raw_layer.write_file(con, "firms", "s", "firms/star.csv", frame)
    assert fetch_all(
        con, "SELECT record, record['cvr'] FROM raw.records WHERE file_name = 'firms/star.csv' AND row_number = 2"
    ) == [({"*": None, "cvr": "10000009", "year": None}, "10000009")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    dataset=st.sampled_from(sorted(DATASETS)),
    rows=st.lists(st.lists(cell, min_size=8, max_size=16), min_size=0, max_size=15),
    danish=st.booleans(),
)
def test_fuzzed_rows_round_trip_and_rejections_keep_their_json(dataset, rows, danish):
    """The cells of test_fuzz_readers' validator fuzz test, with extra unnamed columns."""
    columns = [c.name for c in DATASETS[dataset].columns]
    width = max([len(columns), *(len(r) for r in rows)])
    names = columns + [f"extra {i}" for i in range(width - len(columns))]
    frame = pl.DataFrame(
        {name: [r[i] if i < len(r) else None for r in rows] for i, name in enumerate(names)},
        schema={name: pl.String for name in names},
    )
    _assert_round_trips(frame)
    result = validate(RawTable(frame, "csv", decimal_comma=danish), DATASETS[dataset], REFS)
    old = old_records(frame)
    assert result.rejected["raw"].to_list() == [old[n - 1] for n in result.rejected["row_number"]]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".csv", ".xlsx", ".parquet", ".txt", ""]))
def test_any_readable_bytes_round_trip(data, suffix):
    """The reader fuzz strategy of test_fuzz_readers: whatever the readers make of the bytes."""
    try:
        frame = read_table(Path(f"fuzz{suffix}"), data).frame
    except UnreadableFile:
        return
    _assert_round_trips(frame)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_any_text_read_as_csv_round_trips(text):
    """Text rather than bytes: quotes, separators, line breaks and any character reach the cells."""
    try:
        frame = read_table(Path("fuzz.csv"), text.encode()).frame
    except UnreadableFile:
        return
    _assert_round_trips(frame)


def test_the_demo_inbox_round_trips(tmp_path):
    """Every file of the demo inbox (all formats, planted bad rows), at scale 1."""
    from demo.generator import write_demo_inbox

    summary = write_demo_inbox(tmp_path / "inbox", scale=1, seed=2025)
    with _raw_database() as con:
        checked = 0
        for info in summary.values():
            for relative in info["files"]:
                path = tmp_path / "inbox" / relative
                table = read_table(path, path.read_bytes())
                rebuilt = _round_trip(con, table.frame, str(relative))
                _assert_same_rows(rebuilt, table.frame)
                assert raw_table(con, str(relative), table.file_format).frame.equals(table.frame)
                checked += 1
    assert checked == sum(len(info["files"]) for info in summary.values()) > 8


# --- existing warehouses -------------------------------------------------------------------------

OLD_RAW_DDL = """CREATE TABLE raw.rows (dataset VARCHAR NOT NULL, file_sha256 VARCHAR NOT NULL,
    file_name VARCHAR NOT NULL, row_number BIGINT NOT NULL, record VARCHAR NOT NULL)"""


def _old_warehouse(path: Path, files: dict[str, pl.DataFrame]) -> None:
    """A warehouse whose raw layer is the JSON-per-row one, as the old loader wrote it."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw").fetchall()
        con.execute(OLD_RAW_DDL).fetchall()
        for sha, frame in files.items():
            con.register("_old", pl.DataFrame({"record": old_records(frame)}, schema={"record": pl.String})
                         .with_row_index("row_number", offset=1))
            con.execute(
                "INSERT INTO raw.rows SELECT 'firms', $sha, $name, row_number, record FROM _old",
                {"sha": sha, "name": f"firms/{sha}"},
            ).fetchall()
            con.unregister("_old")


def test_an_old_warehouse_is_converted_in_place_without_losing_a_row(tmp_path):
    frames = {name: read_table(Path(name), content).frame for _, name, content in FILES}
    frames = {name: f for name, f in frames.items() if f.height}  # the old layer kept no header
    frames["nocols"] = pl.DataFrame(height=2)
    path = tmp_path / "old.duckdb"
    _old_warehouse(path, frames)
    with connect_writer(path) as con:  # opening it as the pipeline does converts it
        assert [c for c, in fetch_all(
            con, "SELECT column_name FROM duckdb_columns() WHERE schema_name = 'raw' AND table_name = 'rows'"
        )] == ["dataset", "file_sha256", "file_name", "row_number", "cells"]
        assert fetch_all(con, "SELECT count(*) FROM raw.files") == [(len(frames),)]
        assert fetch_all(con, "SELECT count(*) FROM raw.rows") == [(sum(f.height for f in frames.values()),)]
        for sha, frame in frames.items():
            _assert_same_rows(raw_layer.read_file(con, sha), frame)
        upgrade_raw_rows(con)  # a second time: nothing to do
        assert fetch_all(con, "SELECT count(*) FROM raw.files") == [(len(frames),)]
        # The view works on the converted rows.
        assert fetch_all(
            con, "SELECT record['cvr'] FROM raw.records WHERE file_sha256 = 'star.csv' AND row_number = 2"
        ) == [("10000009",)]
