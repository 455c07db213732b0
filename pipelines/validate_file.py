"""``impact validate FILE --dataset NAME``: what ingestion would reject, without writing anything.

For the analyst who prepares a file: every row message names the contract's row number (the
record's position under the header) and, for CSV and XLSX, the row Excel shows
(``row 3 (Excel row 4)``, see :mod:`assets.ingestion.positions`); a missing required column lists
the columns found, suggests the nearest name and says from which row the header was read; rows
that will be accepted but can never count are listed as warnings (exit still 0 when nothing is
rejected, see :mod:`assets.ingestion.plausibility`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import duckdb
import polars as pl

from assets.ingestion.diagnosis import header_further_down, suggestions
from assets.ingestion.loader import cluster_references, load_references
from assets.ingestion.plausibility import Context, never_counting
from assets.ingestion.positions import Positions, positions
from assets.ingestion.readers import RawTable, UnreadableFile, read_table
from assets.ingestion.validation import MissingColumns, References, validate
from pipelines.core.config import load_settings, today_in_copenhagen
from pipelines.core.contract import DATASETS, Dataset
from pipelines.core.publish import corrupt_warehouse_message, warehouse_problem
from pipelines.core.warehouse import connect_reader, fetch_all, fetch_pl

EXIT_CLEAN, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2
# validation's duplicate-key detail names the winning row by its record number
_OTHER_ROW = re.compile(r"\bin row (\d+) of this file\b")


def _offline_references(dataset: Dataset, note: str) -> tuple[References, str | None]:
    with duckdb.connect() as con:
        from pipelines.core.warehouse import load_reference

        con.execute("CREATE SCHEMA reference").fetchall()
        load_reference(con)
        refs = cluster_references(con)
    checks = [
        name
        for name, wanted in (
            ("grants", dataset.grant_column),
            ("activities", dataset.activity_column),
            ("participation", dataset.needs_participation),
        )
        if wanted
    ]
    return refs, (
        f"{note}: references to {', '.join(checks)} were not checked" if checks else None
    )


def _warehouse_context(con: duckdb.DuckDBPyConnection, dataset: Dataset, context: Context) -> list[str]:
    """Fill ``context`` from the warehouse; returns notes on the rules that had to be skipped."""
    notes = []
    if dataset.activity_column:
        context.activities = fetch_pl(
            con,
            """SELECT a.activity_id, a.start_date, a.grant_id, g.period_start, g.period_end
               FROM staging.activities AS a LEFT JOIN staging.grants AS g USING (grant_id)""",
        )
    if dataset.name == "firms":
        first, last = fetch_all(con, "SELECT min(year), max(year) FROM staging.firms")[0]
        if first is None:
            notes.append("register years were not checked: the warehouse holds no firm register yet")
        else:
            context.register_years = (int(first), int(last))
    return notes


class WarehouseUnreadable(Exception):
    """The warehouse to read references from is damaged: the message says which file and what to do."""


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _references(dataset: Dataset, warehouse: Path, context: Context) -> tuple[References, list[str]]:
    problem = warehouse_problem(warehouse)
    if problem:
        raise WarehouseUnreadable(problem)
    try:
        if warehouse.exists():
            with connect_reader(warehouse) as con:
                return load_references(con, dataset), _warehouse_context(con, dataset, context)
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise WarehouseUnreadable(corrupt_warehouse_message(warehouse, _first_line(exc))) from exc
        note = f"the warehouse {warehouse} is open for writing by another process"
    except duckdb.Error as exc:
        raise WarehouseUnreadable(corrupt_warehouse_message(warehouse, _first_line(exc))) from exc
    else:
        note = f"no warehouse at {warehouse}"
    refs, ref_note = _offline_references(dataset, note)
    notes = [ref_note] if ref_note else []
    if dataset.activity_column:
        notes.append(f"{note}: dates were not checked against grant periods and activity starts")
    if dataset.name == "firms":
        notes.append(f"{note}: register years were not checked against the panel's range")
    return refs, notes


def _excel_rows_in(detail: str, where: Positions) -> str:
    return _OTHER_ROW.sub(lambda m: f"in {where.describe(int(m.group(1)))} of this file", detail)


def _explain_missing(exc: MissingColumns, table: RawTable, where: Positions, dataset: Dataset) -> None:
    """A missing required column: the columns found, the nearest names, the header's row."""
    if table.file_format == "xlsx":
        origin = f"row {where.header_row} of sheet {where.sheet!r} (its first non-empty row)"
    elif where.header_row is not None:
        origin = f"row {where.header_row}" + (" (the first non-blank line)" if where.header_row > 1 else "")
    else:
        origin = "the first row"
    print(f"  the header was read from {origin}")
    print("  columns found: " + ", ".join(repr(c) for c in exc.found))
    contract = {c.name for c in dataset.columns}
    unmatched = [h for h in exc.found if h.strip().lower() not in contract]
    for header, column in suggestions(exc.missing, unmatched):
        print(f"  {header!r}: did you mean {column!r}?")
    below = header_further_down(table.frame, dataset.required)
    if below is not None:
        excel = where.excel_row(below)
        place = f"Excel row {excel}" if excel is not None else f"the {below}. row under it"
        print(
            f"  the header seems to be in {place} (a title above it?): the contract wants the "
            "header in the first row, so delete the rows above it"
        )
    print(f"  required for {dataset.name}: " + ", ".join(dataset.required))


def validate_file(path: Path, dataset_name: str, warehouse: str | None, limit: int = 200) -> int:
    if dataset_name not in DATASETS:
        print(
            f"impact validate: unknown dataset {dataset_name!r}; one of {', '.join(DATASETS)}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not path.is_file():
        print(f"impact validate: {path} is not a file", file=sys.stderr)
        return EXIT_USAGE
    dataset = DATASETS[dataset_name]
    context = Context(today=today_in_copenhagen())
    try:
        refs, notes = _references(dataset, load_settings(warehouse=warehouse).warehouse, context)
    except WarehouseUnreadable as exc:
        print(f"impact validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    data = path.read_bytes()
    try:
        table = read_table(path, data)
    except UnreadableFile as exc:
        print(f"{path}: the file would fail: {exc}")
        return EXIT_REJECTED
    where = positions(data, table)
    try:
        result = validate(table, dataset, refs)
    except MissingColumns as exc:
        print(f"{path}: the file would fail: {exc}")
        _explain_missing(exc, table, where, dataset)
        return EXIT_REJECTED
    except UnreadableFile as exc:
        print(f"{path}: the file would fail: {exc}")
        return EXIT_REJECTED
    for note in notes:
        print(f"note: {note}")
    rejected = result.rejected.sort("row_number")
    warnings = never_counting(result.accepted, dataset, context)
    if where.excel_rows is not None and not (rejected.is_empty() and warnings.is_empty()):
        print(
            "note: 'row N' is the N-th record under the header (the row number ingestion records); "
            f"'Excel row' is the row Excel shows, the header being row {where.header_row}"
        )
    if rejected.is_empty():
        print(f"{path}: all {result.rows_total} rows would be accepted as {dataset_name}.")
    else:
        print(
            f"{path}: {rejected.height} of {result.rows_total} rows would be rejected "
            f"({result.accepted.height} accepted):"
        )
        _print_rows(rejected, "reason", where, limit)
    if not warnings.is_empty():
        n_rows = warnings["row_number"].n_unique()
        print(f"warning: {n_rows} accepted rows can never count (or only later than their date says):")
        _print_rows(warnings, "code", where, limit, label="warning")
    return EXIT_CLEAN if rejected.is_empty() else EXIT_REJECTED


def _print_rows(
    rows: pl.DataFrame, code: str, where: Positions, limit: int, label: str = "reason"
) -> None:
    for row in rows.head(limit).iter_rows(named=True):
        detail = _excel_rows_in(row["detail"], where)
        print(f"  {where.describe(row['row_number'])}: {row[code]}: {detail}")
    if rows.height > limit:
        print(f"  ... and {rows.height - limit} more (use --limit)")
    counts = rows.group_by(code).len().sort(code)
    print(f"by {label}: " + ", ".join(f"{r}={n}" for r, n in counts.iter_rows()))
