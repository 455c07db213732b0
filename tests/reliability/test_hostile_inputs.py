"""Hostile input gives a clear message or clean rows, never a crash, never an injection."""

from __future__ import annotations

import openpyxl

from tests.ingestion.samples import GRANTS_CSV

HEADER = "activity_id,grant_id,title,theme,start_date\n"


def _statuses(query):
    return dict(query("SELECT file_name, status FROM meta.ingested_files"))


def _errors(query):
    return dict(query("SELECT file_name, error FROM meta.ingested_files WHERE status = 'failed'"))


def test_a_line_with_10000_columns_fails_its_file_naming_the_record(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/wide.csv", HEADER + "A1,GC1,t,energy,2025-01-01" + ",x" * 10_000 + "\n")
    inbox.write("activities/ok.csv", HEADER + "A2,GC1,t,energy,2025-01-01\n")
    ingest()
    assert _statuses(query)["activities/ok.csv"] == "ingested"
    error = _errors(query)["activities/wide.csv"]
    assert "record 1" in error and "10005 fields" in error and "header has 5" in error


def test_a_cell_of_10_mb_is_kept_whole(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/big.csv", HEADER + "A1,GC1," + "y" * 10_000_000 + ",energy,2025-01-01\n")
    ingest()
    assert query("SELECT length(title) FROM staging.activities") == [(10_000_000,)]


def test_markup_and_sql_fragments_are_stored_as_text(inbox, ingest, query):
    title = "<script>alert(1)</script>'); DROP TABLE staging.grants;--"
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", HEADER + f'A1,GC1,"{title}",energy,2025-01-01\n')
    inbox.write("activities/b.csv", HEADER + "A2',GC1,x,energy,2025-01-01\n")
    ingest()
    assert query("SELECT title FROM staging.activities WHERE activity_id = 'A1'") == [(title,)]
    assert query("SELECT activity_id FROM staging.activities WHERE activity_id = 'A2'''") == [("A2'",)]
    assert query("SELECT count(*) FROM staging.grants") == [(2,)]


def test_file_names_with_quotes_and_spaces(inbox, ingest, query):
    inbox.write("grants/it's a \"grant\" file.csv", GRANTS_CSV)
    ingest()
    assert _statuses(query) == {"grants/it's a \"grant\" file.csv": "ingested"}


def test_wrong_encodings(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/utf16.csv", (HEADER + "A1,GC1,Ærø,energy,2025-01-01\n").encode("utf-16"))
    inbox.write("activities/latin.csv", (HEADER + "A2,GC1,Ærø,energy,2025-01-01\n").encode("cp1252"))
    inbox.write("activities/shiftjis.csv", HEADER.encode() + b"A3,GC1," + bytes([0x81, 0x8D, 0x8F]) + b",energy,2025-01-01\n")
    ingest()
    assert query("SELECT activity_id, title FROM staging.activities ORDER BY 1") == [("A1", "Ærø"), ("A2", "Ærø")]
    assert "neither UTF-8 nor Windows-1252" in _errors(query)["activities/shiftjis.csv"]


def test_formulas_in_xlsx_cells_are_never_evaluated(inbox, ingest, query, tmp_path):
    inbox.write("grants/g.csv", GRANTS_CSV)
    path = inbox.root / "activities" / "a.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["activity_id", "grant_id", "title", "theme", "start_date"])
    sheet.append(["A1", "GC1", "=HYPERLINK(\"http://evil\",\"klik\")", "energy", "2025-01-01"])
    sheet.append(["A2", "GC1", "Almindelig titel", "energy", "2025-01-01"])
    book.save(path)
    ingest()
    # A formula without a cached value has no value: the title is missing, nothing is executed.
    assert query("SELECT activity_id FROM staging.activities") == [("A2",)]
    assert query("SELECT row_number, reason FROM quality.rejected_rows") == [(1, "missing_required")]


def test_text_that_looks_like_a_formula_in_csv_stays_text(inbox, ingest, query):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", HEADER + "A1,GC1,=1+1,energy,2025-01-01\n")
    ingest()
    assert query("SELECT title FROM staging.activities") == [("=1+1",)]


def test_a_file_of_a_million_rows(inbox, ingest, query):
    lines = ["cvr,year,employees,nace_code,region\n"]
    lines += [f"13585628,{2000 + i % 100},{i % 300},6201,DK01\n" for i in range(1_000_000)]
    inbox.write("firms/big.csv", "".join(lines))
    ingest()
    assert query("SELECT rows_total, rows_accepted, rows_rejected FROM meta.ingested_files") == [
        (1_000_000, 100, 999_900)
    ]
    # Within one file the last row of a key wins: year 2099 last appears at row 1,000,000.
    assert query("SELECT employees FROM staging.firms WHERE year = 2099") == [(999_999 % 300,)]
    assert query("SELECT count(*) FROM raw.rows") == [(1_000_000,)]
