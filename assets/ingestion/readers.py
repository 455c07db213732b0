"""Read a delivered file into an all-text Polars frame, whatever its format.

Formats are recognised by content first (Parquet and XLSX have magic bytes) and by extension
second. Every cell comes back as text exactly as delivered (trimmed, empty -> null) so that the
raw layer keeps the original and one parser (``parsing.py``) types all formats alike. The one
thing a reader must pass on is the CSV dialect: Danish Excel CSV (``;``) means decimal commas.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from assets.ingestion.parsing import NumberStyle

PARQUET_MAGIC = b"PAR1"
ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
TEXT_EXTENSIONS = {".csv", ".txt", ".tsv", ""}
# How a delivered CSV is parsed, whole (here) or in batches (assets/ingestion/batched.py): every
# cell as text, a header row, double quotes, an empty cell is missing, an empty file is an error.
CSV_OPTIONS = {
    "infer_schema": False,
    "has_header": True,
    "quote_char": '"',
    "empty_string_is_null": True,
    "raise_if_empty": True,
}


class UnreadableFile(Exception):
    """The file as a whole cannot be used; the message names the problem."""


@dataclass(frozen=True)
class RawTable:
    frame: pl.DataFrame  # all pl.String, original header names and cells
    file_format: str  # csv | csv-danish | xlsx | parquet
    decimal_comma: bool  # numbers written the Danish way (1.234,50)

    @property
    def number_style(self) -> NumberStyle:
        """How text cells write numbers (see :func:`assets.ingestion.parsing.number`)."""
        if self.decimal_comma:
            return "danish"
        return "plain" if self.file_format == "csv" else "either"


def read_table(path: Path, data: bytes | None = None) -> RawTable:
    """Read ``path`` (or its already-read bytes) into a :class:`RawTable`."""
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise UnreadableFile("the file is empty")
    suffix = path.suffix.lower()
    if data.startswith(PARQUET_MAGIC):
        return _read_parquet(data)
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data)
    if suffix in (".parquet", ".pq"):
        raise UnreadableFile("the file has a .parquet name but is not a Parquet file")
    if suffix in (".xlsx", ".xlsm"):
        raise UnreadableFile("the file has an .xlsx name but is not an Excel workbook")
    if suffix == ".xls":
        raise UnreadableFile("old Excel .xls files are not accepted: save the sheet as .xlsx or CSV")
    if suffix not in TEXT_EXTENSIONS:
        raise UnreadableFile(
            f"unsupported file type {suffix!r}: deliver CSV, XLSX or Parquet"
        )
    return _read_csv(data)


def decode_text(data: bytes, lenient: bool = False) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (what Danish Excel writes).

    UTF-16 with a byte-order mark (Excel's "Unicode text") is accepted too. ``lenient`` is for
    sniffing a file's first lines only: undecodable bytes become replacement characters.
    """
    if lenient:
        try:
            return decode_text(data)
        except UnreadableFile:
            return data.decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile("the file claims UTF-16 but does not decode as UTF-16") from None
    if b"\x00" in data[:65536]:
        raise UnreadableFile("the file is binary, not a CSV text file")
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            f"the text is neither UTF-8 nor Windows-1252 (byte {data[exc.start]:#04x} at offset {exc.start})"
        ) from None


def sniff_separator(text: str) -> str:
    """``;`` for Danish Excel CSV, else ``,``: decided on the header line (the first line that is
    not blank, as the CSV parser skips blank lines above the header), outside quotes."""
    header = next((line for line in text.split("\n") if line.strip()), "")
    counts = {";": 0, ",": 0}
    in_quotes = False
    for ch in header:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in counts:
            counts[ch] += 1
    return ";" if counts[";"] > counts[","] else ","


def _read_csv(data: bytes) -> RawTable:
    """CSV in either dialect. Valid UTF-8 is parsed straight from the bytes (no decoded copy of a
    large file); anything else is decoded (Windows-1252, UTF-16) and parsed from the text."""
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableFile("the file is binary, not a CSV text file")
    head = decode_text(data[:65536].rsplit(b"\n", 1)[0] if b"\n" in data[:65536] else data[:65536], lenient=True)
    sep = sniff_separator(head.lstrip("\ufeff"))
    source: bytes = data
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        source = decode_text(data).encode("utf-8")
    try:
        frame = _parse_csv(source, sep)
    except pl.exceptions.ComputeError as exc:
        if "utf-8" not in str(exc).lower():
            raise UnreadableFile(f"the CSV cannot be parsed: {_describe_csv_error(decode_text(data), sep, exc)}") from None
        text = decode_text(data)
        try:
            frame = _parse_csv(text.encode("utf-8"), sep)
        except pl.exceptions.PolarsError as exc2:
            raise UnreadableFile(f"the CSV cannot be parsed: {_describe_csv_error(text, sep, exc2)}") from None
    except pl.exceptions.NoDataError:
        raise UnreadableFile("the file has no header row") from None
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(f"the CSV cannot be parsed: {_describe_csv_error(decode_text(data), sep, exc)}") from None
    frame = _without_blank_lines(frame, data, sep)
    return RawTable(_clean(frame), "csv-danish" if sep == ";" else "csv", decimal_comma=sep == ";")


def _without_blank_lines(frame: pl.DataFrame, data: bytes, sep: str) -> pl.DataFrame:
    """Drop the rows that were blank lines: they are not records.

    Python's ``csv.DictReader``, pandas and DuckDB skip blank lines, and an XLSX sheet's blank rows
    never reach us either (Polars drops them). Polars' CSV reader returns a blank line as a row of
    nulls, just like a record of empty fields (``;;;``), which is a record and stays. So only when
    some row is entirely null is the text read again with the ``csv`` module, which tells the two
    apart (``[]`` for a blank line) and follows quoted cells across lines as Polars does. When the
    two readers do not agree on the number of records, every row is kept: nothing is lost.
    """
    import csv

    if frame.width == 0 or not frame.select(pl.all_horizontal(pl.all().is_null()).any()).item():
        return frame
    try:
        reader = csv.reader(io.StringIO(decode_text(data).lstrip("\ufeff")), delimiter=sep)
        for header in reader:  # blank lines above the header are skipped, as Polars skips them
            if header:
                break
        blank = [record == [] for record in reader]
    except csv.Error:
        return frame
    if len(blank) != frame.height:
        return frame
    return frame.filter(~pl.Series(blank, dtype=pl.Boolean))


def _parse_csv(data: bytes, sep: str) -> pl.DataFrame:
    # Polars sniffs gzip/zlib/zstd magic bytes and decompresses: a header starting "x^" (zlib's
    # 0x78 0x5E) came back as garbage columns, and "x\x01" raised OSError. Behind a byte-order
    # mark, which Polars strips, the bytes are always read as text.
    if not data.startswith(UTF8_BOM):
        data = UTF8_BOM + data
    return pl.read_csv(io.BytesIO(data), separator=sep, **CSV_OPTIONS)


def _describe_csv_error(text: str, sep: str, exc: Exception) -> str:
    """Name the first record whose field count differs from the header's, if that is the cause."""
    import csv

    reader = csv.reader(io.StringIO(text), delimiter=sep)
    try:
        header = next(reader)
        for number, record in enumerate(reader, start=1):
            if len(record) > len(header):
                return (
                    f"record {number} (line {reader.line_num}) has {len(record)} fields "
                    f"but the header has {len(header)}"
                )
    except csv.Error as csv_exc:
        return f"line {reader.line_num}: {csv_exc}"
    first = str(exc).strip().splitlines()
    return first[0] if first else type(exc).__name__


def _read_xlsx(data: bytes) -> RawTable:
    try:
        frame = pl.read_excel(
            io.BytesIO(data), engine="calamine", sheet_id=1, infer_schema_length=0
        )
    except Exception as exc:  # fastexcel raises its own error types
        raise UnreadableFile(f"the Excel workbook cannot be read: {exc}") from None
    return RawTable(_clean(frame), "xlsx", decimal_comma=False)


def _read_parquet(data: bytes) -> RawTable:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:
        raise UnreadableFile(f"the Parquet file cannot be read: {exc}") from None
    # Columns by position, not by name: a delivered header may be "*" or look like a regex, which
    # pl.col would read as a pattern.
    frame = frame.with_columns(
        [
            pl.nth(i).dt.date().cast(pl.String) if dtype == pl.Datetime else pl.nth(i).cast(pl.String)
            for i, dtype in enumerate(frame.dtypes)
        ]
    )
    return RawTable(_clean(frame), "parquet", decimal_comma=False)


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column as text, cells kept as delivered (parsing trims them)."""
    return frame.with_columns(pl.all().cast(pl.String))  # pl.col("*") would be every column
