"""Deterministic file writers for every format the input contract accepts.

Same frame in, same bytes out — the demo promises byte-identical files for the same seed:

- UTF-8 CSV (comma, ``.`` decimals, ISO dates), optionally with a BOM.
- Danish Excel CSV: ``;`` separator, decimal comma, ``.`` thousands separator on amounts,
  ``DD-MM-YYYY`` (or ``DD.MM.YYYY``) dates, CRLF line ends, UTF-8 or Windows-1252.
- XLSX written with openpyxl in write-only mode. openpyxl stamps the current time into
  ``docProps/core.xml`` and the ZIP entries, so the archive is rewritten with fixed timestamps.
- Parquet written by Polars (no timestamps in the file).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import polars as pl
from openpyxl import Workbook

FIXED_STAMP = dt.datetime(2025, 1, 1, 0, 0, 0)
_ZIP_TIME = (2025, 1, 1, 0, 0, 0)


def write_csv(frame: pl.DataFrame, path: Path, *, bom: bool = False) -> None:
    """UTF-8 CSV with ISO dates; ``bom=True`` prefixes the UTF-8 byte-order mark."""
    frame.write_csv(path, include_bom=bom, date_format="%Y-%m-%d")


def danish_amount(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """Format a number the Danish Excel way: ``1234567.5`` -> ``1.234.567,50`` (null stays null)."""
    scaled = (expr.abs() * 10**decimals).round(0).cast(pl.Int64)
    whole = (scaled // 10**decimals).cast(pl.String)
    frac = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    # Thousands separators: reverse, insert a dot every three digits, reverse back.
    grouped = (
        whole.str.reverse()
        .str.replace_all(r"(\d{3})", "$1.")
        .str.reverse()
        .str.strip_chars_start(".")
    )
    sign = pl.when(expr < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    body = grouped + pl.lit(",") + frac if decimals else grouped
    return pl.when(expr.is_null()).then(None).otherwise(sign + body)


def write_danish_csv(
    frame: pl.DataFrame,
    path: Path,
    *,
    encoding: str = "cp1252",
    date_format: str = "%d-%m-%Y",
) -> None:
    """Danish Excel CSV: ``;``, decimal comma, Danish dates, CRLF, ``encoding`` (strict)."""
    text = frame.write_csv(
        None,
        separator=";",
        decimal_comma=True,
        date_format=date_format,
        line_terminator="\r\n",
    )
    path.write_bytes(text.encode(encoding))


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Parquet (zstd) written by Polars."""
    frame.write_parquet(path, compression="zstd", statistics=True)


def write_xlsx(frame: pl.DataFrame, path: Path, sheet: str = "Data") -> None:
    """First-sheet XLSX with the header in row 1; dates become Excel dates, nulls empty cells."""
    wb = Workbook(write_only=True)
    wb.properties.creator = "impact demo"
    wb.properties.created = FIXED_STAMP
    ws = wb.create_sheet(sheet)
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    path.write_bytes(_normalise_zip(buffer.getvalue()))


_CORE_DATE = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite an XLSX archive with fixed entry timestamps and fixed core-property dates."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_DATE.sub(rb"\g<1>2025-01-01T00:00:00Z\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, content)
    return out.getvalue()
