"""``impact export``: the published tables of one reporting date as an Excel workbook for analysts.

One sheet each for ``marts.indicators`` and ``marts.flags`` of the ``as_of`` (default: the newest in
the warehouse), ``quality.rejected_rows`` and ``meta.ingested_files`` (output contract). Sheets and
headers come from ``pipelines/core/outputs.toml``: Danish headers by default (``--lang en`` for
English), the cluster's name beside its id and the indicator's label beside its code, codes kept
in columns of their own. Cells are typed (numbers as numbers, dates as dates, text as text: a text
starting with ``=`` or ``http`` stays text), the header row is frozen and carries a filter, and each
header cell has the column's description as a comment.

The warehouse is opened read-only; the workbook is written with XlsxWriter to a temporary file
beside the target and renamed into place, so the target is never half-written.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.core.catalogue import catalogue
from pipelines.core.config import load_settings, parse_as_of
from pipelines.core.outputs import DERIVED, OutputTable, outputs
from pipelines.core.warehouse import connect_reader, fetch_all, table_columns

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
# Excel's limits: rows per sheet (the header included) and characters per cell.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CHARS = 32_767
TRUNCATED = "…"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
# How each sheet's rows are ordered: the national row first, then by cluster and code.
ORDER_BY: dict[str, str] = {
    "marts.indicators": "t.cluster_id <> 'ALL', t.cluster_id, t.indicator, t.period",
    "marts.flags": "t.cluster_id <> 'ALL', t.cluster_id, t.indicator, t.period, t.severity, t.message",
    "quality.rejected_rows": "t.file_name, t.row_number, t.file_sha256, t.reason",
    "meta.ingested_files": "t.ingested_at, t.file_name, t.file_sha256",
}
_WIDTH_SAMPLE_ROWS = 1000


class ExportError(Exception):
    """Something the user can put right (no warehouse, no such reporting date); exit 2."""


@dataclass
class Sheet:
    """One sheet to write: its name, the table it shows, the frame (columns in sheet order) and
    each column's header and description."""

    name: str
    table: str
    frame: pl.DataFrame
    headers: list[str]
    descriptions: list[str]


def newest_as_of(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    return fetch_all(con, "SELECT max(as_of) FROM marts.indicators")[0][0]


def reporting_dates(con: duckdb.DuckDBPyConnection) -> list[dt.date]:
    return [r[0] for r in fetch_all(con, "SELECT DISTINCT as_of FROM marts.indicators ORDER BY 1 DESC")]


def sheet_columns(declared: OutputTable, present: list[str]) -> list[str]:
    """The sheet's columns: the declared ones the table has (derived ones when their code is
    there), in declared order, then any column the table has and nobody declared yet (so nothing
    published is left out), the pipeline's internal columns excepted."""
    columns = [
        c.name
        for c in declared.columns
        if (DERIVED[c.name] in present if c.derived else c.name in present)
    ]
    declared_names = {c.name for c in declared.columns}
    columns += [c for c in present if c not in declared_names and c not in declared.internal]
    return columns


def _query(declared: OutputTable, columns: list[str]) -> str:
    select = []
    for name in columns:
        if name == "cluster_name":
            select.append(
                "CASE WHEN t.cluster_id = 'ALL' THEN $all_clusters ELSE c.organisation END AS cluster_name"
            )
        elif name == "indicator_label":
            select.append("CAST(NULL AS VARCHAR) AS indicator_label")  # filled from the catalogue
        else:
            select.append(f't."{name}"')
    joins = (
        "LEFT JOIN reference.clusters AS c ON c.cluster_id = t.cluster_id"
        if "cluster_name" in columns
        else ""
    )
    where = "WHERE t.as_of = $as_of" if declared.per_as_of else ""
    order = ORDER_BY.get(declared.name, "ALL")
    return f"SELECT {', '.join(select)} FROM {declared.name} AS t {joins} {where} ORDER BY {order}"


def _labels_of_codes(lang: str) -> dict[str, str]:
    """Indicator and data-quality flag codes -> their catalogue label in ``lang``."""
    cat = catalogue()
    labels = {i.code: i.label[lang] for i in cat}
    labels |= {f.code: f.label[lang] for f in cat.data_quality_flags.values()}
    return labels


def read_sheets(con: duckdb.DuckDBPyConnection, as_of: dt.date, lang: str) -> list[Sheet]:
    """Every published table of ``outputs.toml`` as a sheet (per-as_of tables: rows of ``as_of``)."""
    sheets = []
    out = outputs()
    for declared in out.tables:
        columns = sheet_columns(declared, table_columns(con, declared.name))
        query = _query(declared, columns)
        params = {"as_of": as_of, "all_clusters": out.all_clusters[lang]}
        used = {k: v for k, v in params.items() if f"${k}" in query}
        frame = con.sql(query, params=used or None).pl()
        if "indicator_label" in columns:
            frame = frame.with_columns(
                pl.col("indicator")
                .replace_strict(_labels_of_codes(lang), default=None, return_dtype=pl.String)
                .alias("indicator_label")
            )
        headers, descriptions = [], []
        for name in columns:
            column = declared.column(name)
            headers.append(column.label[lang] if column else name)
            descriptions.append(f"{name}: {column.description}" if column else name)
        sheets.append(Sheet(declared.sheet, declared.name, frame, headers, descriptions))
    return sheets


def _cell_text(value: str) -> tuple[str, bool]:
    """Text as a cell takes it: cut to Excel's 32,767 characters (marked with an ellipsis)."""
    if len(value) <= EXCEL_MAX_CHARS:
        return value, False
    return value[: EXCEL_MAX_CHARS - len(TRUNCATED)] + TRUNCATED, True


def _width(header: str, values: Iterable[Any]) -> float:
    longest = max([len(header), *(len(str(v)) for v in values if v is not None)])
    return float(min(max(longest + 2, 8), 60))


def write_workbook(path: Path, sheets: list[Sheet]) -> dict[str, Any]:
    """Write ``sheets`` to the workbook ``path`` (XlsxWriter, row by row in constant memory).

    A table longer than an Excel sheet continues on sheets named ``<sheet> (2)``, ... Returns
    the sheets written and how many text cells had to be cut to Excel's cell limit.
    """
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "default_date_format": DATE_FORMAT,
        },
    )
    header_format = book.add_format({"bold": True, "bottom": 1, "bg_color": "#E8EEF4"})
    date_format = book.add_format({"num_format": DATE_FORMAT})
    datetime_format = book.add_format({"num_format": DATETIME_FORMAT})
    written: list[str] = []
    truncated = 0
    try:
        for sheet in sheets:
            per_sheet = EXCEL_MAX_ROWS - 1
            parts = max(1, math.ceil(sheet.frame.height / per_sheet))
            for part in range(parts):
                name = sheet.name if part == 0 else f"{sheet.name} ({part + 1})"
                chunk = sheet.frame.slice(part * per_sheet, per_sheet)
                truncated += _write_sheet(
                    book.add_worksheet(name), chunk, sheet, header_format, date_format, datetime_format
                )
                written.append(name)
    finally:
        book.close()
    return {"sheets": written, "truncated_cells": truncated}


def _write_sheet(ws, frame: pl.DataFrame, sheet: Sheet, header_format, date_format, datetime_format) -> int:  # noqa: ANN001 - xlsxwriter objects
    sample = frame.head(_WIDTH_SAMPLE_ROWS)
    for col, header in enumerate(sheet.headers):
        ws.set_column(col, col, _width(header, sample.get_column(sample.columns[col]).to_list()))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, frame.height, len(sheet.headers) - 1)
    for col, (header, description) in enumerate(zip(sheet.headers, sheet.descriptions, strict=True)):
        ws.write_string(0, col, header, header_format)
        ws.write_comment(0, col, description, {"x_scale": 2, "y_scale": 1.5})
    truncated = 0
    for row, values in enumerate(frame.iter_rows(), start=1):
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, bool):
                ws.write_boolean(row, col, value)
            elif isinstance(value, int | float):
                if isinstance(value, float) and not math.isfinite(value):
                    continue  # NaN or infinite: an empty cell (Excel has no such number)
                ws.write_number(row, col, value)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(row, col, value, datetime_format)
            elif isinstance(value, dt.date):
                ws.write_datetime(row, col, value, date_format)
            else:
                text, cut = _cell_text(str(value))
                truncated += cut
                ws.write_string(row, col, text)
    return truncated


def default_out(reports: Path, as_of: dt.date) -> Path:
    return reports / f"impact_export_{as_of.isoformat()}.xlsx"


def export_workbook(
    warehouse: Path, out: Path | None, as_of: dt.date | None, lang: str, reports: Path
) -> tuple[Path, dt.date, list[Sheet], dict[str, Any]]:
    """Read the warehouse (read-only) and write the workbook; raises :class:`ExportError`."""
    if not warehouse.is_file():
        raise ExportError(f"no warehouse at {warehouse} (run `impact run` first, or give --warehouse)")
    with connect_reader(warehouse) as con:
        tables = {f"{s}.{t}" for s, t in fetch_all(con, "SELECT table_schema, table_name FROM information_schema.tables")}
        if "marts.indicators" not in tables or newest_as_of(con) is None:
            raise ExportError(f"{warehouse} holds no indicators yet (run `impact run` first)")
        if as_of is None:
            as_of = newest_as_of(con)
        elif as_of not in reporting_dates(con):
            dates = ", ".join(d.isoformat() for d in reporting_dates(con)[:10])
            raise ExportError(f"{warehouse} holds no indicators as of {as_of}; reporting dates held: {dates}")
        sheets = read_sheets(con, as_of, lang)
    target = out or default_out(reports, as_of)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        info = write_workbook(temporary, sheets)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target, as_of, sheets, info


def export(warehouse: str | None, as_of: str | None, out: str | None, lang: str | None) -> int:
    """The ``impact export`` command: prints what it wrote; exit 0, 2 for a usage error, 1 when
    the warehouse cannot be read or the workbook cannot be written."""
    settings = load_settings(warehouse=warehouse, lang=lang)
    try:
        date = parse_as_of(as_of) if as_of else None
        path, date, sheets, info = export_workbook(
            settings.warehouse, Path(out) if out else None, date, settings.lang, settings.reports
        )
    except (ExportError, ValueError) as exc:
        print(f"impact export: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (duckdb.Error, OSError) as exc:
        print(f"impact export: failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Excel workbook written to {path} (as of {date}, {'Danish' if settings.lang == 'da' else 'English'} headers):")
    for sheet in sheets:
        print(f"  {sheet.name:<24} {sheet.frame.height:>9,} rows")
    if len(info["sheets"]) > len(sheets):
        print(f"  (a table longer than an Excel sheet continues on: {', '.join(info['sheets'][len(sheets):])})")
    if info["truncated_cells"]:
        print(
            f"  note: {info['truncated_cells']} text cells were longer than Excel's "
            f"{EXCEL_MAX_CHARS:,} characters and end in '{TRUNCATED}'; the warehouse has them whole"
        )
    return EXIT_OK
