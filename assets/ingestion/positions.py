"""Where a file's header and records are as an analyst sees them in Excel.

The contract's ``row_number`` counts a file's data records (1 = the first record under the
header), which is what ingestion stores. An analyst who opens the file in Excel sees rows instead:

- CSV: the header is row 1, unless blank lines come first (the readers skip them, Excel shows
  them). Each record is one Excel row, also when a quoted cell spans several lines (Excel keeps
  the line breaks inside the cell). A blank line is no record, but Excel shows it as an empty row.
  So the Excel row is 1 + the number of records and blank lines above the record, header included.
- XLSX: the header is the first non-empty row of the first sheet (the reader skips empty rows
  above it, and empty rows between records). The Excel row is the sheet's own row number.
- Parquet has no rows an analyst could open in Excel: no Excel row.

Only ``impact validate`` asks for positions (it re-reads the file's rows once more, with Python's
``csv`` module or openpyxl); ingestion does not pay for it. Whenever the second reading does not
find exactly the records the reader found, the Excel rows are left unknown rather than guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from assets.ingestion.readers import RawTable, decode_text


@dataclass(frozen=True)
class Positions:
    """The header's row and each record's row as Excel shows them (1-based)."""

    header_row: int | None = None
    excel_rows: tuple[int, ...] | None = None  # excel_rows[row_number - 1]
    sheet: str | None = None  # XLSX: the name of the sheet read

    def excel_row(self, row_number: int) -> int | None:
        if self.excel_rows is None or not 1 <= row_number <= len(self.excel_rows):
            return None
        return self.excel_rows[row_number - 1]

    def describe(self, row_number: int) -> str:
        """``row 3 (Excel row 4)``, or ``row 3`` where the Excel row is unknown."""
        excel = self.excel_row(row_number)
        return f"row {row_number}" + (f" (Excel row {excel})" if excel is not None else "")


def positions(data: bytes, table: RawTable) -> Positions:
    """The positions of ``table``'s header and records in the file ``data`` it was read from."""
    try:
        if table.file_format in ("csv", "csv-danish"):
            return _csv_positions(data, table)
        if table.file_format == "xlsx":
            return _xlsx_positions(data, table)
    except Exception:  # a second reader that trips where the first did not: positions unknown
        return Positions()
    return Positions()


def _matching(height: int, candidates: list[tuple[int, ...]]) -> tuple[int, ...] | None:
    """The candidate row list with exactly one row per record read, if any."""
    return next((rows for rows in candidates if len(rows) == height), None)


def _csv_positions(data: bytes, table: RawTable) -> Positions:
    sep = ";" if table.file_format == "csv-danish" else ","
    text = decode_text(data).lstrip("\ufeff")
    entries = list(csv.reader(io.StringIO(text), delimiter=sep))  # [] for a blank line
    header = next((i for i, entry in enumerate(entries) if entry), None)
    if header is None:
        return Positions()
    after = range(header + 1, len(entries))
    rows = _matching(
        table.frame.height,
        [
            tuple(i + 1 for i in after if entries[i]),  # blank lines are no records
            tuple(i + 1 for i in after),  # the reader kept them (see readers._without_blank_lines)
        ],
    )
    return Positions(header + 1, rows)


def _xlsx_positions(data: bytes, table: RawTable) -> Positions:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # read every row, whatever the file says its size is
        filled = [
            number
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
            if any(v is not None and v != "" for v in values)
        ]
        title = sheet.title
    finally:
        book.close()
    if not filled:
        return Positions(sheet=title)
    return Positions(filled[0], _matching(table.frame.height, [tuple(filled[1:])]), title)
