"""Metadata that the warehouse's assets and checks show in the Dagster UI, in Dagster's own types:
row counts (``dagster/row_count``), column schemas (``dagster/column_schema``), and previews and
summaries as tables (``MetadataValue.table``). One implementation for every domain (ingestion,
models, quality, report)."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import dagster as dg
import duckdb

from pipelines.core.contract import IDENTIFYING_COLUMNS, LINEAGE_COLUMNS, Dataset
from pipelines.core.outputs import column_description
from pipelines.core.warehouse import fetch_all, table_columns

OWNERS = ["team:impact-model"]
PREVIEW_ROWS = 10


def _plain(value: Any) -> str | int | float | bool | None:
    """A cell as one of the types a Dagster table record takes."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value else None
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _column_type(values: Iterable[Any]) -> str:
    kinds = {type(v) for v in values if v is not None}
    if kinds and kinds <= {bool}:
        return "bool"
    if kinds and kinds <= {int}:
        return "int"
    if kinds and kinds <= {int, float}:
        return "float"
    return "string"


def records_table(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> dg.TableMetadataValue:
    """Rows as a Dagster table (the UI shows it as a table; no Markdown to escape)."""
    plain_rows = [[_plain(v) for v in row] for row in rows]
    schema = dg.TableSchema(
        columns=[
            dg.TableColumn(name, _column_type(r[i] for r in plain_rows))
            for i, name in enumerate(columns)
        ]
    )
    return dg.MetadataValue.table(
        records=[dg.TableRecord(dict(zip(columns, r, strict=True))) for r in plain_rows],
        schema=schema,
    )


def _duckdb_type_family(sql_type: str) -> str:
    return sql_type.split("(")[0].lower()


def table_preview(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "",
    params: Mapping[str, Any] | None = None,
    limit: int = PREVIEW_ROWS,
) -> dg.TableMetadataValue:
    """The first rows of ``table`` (optionally filtered by a bound ``where``) as a Dagster table.

    Columns that name or identify a firm (``contract.IDENTIFYING_COLUMNS``) are left out: the
    event log is read by more people than the warehouse, and keeps what it stores.
    """
    present = table_columns(con, table)
    shown = [c for c in present if c not in IDENTIFYING_COLUMNS]
    select = ", ".join(f'"{c}"' for c in shown) if shown else "NULL AS no_columns_shown"
    cursor = con.execute(f"SELECT {select} FROM {table} {where} LIMIT {int(limit)}", params or {})
    rows = cursor.fetchall()
    columns = [dg.TableColumn(d[0], _duckdb_type_family(str(d[1]))) for d in cursor.description]
    return dg.MetadataValue.table(
        records=[
            dg.TableRecord({c.name: _plain(v) for c, v in zip(columns, row, strict=True)})
            for row in rows
        ],
        schema=dg.TableSchema(columns=columns),
    )


def table_schema_of(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """The columns of a warehouse table as DuckDB has them, described where the table is a
    published one (``pipelines/core/outputs.toml``)."""
    schema, name = table.split(".", 1)
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                c,
                t.lower(),
                description=column_description(table, c),
                constraints=dg.TableColumnConstraints(nullable=n == "YES"),
            )
            for c, t, n in fetch_all(
                con,
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
                "WHERE table_schema = $s AND table_name = $t ORDER BY ordinal_position",
                {"s": schema, "t": name},
            )
        ]
    )


def contract_schema(dataset: Dataset) -> dg.TableSchema:
    """``dagster/column_schema`` of ``staging.<dataset>``, from the input contract."""
    described = {c.name: c for c in dataset.columns}
    columns = []
    for name, sql_type, not_null in dataset.staging_columns:
        column = described.get(name)
        if column is None:
            text = "the theme code as delivered (lower-cased, trimmed)"
        else:
            text = f"{column.kind}{' (required)' if column.required else ''}"
            if column.codes:
                text += f": one of {', '.join(column.codes)}"
            if column.min_value is not None or column.max_value is not None:
                low = "" if column.min_value is None else f"{'>' if column.min_exclusive else '>='} {column.min_value:g}"
                high = "" if column.max_value is None else f"<= {column.max_value:g}"
                text += f", {' and '.join(p for p in (low, high) if p)}"
            if column.funding:
                text += f"; {column.funding} funding line"
        columns.append(
            dg.TableColumn(
                name,
                sql_type.lower(),
                description=text,
                constraints=dg.TableColumnConstraints(nullable=not not_null),
            )
        )
    columns += [
        dg.TableColumn(name, sql_type.lower(), description="lineage: the raw row it came from")
        for name, sql_type in LINEAGE_COLUMNS
    ]
    return dg.TableSchema(columns=columns)


def table_metadata(
    con: duckdb.DuckDBPyConnection,
    table: str,
    where: str = "",
    params: Mapping[str, Any] | None = None,
) -> dict[str, dg.MetadataValue]:
    """Row count, table name, column schema and a preview of ``table`` (rows matching ``where``)."""
    (rows,) = fetch_all(con, f"SELECT count(*) FROM {table} {where}", params)[0]
    return {
        "dagster/row_count": dg.MetadataValue.int(int(rows)),
        "dagster/table_name": dg.MetadataValue.text(table),
        "dagster/column_schema": dg.MetadataValue.table_schema(table_schema_of(con, table)),
        "preview": table_preview(con, table, where, params),
    }
