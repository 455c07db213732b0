"""Metadata that the warehouse's assets and checks show in the Dagster UI: Markdown tables,
row counts and previews. One implementation for every domain (ingestion, marts, quality)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.warehouse import fetch_all

PREVIEW_ROWS = 10
MAX_CELL_CHARS = 60


def md_cell(value: Any) -> str:
    """A value as a Markdown table cell: escaped, single line, truncated."""
    if value is None:
        text = ""
    elif isinstance(value, float):
        text = f"{value:.6g}"
    else:
        text = str(value)
    if text in ("<NA>", "NaT", "nan"):
        text = ""
    text = text.replace("\r", " ").replace("\n", " ").replace("|", "\\|")
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return text if len(text) <= MAX_CELL_CHARS else text[: MAX_CELL_CHARS - 1] + "…"


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(md_cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(md_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def markdown_preview(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "",
    params: Mapping[str, Any] | None = None,
    limit: int = PREVIEW_ROWS,
) -> str:
    """The first rows of ``table`` (optionally filtered by a bound ``where``) as Markdown."""
    cursor = con.execute(f"SELECT * FROM {table} {where} LIMIT {int(limit)}", params or {})
    rows = cursor.fetchall()
    if not rows:
        return "_no rows_"
    return md_table([d[0] for d in cursor.description], rows)


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dg.MetadataValue]:
    (rows,) = fetch_all(con, f"SELECT count(*) FROM {table}")[0]
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "table": dg.MetadataValue.text(table),
        "preview": dg.MetadataValue.md(markdown_preview(con, table)),
    }
