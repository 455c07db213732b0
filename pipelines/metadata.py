"""Metadata that every warehouse asset shows in the Dagster UI: row count and a preview."""

from __future__ import annotations

import dagster as dg
import duckdb

from pipelines.warehouse import fetch_all, fetch_pl

PREVIEW_ROWS = 10


def markdown_preview(con: duckdb.DuckDBPyConnection, table: str, limit: int = PREVIEW_ROWS) -> str:
    """The first rows of ``table`` as a Markdown table (cells escaped for the table syntax)."""
    frame = fetch_pl(con, f"SELECT * FROM {table} LIMIT {int(limit)}")
    if frame.is_empty():
        return "_empty_"
    header = "| " + " | ".join(frame.columns) + " |\n|" + "---|" * frame.width + "\n"
    rows = "\n".join(
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.iter_rows()
    )
    return header + rows


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("|", "\\|").replace("\n", " ")[:60]


def table_metadata(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, dg.MetadataValue]:
    (rows,) = fetch_all(con, f"SELECT count(*) FROM {table}")[0]
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "table": dg.MetadataValue.text(table),
        "preview": dg.MetadataValue.md(markdown_preview(con, table)),
    }
