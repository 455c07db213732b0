"""``impact validate FILE --dataset NAME``: what ingestion would reject, without writing anything."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from assets.ingestion.loader import load_references
from assets.ingestion.readers import UnreadableFile, read_table
from assets.ingestion.validation import References, validate
from pipelines.core.config import load_settings
from pipelines.core.contract import DATASETS
from pipelines.core.publish import corrupt_warehouse_message, warehouse_problem
from pipelines.core.warehouse import connect_reader, fetch_all

EXIT_CLEAN, EXIT_REJECTED, EXIT_USAGE = 0, 1, 2


class WarehouseUnreadable(Exception):
    """The warehouse to read references from is damaged: the message says which file and what to do."""


def _references(dataset_name: str, warehouse: Path) -> tuple[References, str | None]:
    dataset = DATASETS[dataset_name]
    problem = warehouse_problem(warehouse)
    if problem:
        raise WarehouseUnreadable(problem)
    try:
        if warehouse.exists():
            with connect_reader(warehouse) as con:
                return load_references(con, dataset), None
    except duckdb.IOException as exc:
        if "lock" not in str(exc).lower():
            raise WarehouseUnreadable(corrupt_warehouse_message(warehouse, _first_line(exc))) from exc
        note = f"the warehouse {warehouse} is open for writing by another process"
    except duckdb.Error as exc:
        raise WarehouseUnreadable(corrupt_warehouse_message(warehouse, _first_line(exc))) from exc
    else:
        note = f"no warehouse at {warehouse}"
    with duckdb.connect() as con:
        from pipelines.core.warehouse import load_reference

        con.execute("CREATE SCHEMA reference").fetchall()
        load_reference(con)
        clusters = {r[0] for r in fetch_all(con, "SELECT cluster_id FROM reference.clusters")}
    checks = [
        name
        for name, wanted in (
            ("grants", dataset.grant_column),
            ("activities", dataset.activity_column),
            ("participation", dataset.needs_participation),
        )
        if wanted
    ]
    return References(clusters=clusters), (
        f"{note}: references to {', '.join(checks)} were not checked" if checks else None
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


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
    try:
        refs, note = _references(dataset_name, load_settings(warehouse=warehouse).warehouse)
    except WarehouseUnreadable as exc:
        print(f"impact validate: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        result = validate(read_table(path), DATASETS[dataset_name], refs)
    except UnreadableFile as exc:
        print(f"{path}: the file would fail: {exc}")
        return EXIT_REJECTED
    if note:
        print(f"note: {note}")
    rejected = result.rejected.sort("row_number")
    if rejected.is_empty():
        print(f"{path}: all {result.rows_total} rows would be accepted as {dataset_name}.")
        return EXIT_CLEAN
    print(
        f"{path}: {rejected.height} of {result.rows_total} rows would be rejected "
        f"({result.accepted.height} accepted):"
    )
    for row in rejected.head(limit).iter_rows(named=True):
        print(f"  row {row['row_number']}: {row['reason']}: {row['detail']}")
    if rejected.height > limit:
        print(f"  ... and {rejected.height - limit} more (use --limit)")
    counts = rejected.group_by("reason").len().sort("reason")
    print("by reason: " + ", ".join(f"{r}={n}" for r, n in counts.iter_rows()))
    return EXIT_REJECTED
