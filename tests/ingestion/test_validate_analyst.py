"""`impact validate` for the analyst: Excel rows beside record numbers, a missing column explained,
warnings for rows that will be accepted but can never count, every dataset named in --help."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from assets.ingestion.plausibility import Context, never_counting
from assets.ingestion.readers import read_table
from assets.ingestion.validation import References, validate
from pipelines import cli
from pipelines.core.contract import DATASETS
from pipelines.validate_file import validate_file
from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, CVR_C, GRANTS_CSV

NO_WAREHOUSE = "/nonexistent/warehouse.duckdb"


def _validate(capsys: pytest.CaptureFixture, path: Path, dataset: str, warehouse: str | Path = NO_WAREHOUSE) -> tuple[int, str]:
    code = validate_file(path, dataset, str(warehouse))
    return code, capsys.readouterr().out


# --- Excel rows -----------------------------------------------------------------------------------


def test_csv_excel_rows_count_multi_line_cells_once_and_blank_lines_as_rows(inbox, capsys) -> None:
    """Excel row = the row Excel shows: the header is row 1; the quoted title spanning two lines
    is one row (2); the blank line is an empty row (3) but no record."""
    path = inbox.write(
        "activities/a.csv",
        "activity_id,grant_id,title,theme,start_date,end_date\n"
        'A1,GC1,"Netværk\nover to linjer",energy,2025-02-01,2025-02-01\n'
        "\n"
        "A2,GC1,Bad date,energy,2025-13-01,\n"
        "A3,GC1,End before start,energy,2025-03-01,2025-02-01\n",
    )
    code, out = _validate(capsys, path, "activities")
    assert code == 1
    assert "  row 2 (Excel row 4): bad_type: start_date: '2025-13-01'" in out
    assert "  row 3 (Excel row 5): out_of_range: end_date" in out
    assert "'Excel row' is the row Excel shows, the header being row 1" in out
    # the record numbers are those ingestion stores (the contract's row_number)
    rejected = validate(read_table(path), DATASETS["activities"], References(clusters=set())).rejected
    assert rejected.sort("row_number")["row_number"].to_list() == [2, 3]


def test_danish_csv_with_blank_lines_above_the_header(inbox, capsys) -> None:
    """Blank lines above the header: Excel shows them, the reader skips them; and a blank line
    between records is still no record (ingestion and validate agree)."""
    path = inbox.write(
        "grants/g.csv",
        "\n\ngrant_id;cluster_id;grant_type;awarded_dkk;period_start;period_end;target_smes\n"
        "G1;odense-robotics;cluster;1.000,50;01-01-2025;31-12-2028;10\n"
        "\n"
        "G2;ukendt;cluster;1.000;01-01-2025;31-12-2028;10\n",
        encoding="cp1252",
    )
    assert read_table(path).frame.height == 2  # the blank line between the records is dropped
    code, out = _validate(capsys, path, "grants")
    assert code == 1
    assert "  row 2 (Excel row 6): unknown_cluster: cluster_id: 'ukendt'" in out
    assert "the header being row 3" in out


def test_xlsx_excel_rows_are_the_sheets_own_rows(inbox, capsys) -> None:
    path = inbox.write_xlsx(
        "participation/p.xlsx",
        [
            [None],
            ["activity_id", "cvr", "participation_date"],  # row 2: the first non-empty row
            ["A1", CVR_A, "2025-03-01"],  # row 3
            [None],  # row 4: empty, no record
            ["A1", "12345678", "2025-03-01"],  # row 5
            ["A2", CVR_A, "2025-03-01"],  # row 6
            ["A2", CVR_A, "2025-04-01"],  # row 7: the same key again, this one wins
        ],
    )
    code, out = _validate(capsys, path, "participation")
    assert code == 1
    assert "  row 2 (Excel row 5): invalid_cvr" in out
    assert "  row 3 (Excel row 6): duplicate_key_in_file: " in out
    assert "appears again in row 4 (Excel row 7) of this file, which wins" in out


def test_parquet_rows_have_no_excel_row(inbox, capsys) -> None:
    path = inbox.write_parquet(
        "participation/p.parquet",
        pl.DataFrame({"activity_id": ["A1", "A1"], "cvr": [CVR_A, "1234567"], "participation_date": ["2025-03-01"] * 2}),
    )
    code, out = _validate(capsys, path, "participation")
    assert code == 1 and "  row 2: invalid_cvr" in out and "Excel row" not in out


# --- a missing required column ---------------------------------------------------------------------


def test_a_missing_column_lists_what_was_found_and_suggests_the_nearest_name(inbox, capsys) -> None:
    path = inbox.write("participation/p.csv", f"activity_id,CVR,dato,Firm Name\nA1,{CVR_A},2025-03-01,X\n")
    code, out = _validate(capsys, path, "participation")
    assert code == 1
    assert "lacks required column(s) 'participation_date'" in out
    assert "the header was read from row 1" in out
    assert "columns found: 'activity_id', 'CVR', 'dato', 'Firm Name'" in out
    assert "'dato': did you mean 'participation_date'?" in out
    assert "'Firm Name'" not in out.split("columns found:")[1].split("\n", 1)[1]  # no far-fetched hint


def test_a_header_spelled_with_spaces_and_a_title_row_above_it(inbox, capsys) -> None:
    path = inbox.write_xlsx(
        "participation/p.xlsx",
        [["Deltagelse 2026"], [None], ["Activity ID", "cvr", "Participation Date"], ["A1", CVR_A, "2025-03-01"]],
    )
    code, out = _validate(capsys, path, "participation")
    assert code == 1
    assert "the header was read from row 1 of sheet 'Sheet' (its first non-empty row)" in out
    assert "columns found: 'Deltagelse 2026'" in out
    assert "the header seems to be in Excel row 3" in out
    path = inbox.write_xlsx(
        "participation/q.xlsx", [["activity_id", "cvr", "Participation Date"], ["A1", CVR_A, "2025-03-01"]]
    )
    code, out = _validate(capsys, path, "participation")
    assert "'Participation Date': did you mean 'participation_date'?" in out


# --- warnings: accepted, but never counting --------------------------------------------------------


@pytest.fixture
def programme(inbox, ingest, warehouse) -> Path:
    """A warehouse with grants GC1/GI1 (2025-01-01..2028-12-31), activities AC1 (starts
    2025-02-01) and AI1 (2025-03-01), a participation in AI1 and a register of 2024 and 2025."""
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    inbox.write("participation/p.csv", f"activity_id,cvr,participation_date\nAI1,{CVR_A},2025-03-05\nAI1,{CVR_B},2025-03-06\n")
    inbox.write(
        "firms/f.csv",
        "cvr,year,employees,nace_code,region\n"
        f"{CVR_A},2024,5,2899,DK03\n{CVR_A},2025,5,2899,DK03\n",
    )
    ingest()
    return warehouse


def test_participations_outside_the_grant_or_before_the_activity_are_warned(inbox, programme, capsys) -> None:
    path = inbox.write(
        "new/p.csv",
        "activity_id,cvr,participation_date\n"
        f"AC1,{CVR_A},2024-12-01\n"  # before the grant and before the activity: two warnings
        f"AC1,{CVR_B},2025-01-15\n"  # inside the grant, before the activity starts
        f"AC1,{CVR_C},2029-01-15\n"  # after the grant's period_end
        f"AI1,{CVR_C},2025-03-01\n",  # fine
    )
    code, out = _validate(capsys, path, "participation", programme)
    assert code == 0  # nothing rejected: warnings do not fail the file
    assert "all 4 rows would be accepted as participation." in out
    assert "warning: 3 accepted rows can never count" in out
    assert (
        "  row 1 (Excel row 2): outside_grant_window: participation_date 2024-12-01 lies outside "
        "the period of grant GC1 (2025-01-01 to 2028-12-31): it never counts"
    ) in out
    assert "  row 1 (Excel row 2): before_activity_start: participation_date 2024-12-01 is before activity AC1 starts (2025-02-01)" in out
    assert "  row 2 (Excel row 3): before_activity_start" in out
    assert "row 2 (Excel row 3): outside_grant_window" not in out
    assert "  row 3 (Excel row 4): outside_grant_window: participation_date 2029-01-15" in out
    assert "row 4 (Excel row 5)" not in out


def test_concepts_outside_the_innovation_grant_are_warned(inbox, programme, capsys) -> None:
    path = inbox.write(
        "new/o.csv",
        "activity_id,cvr,concept_developed,concept_date\n"
        f"AI1,{CVR_A},ja,2024-06-01\n"  # developed before the grant started
        f"AI1,{CVR_B},nej,2024-06-01\n",  # not developed: it counts for nothing anyway
    )
    code, out = _validate(capsys, path, "innovation_outcomes", programme)
    assert code == 0
    assert "  row 1 (Excel row 2): outside_grant_window: concept_date 2024-06-01" in out
    assert "row 2 (Excel row 3)" not in out


def test_register_years_outside_the_panel_and_implausible_years(inbox, programme, capsys) -> None:
    path = inbox.write(
        "new/f.csv",
        "cvr,year,employees,nace_code,region\n"
        f"{CVR_B},2023,5,2899,DK03\n"  # before the panel's first year (2024)
        f"{CVR_B},2025,5,2899,DK03\n"  # inside
        f"{CVR_B},2026,5,2899,DK03\n",  # after its last
    )
    code, out = _validate(capsys, path, "firms", programme)
    assert code == 0
    assert "  row 1 (Excel row 2): outside_register_panel: year 2023 lies outside the register panel in the warehouse (2024-2025)" in out
    assert "  row 3 (Excel row 4): outside_register_panel: year 2026" in out
    assert "row 2 (Excel row 3)" not in out
    # without a register in the warehouse the rule is skipped, and the note says so
    code, out = _validate(capsys, path, "firms", NO_WAREHOUSE)
    assert code == 0 and "register years were not checked against the panel's range" in out
    assert "warning:" not in out


def test_dates_before_2000_and_far_in_the_future(inbox, capsys) -> None:
    path = inbox.write(
        "new/d.csv",
        "survey_year,cluster_id,respondent_cvr,theme,demand\n"
        f"1999,censec,{CVR_A},energy,3\n"
        f"2099,censec,{CVR_A},energy,3\n"
        f"2025,censec,{CVR_A},energy,3\n",
    )
    code, out = _validate(capsys, path, "survey_demand")
    assert code == 0
    assert "  row 1 (Excel row 2): date_before_2000: survey_year 1999 is before 2000" in out
    assert "  row 2 (Excel row 3): date_in_future: survey_year 2099 is after next year" in out
    assert "row 3 (Excel row 4)" not in out


def test_the_future_is_more_than_a_year_after_today() -> None:
    today = dt.date(2026, 11, 30)
    accepted = pl.DataFrame(
        {
            "_row_number": [1, 2, 3, 4],
            "activity_id": ["A"] * 4,
            "grant_id": ["G"] * 4,
            "title": ["t"] * 4,
            "theme": ["energy"] * 4,
            "start_date": [today + dt.timedelta(days=365), today + dt.timedelta(days=366),
                           dt.date(1999, 12, 31), dt.date(2000, 1, 1)],
            "end_date": [None, dt.date(2031, 1, 1), None, dt.date(1999, 1, 1)],
        }
    )  # fmt: skip
    warned = never_counting(accepted, DATASETS["activities"], Context(today=today))
    assert warned.select("row_number", "code").rows() == [
        (2, "date_in_future"),  # start 366 days ahead; an end date far ahead is no event
        (3, "date_before_2000"),
        (4, "date_before_2000"),  # every date column: end_date 1999
    ]


# --- --help ----------------------------------------------------------------------------------------


def test_help_lists_every_dataset(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["validate", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    for name, dataset in DATASETS.items():
        assert name in out.split("\n  --dataset NAME", 1)[1].split("--warehouse", 1)[0]
        assert f"  {name:<20} {dataset.description}" in out
