"""The inbox sensor: a new or changed file in the inbox launches an ingestion-and-indicators run.

The cursor remembers each file's size, modification and change time, so a tick hashes only files
that changed since the last one. A changed file launches a run only if the warehouse has not already
recorded that path with that content (the same test ingestion applies).
"""


import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb

from assets.ingestion.loader import all_inbox_files, file_stamp
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_reader, fetch_all
from pipelines.jobs import inbox_job


def _fingerprint(path: Path) -> str:
    stamp = file_stamp(path)
    return f"{stamp['size']}:{stamp['mtime']}:{stamp['ctime']}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def recorded_files(warehouse: Path) -> set[tuple[str, str]]:
    """(file_name, sha256) pairs the warehouse has recorded; raises duckdb.IOException if busy."""
    if not warehouse.exists():
        return set()
    with connect_reader(warehouse) as con:
        tables = fetch_all(
            con,
            "SELECT 1 FROM information_schema.tables WHERE table_schema = 'meta' AND table_name = 'ingested_files'",
        )
        if not tables:
            return set()
        return {(r[0], r[1]) for r in fetch_all(con, "SELECT file_name, file_sha256 FROM meta.ingested_files")}


def find_new_files(inbox: Path, warehouse: Path, cursor: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """Files (relative names) not yet ingested, and the next cursor."""
    fingerprints = {p.relative_to(inbox).as_posix(): _fingerprint(p) for p in all_inbox_files(inbox)}
    changed = [name for name, fp in fingerprints.items() if cursor.get(name) != fp]
    if not changed:
        return [], fingerprints
    recorded = recorded_files(warehouse)
    new = [name for name in changed if (name, _sha256(inbox / name)) not in recorded]
    return sorted(new), fingerprints


@dg.sensor(
    name="inbox_new_files",
    job=inbox_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Launches an ingestion-and-indicators run when a new or changed file lands in the inbox.",
)
def inbox_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    cursor = json.loads(context.cursor) if context.cursor else {}
    try:
        new, next_cursor = find_new_files(settings.inbox, settings.warehouse, cursor)
    except duckdb.IOException:
        return dg.SkipReason("the warehouse is being written by a run; looking again at the next tick")
    context.update_cursor(json.dumps(next_cursor, sort_keys=True))
    if not new:
        return dg.SkipReason("no new files in the inbox")
    run_key = hashlib.sha256("\n".join(f"{n}={next_cursor[n]}" for n in new).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key,
        tags={"impact/new_files": str(len(new))},
    )
