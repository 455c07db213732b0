"""Large files in bounded batches against the whole-file path (the oracle).

The same deliveries are ingested twice: once by the whole-file path (readers -> validate ->
one insert per table), once with every file counted as large and batches of a few rows, so that
files cross several batch boundaries. Every table ingestion writes must come out identical: the
raw layer, the rejections (reasons, details, raw JSON), staging and the file records.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

import polars as pl
import pytest

from assets.ingestion import batched
from assets.ingestion.loader import ingest_dataset
from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.warehouse import connect_writer, fetch_all
from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, CVR_C, CVR_D, GRANTS_CSV, Inbox

VOLATILE = {"ingested_at", "_loaded_at", "run_id", "file_mtime_ns", "file_ctime_ns", "delivery_seq"}
TABLES = ["raw.files", "raw.rows", "quality.rejected_rows", "meta.ingested_files", "staging.grants",
          "staging.activities", "staging.participation", "staging.firms", "staging.innovation_outcomes"]

FIRMS_HEADER = "cvr,year,employees,turnover_dkk,gross_profit_dkk,total_assets_dkk,nace_code,region\n"


def _firms_rows() -> str:
    rows = [
        f"{CVR_A},2024,3,1000,200,500,6201,DK01",
        f"{CVR_B},2024,4,1000,200,500,6201,DK02",
        f"{CVR_A},2024,5,1000,200,500,6201,DK01",  # same key as row 1, next batch: wins over row 1
        "12345678,2024,3,1000,200,500,6201,DK01",  # invalid CVR
        f"{CVR_C},2024,x,1000,200,500,6201,DK01",  # bad type
        f"{CVR_C},2025,3,1000,200,500,6201,DK09",  # out of range region
        f'{CVR_D},2024,3,1000,200,500,"62\n01",DK01',  # a multi-line cell (bad NACE)
        f"{CVR_D},2025,3,,,,6201,DK01",
        f"{CVR_D},2025,6,,,,6201,DK01",  # same key as the row before, same batch
        f"{CVR_B},2024,7,1000,200,500,6201,DK02",  # wins over row 2, two batches later
        ",2024,3,1000,200,500,6201,DK01",  # missing required
    ]
    return "\n".join(rows) + "\n"


def _parquet(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    return buffer.getvalue()


DELIVERIES: dict[str, dict[str, bytes]] = {
    "register": {
        "grants/g.csv": GRANTS_CSV.encode(),
        "activities/a.csv": ACTIVITIES_CSV.encode(),
        "firms/f1_earlier.csv": (FIRMS_HEADER + f"{CVR_B},2024,1,1,1,1,6201,DK02\n{CVR_C},2023,1,1,1,1,6201,DK02\n").encode(),
        "firms/f2.csv": b"\xef\xbb\xbf" + (FIRMS_HEADER + _firms_rows()).encode(),
        "participation/p.csv": (
            "activity_id,cvr,participation_date,firm_name,role\n"
            f"AC1,{CVR_A},2025-02-01,A,participant\nAX9,{CVR_B},2025-02-01,B,participant\n"
            f"AI1,{CVR_C},2025-03-01,C,participant\nAC1,{CVR_A},2025-02-02,A,participant\n"
        ).encode(),
    },
    "danish": {
        "firms/f.csv": (
            "cvr;year;employees;turnover_dkk;nace_code;region;*\n"
            f"{CVR_A};2024;12,5;1.234.567,50;620100;dk01;x\n{CVR_B};2024;1.5;10;620100;DK01;\n"
            f"{CVR_C};2024;3;1.234,5;620100;DK01;y\n{CVR_A};2024;2;3;620100;DK01;z\n"
        ).encode(),
    },
    "parquet": {
        "firms/f.parquet": _parquet(pl.DataFrame(
            {"*": [1, None, 3, 4], "cvr": [CVR_A, CVR_B, "1", CVR_A], "year": [2024, 2024, 2024, 2024],
             "employees": [1.5, 2.0, None, 4.0], "nace_code": ["6201", "6201", "6201", "6202"],
             "when": [None, None, None, None], "region": ["DK01", None, "DK01", "DK03"]},
            schema={"*": pl.Int64, "cvr": pl.String, "year": pl.Int64, "employees": pl.Float64,
                    "nace_code": pl.String, "when": pl.Datetime, "region": pl.String},
        )),
    },
    "crlf_quotes_no_final_newline": {
        "grants/g.csv": GRANTS_CSV.encode(),
        "activities/a.csv": (
            b"activity_id,grant_id,title,theme,start_date\r\n"
            b'A1,GC1,"Linje 1\r\nLinje 2",energy,2025-01-01\r\n'
            b'A2,GC1,"say ""hi"", ok",energy,2025-01-01\r\n'
            b"A3,GC9, padded ,energy,2025-01-01\r\n"
            b'A4,GC1,"",energy,2025-01-01\r\n'
            b"A1,GC1,again,energy,2025-01-01"
        ),
    },
    "repeated_extra_header": {
        "firms/f.csv": (
            "cvr,year,employees,nace_code,region,note,note\n"
            + "".join(f"{CVR_A},{y},1,6201,DK01,a,b\n" for y in range(2020, 2029))
        ).encode(),
    },
}
# Files the batched path hands back to the whole-file path (the readers know these cases).
FALLBACK: dict[str, dict[str, bytes]] = {
    "blank_lines": {
        "firms/f.csv": (FIRMS_HEADER + f"{CVR_A},2024,3,1,1,1,6201,DK01\n\n,,,,,,,\n\n{CVR_B},2024,3,1,1,1,6201,DK01\n").encode(),
    },
    "cp1252_after_the_first_batch": {
        "activities/a.csv": (
            "activity_id,grant_id,title,theme,start_date\n"
            # beyond the first 64 KiB, which decide the path
            + "".join(f"A{i},GC1,plain,energy,2025-01-01\n" for i in range(3000)) + "A9,GC1,Møde,energy,2025-01-01\n"
        ).encode("cp1252"),
    },
    "missing_column": {"firms/f.csv": b"cvr,employees\n13585628,3\n"},
    "a_contract_column_twice": {"firms/f.csv": (FIRMS_HEADER.strip() + ",CVR\n" + f"{CVR_A},2024,3,1,1,1,6201,DK01,x\n").encode()},
    "ragged_record": {"firms/f.csv": (FIRMS_HEADER + f"{CVR_A},2024,3,1,1,1,6201,DK01,extra\n").encode()},
}


def _ingest(root: Path, files: dict[str, bytes], warehouse: Path) -> None:
    inbox = Inbox(root)
    for name, content in files.items():
        inbox.write(name, content)
    with connect_writer(warehouse) as con:
        for dataset in INGESTION_ORDER:
            ingest_dataset(con, root, dataset, "run")


def _tables(warehouse: Path) -> dict[str, list[tuple]]:
    out = {}
    with connect_writer(warehouse) as con:
        for table in TABLES:
            schema, name = table.split(".")
            columns = [
                c for c, in fetch_all(
                    con,
                    "SELECT column_name FROM duckdb_columns() WHERE schema_name = $s AND table_name = $t "
                    "ORDER BY column_index",
                    {"s": schema, "t": name},
                )
                if c not in VOLATILE
            ]
            out[table] = sorted(
                fetch_all(con, f"SELECT {', '.join(columns)} FROM {table}"), key=lambda r: tuple(map(str, r))
            )
    return out


def _both_ways(tmp_path, monkeypatch, files, caplog, rows: int = 3) -> tuple[dict, dict, list[str]]:
    whole = tmp_path / "whole.duckdb"
    _ingest(tmp_path / "inbox_whole", files, whole)
    monkeypatch.setattr(batched, "LARGE_FILE_BYTES", 0)
    monkeypatch.setattr(batched, "BATCH_ROWS", rows)
    in_batches = tmp_path / "batches.duckdb"
    with caplog.at_level(logging.INFO, logger="assets.ingestion.loader"):
        _ingest(tmp_path / "inbox_batches", files, in_batches)
    read_whole = [r.getMessage() for r in caplog.records if "read whole" in r.getMessage()]
    return _tables(whole), _tables(in_batches), read_whole


@pytest.mark.parametrize("case", sorted(DELIVERIES))
def test_batches_write_what_the_whole_file_path_writes(tmp_path, monkeypatch, caplog, case):
    whole, in_batches, read_whole = _both_ways(tmp_path, monkeypatch, DELIVERIES[case], caplog)
    assert read_whole == []  # every file took the batched path
    assert whole == in_batches
    assert whole["raw.rows"] and whole["meta.ingested_files"]


def test_the_register_case_has_rejections_and_wins_across_batches(tmp_path, monkeypatch, caplog):
    """The register case above is not trivially equal: it exercises every kind of rejection,
    duplicate keys within a batch and across batches, and a key staged by an earlier file."""
    _, in_batches, _ = _both_ways(tmp_path, monkeypatch, DELIVERIES["register"], caplog)
    reasons = {(r[2], r[3], r[4]) for r in in_batches["quality.rejected_rows"] if r[1] == "firms/f2.csv"}
    assert reasons == {
        ("firms", 1, "duplicate_key_in_file"), ("firms", 2, "duplicate_key_in_file"),
        ("firms", 4, "invalid_cvr"), ("firms", 5, "bad_type"), ("firms", 6, "out_of_range"),
        ("firms", 7, "bad_type"), ("firms", 8, "duplicate_key_in_file"), ("firms", 11, "missing_required"),
    }
    staged = {(r[0], r[1], r[2]) for r in in_batches["staging.firms"]}
    # The earlier file's (CVR_B, 2024) lost to row 10 of f2; its (CVR_C, 2023) stays.
    assert (CVR_B, 2024, 7.0) in staged and (CVR_C, 2023, 1.0) in staged and (CVR_B, 2024, 1.0) not in staged


@pytest.mark.parametrize("case", sorted(FALLBACK))
def test_unusual_large_files_are_read_whole_with_the_same_result(tmp_path, monkeypatch, caplog, case):
    whole, in_batches, read_whole = _both_ways(tmp_path, monkeypatch, FALLBACK[case], caplog, rows=500)
    assert len(read_whole) == 1
    assert whole == in_batches


def test_small_files_keep_the_whole_file_path(tmp_path, caplog):
    assert batched.LARGE_FILE_BYTES >= 32 * 2**20
    assert batched.batch_format(Path("f.csv"), b"a,b\n1,2\n") == "csv"
    assert batched.batch_format(Path("f.parquet"), b"PAR1....") == "parquet"
    assert batched.batch_format(Path("f.xlsx"), b"PK\x03\x04") is None
    assert batched.batch_format(Path("f.csv"), "a,b\n".encode("utf-16")) is None
    assert batched.batch_format(Path("f.csv"), b"x^2,b\n1,2\n") is None  # looks like zlib
    assert batched.batch_format(Path("f.csv"), "a,b\nø,1\n".encode("cp1252")) is None


def test_a_machine_fault_inside_a_batched_file_writes_nothing_of_it(tmp_path, monkeypatch):
    """The batched file is still one transaction: a disk-full error just before its commit leaves
    no raw row, no staged row, no rejection and no record of it; the next run takes it."""
    from pipelines.core.faults import MachineFault

    monkeypatch.setattr(batched, "LARGE_FILE_BYTES", 0)
    monkeypatch.setattr(batched, "BATCH_ROWS", 3)
    warehouse = tmp_path / "w.duckdb"
    files = DELIVERIES["register"]
    monkeypatch.setenv("IMPACT_TEST_FAULT_AT", "ingest:during:firms/f2.csv=ENOSPC")
    with pytest.raises(MachineFault):
        _ingest(tmp_path / "inbox", files, warehouse)
    with connect_writer(warehouse) as con:
        for table in ("raw.rows", "raw.files", "staging.firms", "quality.rejected_rows", "meta.ingested_files"):
            assert fetch_all(con, f"SELECT count(*) FROM {table} WHERE {_file_column(table)} = 'firms/f2.csv'") == [(0,)]
        # The earlier firms file was committed on its own.
        assert fetch_all(con, "SELECT count(*) FROM staging.firms") == [(2,)]
    monkeypatch.delenv("IMPACT_TEST_FAULT_AT")
    _ingest(tmp_path / "inbox", files, warehouse)
    with connect_writer(warehouse) as con:
        assert fetch_all(
            con, "SELECT rows_total, rows_accepted, rows_rejected FROM meta.ingested_files WHERE file_name = 'firms/f2.csv'"
        ) == [(11, 3, 8)]


def _file_column(table: str) -> str:
    return "_file_name" if table.startswith("staging.") else "file_name"
