"""The inbox sensor: a new or changed file in the inbox launches an ingestion-and-indicators run.

The cursor remembers each file's stamp (size, modification and change time) and whether it is
settled. A file is taken once it has stopped changing: its stamp is the same as at the previous
tick, or it last changed more than ``SETTLED_AFTER_S`` ago; a file still being written waits
(the clusters' tools should write under a hidden name and rename, see the README). A settled file
launches a run only if the warehouse has not already recorded that path with that content (the
test ingestion applies), so a tick hashes only files that changed since they were last looked at.

One bad file never stops the sensor: a file it cannot read is named in the tick's log and looked
at again at the next tick; a warehouse it cannot read gives a message saying which file and what
to do.
"""


import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from assets.ingestion.loader import all_inbox_files, file_stamp
from pipelines.core.faults import describe_os_error
from pipelines.core.publish import corrupt_warehouse_message, warehouse_problem
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_reader, fetch_all
from pipelines.jobs import INBOX_JOB_NAME, inbox_job
from pipelines.planning import planned_run_request

# Unchanged this long (or for one tick) = no longer being written. IMPACT_SENSOR_SETTLED_AFTER_SECONDS
# (read when the code location loads) changes it, e.g. 0 in the test that drives the daemon.
SETTLED_AFTER_S = float(os.environ.get("IMPACT_SENSOR_SETTLED_AFTER_SECONDS") or 60.0)
PENDING, SEEN = "pending", "seen"


class WarehouseUnreadable(Exception):
    """The warehouse cannot be read for another reason than a writer holding it."""


def _fingerprint(stamp: dict[str, int]) -> str:
    return f"{stamp['size']}:{stamp['mtime']}:{stamp['ctime']}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def recorded_files(warehouse: Path) -> set[tuple[str, str]]:
    """(file_name, sha256) pairs the warehouse has recorded.

    Raises duckdb.IOException while a writer holds the file, :class:`WarehouseUnreadable` if it is
    damaged.
    """
    if not warehouse.exists():
        return set()
    try:
        with connect_reader(warehouse) as con:
            tables = fetch_all(
                con,
                "SELECT 1 FROM information_schema.tables WHERE table_schema = 'meta' AND table_name = 'ingested_files'",
            )
            if not tables:
                return set()
            return {(r[0], r[1]) for r in fetch_all(con, "SELECT file_name, file_sha256 FROM meta.ingested_files")}
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise
        raise WarehouseUnreadable(corrupt_warehouse_message(warehouse, str(exc).splitlines()[0])) from exc
    except duckdb.Error as exc:
        raise WarehouseUnreadable(corrupt_warehouse_message(warehouse, str(exc).splitlines()[0])) from exc


@dataclass
class InboxScan:
    new: list[str] = field(default_factory=list)  # settled, not yet recorded: launch a run
    settling: list[str] = field(default_factory=list)  # changed since the last tick: wait
    unreadable: list[str] = field(default_factory=list)  # "name: reason", looked at again next tick
    cursor: dict[str, list[str]] = field(default_factory=dict)  # name -> [fingerprint, state]


def scan_inbox(
    inbox: Path, warehouse: Path, cursor: dict, now: float | None = None
) -> InboxScan:
    """Which inbox files to take now, which are still settling, and the next cursor."""
    now = time.time() if now is None else now
    scan = InboxScan()
    to_check: list[tuple[str, Path]] = []
    try:
        paths = all_inbox_files(inbox)
    except OSError as exc:  # a dataset folder that cannot be listed
        scan.unreadable.append(f"{exc.filename or inbox}: {describe_os_error(exc)}")
        scan.cursor = dict(cursor)  # nothing learnt: look again at the next tick
        return scan
    for path in paths:
        name = path.relative_to(inbox).as_posix()
        try:
            stamp = file_stamp(path)
        except OSError as exc:  # removed meanwhile, or a folder we may not look into
            scan.unreadable.append(f"{name}: {describe_os_error(exc)}")
            continue
        fp = _fingerprint(stamp)
        before = cursor.get(name)
        before_fp, state = (before, SEEN) if isinstance(before, str) else (before or [None, None])
        if before_fp == fp and state == SEEN:
            scan.cursor[name] = [fp, SEEN]
            continue
        settled = before_fp == fp or now - max(stamp["mtime"], stamp["ctime"]) / 1e9 >= SETTLED_AFTER_S
        if not settled:
            scan.settling.append(name)
            scan.cursor[name] = [fp, PENDING]
            continue
        to_check.append((name, path))
        scan.cursor[name] = [fp, SEEN]
    if to_check:
        recorded = recorded_files(warehouse)
        for name, path in to_check:
            try:
                sha = _sha256(path)
            except OSError as exc:
                scan.unreadable.append(f"{name}: {describe_os_error(exc)}")
                scan.cursor[name][1] = PENDING  # looked at again at the next tick
                continue
            if (name, sha) not in recorded:
                scan.new.append(name)
    scan.new.sort()
    return scan


def find_new_files(
    inbox: Path, warehouse: Path, cursor: dict, now: float | None = None
) -> tuple[list[str], dict]:
    """Settled files (relative names) not yet ingested, and the next cursor."""
    scan = scan_inbox(inbox, warehouse, cursor, now)
    return scan.new, scan.cursor


@dg.sensor(
    name="inbox_new_files",
    job=inbox_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Launches an ingestion-and-indicators run when a new or changed file has settled in the "
        "inbox (unchanged since the previous tick)."
    ),
)
def inbox_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    settings = warehouse.settings()
    cursor = json.loads(context.cursor) if context.cursor else {}
    problem = warehouse_problem(settings.warehouse)
    if problem:
        context.log.error(problem)
        return dg.SkipReason(problem)
    try:
        scan = scan_inbox(settings.inbox, settings.warehouse, cursor)
    except duckdb.IOException:
        return dg.SkipReason("the warehouse is being written by a run; looking again at the next tick")
    except WarehouseUnreadable as exc:
        context.log.error(str(exc))
        return dg.SkipReason(str(exc))
    for problem in scan.unreadable:
        context.log.warning(f"cannot read {problem}; looking again at the next tick")
    context.update_cursor(json.dumps(scan.cursor, sort_keys=True))
    if not scan.new:
        waiting = f"; waiting for {len(scan.settling)} file(s) still changing" if scan.settling else ""
        unreadable = f"; {len(scan.unreadable)} file(s) cannot be read" if scan.unreadable else ""
        return dg.SkipReason(f"no new settled files in the inbox{waiting}{unreadable}")
    run_key = hashlib.sha256(
        "\n".join(f"{n}={scan.cursor[n][0]}" for n in scan.new).encode()
    ).hexdigest()[:16]
    return planned_run_request(
        context, settings, INBOX_JOB_NAME,
        run_key=run_key, tags={"impact/new_files": str(len(scan.new))},
    )
