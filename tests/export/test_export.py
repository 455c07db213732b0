"""`impact export`: the workbook read back with a second library (openpyxl) and compared cell by
cell with the warehouse (values, types, dates), its header row, frozen panes and filters."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest

from assets.models.models import run_all
from pipelines import export as export_module
from pipelines.core.catalogue import catalogue
from pipelines.core.outputs import outputs
from pipelines.core.warehouse import connect_writer
from tests.marts.marts_helpers import Stage

ROOT = Path(__file__).resolve().parents[2]
EARLY, LATE = dt.date(2026, 6, 30), dt.date(2026, 12, 31)
LONG_RAW = json.dumps({"title": "x" * 40_000})
# Text that a careless writer would turn into a formula, a link or a number.
TRICKY = ["=SUM(A1:A2)", "http://example.com/a?b=1", "00123", "+45 1234", "Sønderborg æøå", "-1"]


def _build(path: Path) -> None:
    with connect_writer(path) as con:
        s = Stage(con)
        s.grant("G-OR", "odense-robotics", "cluster", "2025-01-01", "2028-12-31", target=10, share=0.3)
        s.grant("G-CS", "censec", "cluster", "2025-01-01", "2028-12-31", target=4)
        s.activity("A1", "G-OR", "2025-02-01", "automation_robotics")
        s.activity("A2", "G-OR", "2026-03-01", "finance")
        s.activity("C1", "G-CS", "2025-03-01", "defence_security")
        for i, cvr in enumerate(("10000001", "10000002", "10000003")):
            s.firm(cvr, 2025, 10 + 200 * i, turnover=1e6)
            s.participation("A1", cvr, "2025-04-01")
        s.participation("C1", "10000001", "2025-05-01")
        s.account("odense-robotics", 2025, deb=10.0, other_public=1.0, membership=2.0,
                  sponsorships=1.0, user_payments=1.5)  # fmt: skip
        run_all(con, EARLY)
        run_all(con, LATE)
        for n, text in enumerate([*TRICKY, LONG_RAW], start=1):
            con.execute(
                "INSERT INTO quality.rejected_rows (file_sha256, file_name, dataset, row_number, reason, "
                "detail, raw) VALUES ('abc', 'participation/p.csv', "
                "'participation', $n, 'bad_type', $detail, $raw)",
                {"n": n, "detail": text, "raw": text if text == LONG_RAW else json.dumps({"cvr": text})},
            ).fetchall()
        con.execute(
            """INSERT INTO meta.ingested_files (file_sha256, file_name, dataset, status, rows_total,
                   rows_accepted, rows_rejected, error, ingested_at, file_format, file_size_bytes,
                   run_id, file_mtime_ns, file_ctime_ns) VALUES
               ('abc', 'participation/p.csv', 'participation', 'ingested', 10, 3, 7, NULL,
                TIMESTAMP '2026-06-30 02:00:01.123456', 'csv', 1234, 'run-1', 1, 2),
               ('def', 'grants/=g.csv', 'grants', 'failed', 0, 0, 0, '=the file is empty',
                TIMESTAMP '2026-06-30 02:00:02', 'csv', 0, 'run-1', 1, 2)"""
        ).fetchall()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    _build(path)
    return path


def _export(warehouse: Path, out: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "export", "--warehouse", str(warehouse),
         "--out", str(out), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _code_of_header(table: str, lang: str) -> dict[str, str]:
    return {c.label[lang]: c.name for c in outputs()[table].columns}


def _expected_rows(con: duckdb.DuckDBPyConnection, table: str, as_of: dt.date, lang: str) -> list[dict]:
    """The warehouse's rows of the sheet by an independent route: the table itself, ordered as
    the sheet promises, with the cluster's name and the catalogue label looked up here."""
    names = dict(con.execute("SELECT cluster_id, organisation FROM reference.clusters").fetchall())
    names["ALL"] = {"da": "Alle klynger", "en": "All clusters"}[lang]
    labels = {i.code: i.label[lang] for i in catalogue()}
    labels |= {f.code: f.label[lang] for f in catalogue().data_quality_flags.values()}
    order = {
        "marts.indicators": "WHERE as_of = $d ORDER BY cluster_id <> 'ALL', cluster_id, indicator, period",
        "marts.flags": "WHERE as_of = $d ORDER BY cluster_id <> 'ALL', cluster_id, indicator, period, severity, message",
        "quality.rejected_rows": "ORDER BY file_name, row_number",
        "meta.ingested_files": "ORDER BY ingested_at, file_name",
    }[table]
    cursor = con.execute(f"SELECT * FROM {table} {order}", {"d": as_of} if "$d" in order else {})
    columns = [d[0] for d in cursor.description]
    rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
    for row in rows:
        if "cluster_id" in row:
            row["cluster_name"] = names[row["cluster_id"]]
        if "indicator" in row:
            row["indicator_label"] = labels[row["indicator"]]
    return rows


def _assert_cell(cell, expected, where: str) -> None:  # noqa: ANN001 - an openpyxl cell
    if expected is None:
        assert cell.value is None, where
    elif isinstance(expected, bool):
        assert cell.value is expected, where
    elif isinstance(expected, int | float):
        assert cell.data_type == "n" and not isinstance(cell.value, str), where
        # XlsxWriter writes numbers with 16 significant digits
        assert cell.value == pytest.approx(expected, rel=1e-15, abs=1e-300), where
    elif isinstance(expected, dt.datetime):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm:ss", where
        assert abs(cell.value - expected) < dt.timedelta(milliseconds=1), where  # Excel keeps ms
    elif isinstance(expected, dt.date):
        assert cell.is_date and cell.number_format == "yyyy-mm-dd", where
        assert cell.value == dt.datetime.combine(expected, dt.time()), where
    else:
        assert cell.data_type == "s", where  # text stays text: no formula, link or number
        if len(expected) > 32_767:
            assert cell.value == expected[:32_766] + "…", where
        else:
            assert cell.value == expected, where


def _compare_sheet(book, con, table: str, as_of: dt.date, lang: str) -> int:  # noqa: ANN001
    ws = book[outputs()[table].sheet]
    headers = [c.value for c in ws[1]]
    codes = [_code_of_header(table, lang)[h] for h in headers]
    expected = _expected_rows(con, table, as_of, lang)
    assert ws.max_row == len(expected) + 1, table
    assert ws.freeze_panes == "A2", table
    last = openpyxl.utils.get_column_letter(len(headers))
    assert ws.auto_filter.ref == f"A1:{last}{len(expected) + 1}", table
    for i, row in enumerate(ws.iter_rows(min_row=2), start=0):
        for code, cell in zip(codes, row, strict=True):
            _assert_cell(cell, expected[i][code], f"{table} row {i + 2} {code}")
    # every published column is in the sheet (the pipeline's internal ones excepted)
    stored = {c for c in expected[0] if c not in outputs()[table].internal} if expected else set()
    assert stored <= set(codes), table
    return len(expected)


def test_the_workbook_equals_the_warehouse_cell_by_cell(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "analyst.xlsx"
    done = _export(warehouse, out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"as of {LATE}" in done.stdout  # the newest reporting date by default
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [
        "marts.indicators", "marts.flags", "quality.rejected_rows", "meta.ingested_files"
    ]  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        counts = {t.name: _compare_sheet(book, con, t.name, LATE, "da") for t in outputs().tables}
        (n_late,) = con.execute(
            "SELECT count(*) FROM marts.indicators WHERE as_of = $d", {"d": LATE}
        ).fetchone()
    assert counts["marts.indicators"] == n_late > 20
    assert counts["marts.flags"] > 0 and counts["quality.rejected_rows"] == 7
    ind = book["marts.indicators"]
    headers = [c.value for c in ind[1]]
    # Danish headers, the cluster's name beside its id, the label beside the code
    assert headers[:4] == ["Klynge-id", "Klynge", "Indikatorkode", "Indikator"]
    assert {"Værdi", "Mål", "Antal virksomheder", "Opgørelsesdato"} <= set(headers)
    assert ind["A2"].value == "ALL" and ind["B2"].value == "Alle klynger"
    assert ind["A1"].comment.text.startswith("cluster_id: ")
    assert "end in '…'" in done.stdout  # the 40,000-character detail and raw


def test_english_headers_and_an_earlier_reporting_date(warehouse: Path, tmp_path: Path) -> None:
    out = tmp_path / "en.xlsx"
    done = _export(warehouse, out, "--as-of", EARLY.isoformat(), "--lang", "en")
    assert done.returncode == 0, done.stderr
    book = openpyxl.load_workbook(out)
    assert [c.value for c in book["marts.flags"][1]][:4] == [
        "Cluster id", "Cluster", "Indicator code", "Indicator"
    ]  # fmt: skip
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table in ("marts.indicators", "marts.flags"):
            _compare_sheet(book, con, table, EARLY, "en")
    sheet = book["marts.indicators"]
    as_of_column = next(c.column_letter for c in sheet[1] if c.value == "Reporting date")
    assert {c.value for c in sheet[as_of_column][1:]} == {dt.datetime.combine(EARLY, dt.time())}


def test_export_never_writes_to_the_warehouse(warehouse: Path, tmp_path: Path) -> None:
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest(), warehouse.stat().st_mtime_ns
    siblings = set(warehouse.parent.iterdir())
    assert _export(warehouse, tmp_path / "x.xlsx").returncode == 0
    assert (hashlib.sha256(warehouse.read_bytes()).hexdigest(), warehouse.stat().st_mtime_ns) == before
    assert set(warehouse.parent.iterdir()) == siblings  # no WAL, no lock file


def test_usage_errors_exit_2_with_a_clear_message(warehouse: Path, tmp_path: Path) -> None:
    done = _export(tmp_path / "missing.duckdb", tmp_path / "x.xlsx")
    assert done.returncode == 2 and "no warehouse at" in done.stderr
    done = _export(warehouse, tmp_path / "x.xlsx", "--as-of", "2026-01-01")
    assert done.returncode == 2
    assert "no indicators as of 2026-01-01" in done.stderr and "2026-12-31, 2026-06-30" in done.stderr
    assert not (tmp_path / "x.xlsx").exists()


def test_default_out_is_the_reports_folder(warehouse: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "export", "--warehouse", str(warehouse)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, IMPACT_REPORTS=str(tmp_path / "reports")),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reports" / f"impact_export_{LATE}.xlsx").is_file()
    assert list((tmp_path / "reports").iterdir()) == [tmp_path / "reports" / f"impact_export_{LATE}.xlsx"]


def test_a_table_longer_than_a_sheet_continues_on_the_next(
    warehouse: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_module, "EXCEL_MAX_ROWS", 4)  # a header and 3 rows per sheet
    path, _, sheets, info = export_module.export_workbook(
        warehouse, tmp_path / "long.xlsx", LATE, "da", tmp_path
    )
    book = openpyxl.load_workbook(path)
    rejected = [n for n in book.sheetnames if n.startswith("quality.rejected_rows")]
    assert rejected == ["quality.rejected_rows", "quality.rejected_rows (2)", "quality.rejected_rows (3)"]
    values = [
        row[2].value for name in rejected for row in book[name].iter_rows(min_row=2)
    ]  # the row_number column, in order across the sheets
    assert values == [1, 2, 3, 4, 5, 6, 7]
    assert all(book[n].freeze_panes == "A2" and book[n]["A1"].value == "Fil" for n in rejected)
    assert info["truncated_cells"] == 2  # the 40,000-character detail and raw
