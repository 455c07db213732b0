"""Every accepted format and both CSV dialects give the same typed rows, æøå intact."""

from __future__ import annotations

import datetime as dt

import polars as pl

ACCOUNT_COLUMNS = [
    "cluster_id", "fiscal_year", "revenue_total_dkk", "deb_funding_dkk", "other_public_funding_dkk",
    "membership_fees_dkk", "sponsorships_dkk", "user_payments_dkk", "costs_total_dkk", "equity_dkk",
    "total_assets_dkk", "cash_dkk",
]
# Hand-written expected row: 1.234.567,50 in Danish CSV is 1234567.5.
EXPECTED = ("clean", 2025, 1234567.5, 600000.0, 100000.0, 300000.0, 134567.5, 100000.0, 0.0,
            1200000.0, 50000.0, 400000.0, 90000.0)


def _staged_accounts(query):
    return query(
        "SELECT cluster_id, fiscal_year, revenue_total_dkk, deb_funding_dkk, other_public_funding_dkk,"
        " membership_fees_dkk, sponsorships_dkk, user_payments_dkk, other_private_cash_dkk,"
        " costs_total_dkk, equity_dkk, total_assets_dkk, cash_dkk FROM staging.accounts"
    )


def test_utf8_csv_with_bom(inbox, ingest, query):
    inbox.write(
        "accounts/a.csv",
        "\ufeff" + ",".join(ACCOUNT_COLUMNS) + "\n"
        "clean,2025,1234567.5,600000,100000,300000,134567.5,100000,1200000,50000,400000,90000\n",
    )
    ingest()
    assert _staged_accounts(query) == [EXPECTED]


def test_danish_excel_csv_in_windows_1252(inbox, ingest, query):
    inbox.write(
        "accounts/a.csv",
        ";".join(ACCOUNT_COLUMNS) + "\n"
        "clean;2025;1.234.567,50;600.000;100000;300.000,00;134567,5;100.000;1.200.000;50.000;400.000;90.000\n",
        encoding="cp1252",
    )
    ingest()
    assert _staged_accounts(query) == [EXPECTED]
    assert query("SELECT file_format FROM meta.ingested_files") == [("csv-danish",)]


def test_danish_letters_survive_windows_1252_and_utf8(inbox, ingest, query):
    from tests.ingestion.samples import GRANTS_CSV

    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write(
        "activities/a.csv",
        "activity_id;grant_id;title;theme;start_date\nA1;GC1;Grøn omstilling på Ærø;energy;01-02-2025\n",
        encoding="cp1252",
    )
    inbox.write(
        "activities/b.csv",
        "activity_id,grant_id,title,theme,start_date\nA2,GC1,Åben værksted,energy,01.03.2025\n",
    )
    ingest()
    assert query("SELECT activity_id, title, start_date FROM staging.activities ORDER BY 1") == [
        ("A1", "Grøn omstilling på Ærø", dt.date(2025, 2, 1)),
        ("A2", "Åben værksted", dt.date(2025, 3, 1)),
    ]


def test_xlsx_first_sheet_header_in_row_1(inbox, ingest, query):
    inbox.write_xlsx(
        "accounts/a.xlsx",
        [ACCOUNT_COLUMNS,
         ["clean", 2025, 1234567.5, 600000, 100000, 300000, 134567.5, 100000, 1200000, 50000, 400000, 90000]],
    )
    ingest()
    assert _staged_accounts(query) == [EXPECTED]
    assert query("SELECT file_format FROM meta.ingested_files") == [("xlsx",)]


def test_xlsx_dates_and_numeric_cvr(inbox, ingest, query):
    from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, GRANTS_CSV

    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    inbox.write_xlsx(
        "participation/p.xlsx",
        [["activity_id", "cvr", "participation_date", "firm_name"],
         ["AC1", int(CVR_A), dt.datetime(2025, 2, 1), "Søren & Co ApS"]],
    )
    ingest()
    assert query("SELECT cvr, participation_date, firm_name FROM staging.participation") == [
        (CVR_A, dt.date(2025, 2, 1), "Søren & Co ApS")
    ]


def test_parquet_typed_columns(inbox, ingest, query):
    frame = pl.DataFrame(
        {
            "cluster_id": ["clean"], "fiscal_year": [2025], "revenue_total_dkk": [1234567.5],
            "deb_funding_dkk": [600000], "other_public_funding_dkk": [100000],
            "membership_fees_dkk": [300000], "sponsorships_dkk": [134567.5],
            "user_payments_dkk": [100000], "costs_total_dkk": [1200000], "equity_dkk": [50000],
            "total_assets_dkk": [400000.0], "cash_dkk": [90000],
        }
    )
    inbox.write_parquet("accounts/a.parquet", frame)
    ingest()
    assert _staged_accounts(query) == [EXPECTED]


def test_parquet_dates_bools_and_integer_cvr(inbox, ingest, query):
    from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, GRANTS_CSV

    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    inbox.write("participation/p.csv", f"activity_id,cvr,participation_date\nAI1,{CVR_A},2025-03-02\n")
    inbox.write_parquet(
        "innovation_outcomes/o.parquet",
        pl.DataFrame(
            {"activity_id": ["AI1"], "cvr": [int(CVR_A)], "concept_developed": [True],
             "concept_date": [dt.date(2025, 9, 1)]}
        ),
    )
    ingest()
    assert query("SELECT activity_id, cvr, concept_developed, concept_date FROM staging.innovation_outcomes") == [
        ("AI1", CVR_A, True, dt.date(2025, 9, 1))
    ]


def test_column_names_match_case_and_space_insensitively_extra_columns_kept_raw(inbox, ingest, query):
    inbox.write(
        "firms/f.csv",
        " CVR ,Year,EMPLOYEES , Nace_Code,region,comment\n13585628,2024,12.5,620100,dk01,hello\n",
    )
    ingest()
    assert query("SELECT cvr, year, employees, nace_code, region FROM staging.firms") == [
        ("13585628", 2024, 12.5, "620100", "DK01")
    ]
    # The raw layer keeps the header as delivered (case and spaces included) and every cell.
    assert query("SELECT header FROM raw.files WHERE dataset = 'firms'") == [
        ([" CVR ", "Year", "EMPLOYEES ", " Nace_Code", "region", "comment"],)
    ]
    assert query("SELECT row_number, cells FROM raw.rows WHERE dataset = 'firms'") == [
        (1, ["13585628", "2024", "12.5", "620100", "dk01", "hello"])
    ]
    assert query("SELECT record['comment'] FROM raw.records WHERE dataset = 'firms'") == [("hello",)]


def test_quoted_cell_spanning_lines_keeps_record_numbers(inbox, ingest, query):
    from tests.ingestion.samples import GRANTS_CSV

    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write(
        "activities/a.csv",
        'activity_id,grant_id,title,theme,start_date\n'
        'A1,GC1,"Linje 1\nLinje 2",energy,2025-01-01\n'
        'A2,GC9,x,energy,2025-01-01\n',
    )
    ingest()
    assert query("SELECT title FROM staging.activities") == [("Linje 1\nLinje 2",)]
    # A2 is the second data record even though it is on the fourth line of the file.
    assert query("SELECT row_number, reason FROM quality.rejected_rows") == [(2, "unknown_grant")]


def test_blank_lines_are_not_records_but_a_record_of_empty_fields_is(inbox, ingest, query):
    """As for csv.DictReader, pandas, DuckDB and an XLSX sheet's blank rows."""
    from tests.ingestion.samples import GRANTS_CSV

    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write(
        "activities/a.csv",
        "activity_id;grant_id;title;theme;start_date\r\n"
        "\r\n"  # blank: not a record
        'A1;GC1;"Linje 1\r\n\r\nLinje 3";energy;2025-01-01\r\n'  # a blank line inside a quoted cell
        ";;;;\r\n"  # a record of empty fields: record 2
        "\r\n"
        "A2;GC9;x;energy;2025-01-01\r\n"  # record 3
        "\r\n\r\n",  # trailing blank lines
    )
    outcome = ingest()["activities"].files[0]
    assert (outcome.rows_total, outcome.rows_accepted, outcome.rows_rejected) == (3, 1, 2)
    assert query("SELECT title FROM staging.activities") == [("Linje 1\r\n\r\nLinje 3",)]
    assert query(
        "SELECT row_number, reason FROM quality.rejected_rows ORDER BY row_number"
    ) == [(2, "missing_required"), (3, "unknown_grant")]
    assert query("SELECT count(*) FROM raw.rows WHERE file_name = 'activities/a.csv'") == [(3,)]


FIRM_HEADER = ["cvr", "year", "employees", "turnover_dkk", "nace_code", "region"]


def _firm_cells(query):
    return query("SELECT cvr, employees, turnover_dkk FROM staging.firms ORDER BY cvr")


def test_comma_csv_numbers_use_dot_decimals_only(inbox, ingest, query):
    """'1,200' in a comma CSV is neither silently 1.2 nor a guessed 1200: it is bad_type."""
    from tests.ingestion.samples import CVR_A, CVR_B, CVR_C

    inbox.write(
        "firms/f.csv",
        ",".join(FIRM_HEADER) + "\n"
        f'{CVR_A},2025,"1,200",10,6201,DK01\n'
        f'{CVR_B},2025,12.5,"12,5",6201,DK01\n'
        f"{CVR_C},2025,3,1e3,6201,DK01\n",
    )
    ingest()
    assert _firm_cells(query) == [(CVR_C, 3.0, 1000.0)]
    assert query("SELECT row_number, reason, detail FROM quality.rejected_rows ORDER BY row_number") == [
        (1, "bad_type", "employees: '1,200' is not a number"),
        (2, "bad_type", "turnover_dkk: '12,5' is not a number"),
    ]


def test_danish_csv_numbers_and_xlsx_text_cells_in_either_form(inbox, ingest, query):
    from tests.ingestion.samples import CVR_A, CVR_B, CVR_C, CVR_D

    inbox.write(
        "firms/a.csv",
        ";".join(FIRM_HEADER) + "\n"
        f"{CVR_A};2025;1.200;1.234.567,50;6201;DK01\n",  # Danish: 1200 and 1234567.5
    )
    # XLSX text cells carry no dialect: plain first, the Danish form as a fall-back.
    inbox.write_xlsx(
        "firms/b.xlsx",
        [FIRM_HEADER, [CVR_B, 2025, "12,5", "1.234,5", "6201", "DK01"],
         [CVR_C, 2025, "12.5", 7, "6201", "DK01"], [CVR_D, 2025, 4, "1234.5", "6201", "DK01"]],
    )
    ingest()
    assert _firm_cells(query) == sorted(
        [(CVR_A, 1200.0, 1234567.5), (CVR_B, 12.5, 1234.5), (CVR_C, 12.5, 7.0), (CVR_D, 4.0, 1234.5)]
    )
    assert query("SELECT count(*) FROM quality.rejected_rows") == [(0,)]
