"""Apply the files of one dataset's inbox folder to the warehouse.

One file is one transaction: its raw rows, rejected rows, staging upserts and its record in
``meta.ingested_files`` commit together or not at all. Files are applied in lexical order of
their names; a file whose (path, SHA-256) is already recorded is skipped without a new record, a
file whose SHA-256 was already ingested under another path is recorded as ``duplicate``. Every
record gets the next ``delivery_seq``: the order in which deliveries win (runs, then files).

Only the content of a file can make it ``failed`` (input contract rule 10). A file that cannot be
taken now (no permission, still being written) is an :class:`InboxFault`: recorded in
``meta.inbox_faults``, not judged, taken again by the next run. A fault of the machine (disk
full, an I/O error) is a :class:`MachineFault`: it stops the run, which then publishes nothing.
After the new files, the dataset's rejections for late references are reconsidered
(:mod:`assets.ingestion.reconsider`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb

from assets.ingestion import batched, raw_layer
from assets.ingestion.raw_layer import in_batches as _in_batches
from assets.ingestion.readers import UnreadableFile, read_table
from assets.ingestion.validation import References, Validated, validate
from pipelines.core.config import inbox_settle_seconds
from pipelines.core.contract import CLUSTER_SCOPES, DATASETS, INGESTION_ORDER, Dataset
from pipelines.core.faults import (
    InboxFault,
    as_machine_fault,
    describe_os_error,
    fault_point,
    is_machine_error,
)
from pipelines.core.warehouse import fetch_all, fetch_pl

IGNORED_PREFIXES = (".", "~$")
HASH_CHUNK_BYTES = 8 * 2**20
T = TypeVar("T")
log = logging.getLogger(__name__)


@dataclass
class FileOutcome:
    file_name: str
    status: str  # ingested | duplicate | failed | skipped | fault (not taken: meta.inbox_faults)
    rows_total: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0
    error: str | None = None


@dataclass
class DatasetOutcome:
    dataset: str
    files: list[FileOutcome] = field(default_factory=list)
    rows_resolved: int = 0  # earlier rejections accepted now that their reference has arrived

    @property
    def faults(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "fault"]

    def count(self, status: str) -> int:
        return sum(1 for f in self.files if f.status == status)

    @property
    def rows_accepted(self) -> int:
        return sum(f.rows_accepted for f in self.files)

    @property
    def rows_rejected(self) -> int:
        return sum(f.rows_rejected for f in self.files)


def inbox_files(inbox: Path, dataset: str) -> list[Path]:
    """The dataset's files in lexical order of name (hidden and Excel lock files left out)."""
    folder = inbox / dataset
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and not p.name.startswith(IGNORED_PREFIXES)),
        key=lambda p: p.name,
    )


def all_inbox_files(inbox: Path) -> list[Path]:
    """Every dataset's files, in the order ingestion applies them."""
    return [p for dataset in INGESTION_ORDER for p in inbox_files(inbox, dataset)]


def file_stamp(path: Path) -> dict[str, int]:
    """What says a file is unchanged without reading it: size, modification and change time (ns).

    The change time catches a same-size file copied in with its old modification time kept
    (cp -p, rsync -t, an unpacked archive): the file system sets it, nobody can set it by hand.
    Ingestion and the inbox sensor compare the same stamp.
    """
    stat = path.stat()
    return {"size": stat.st_size, "mtime": stat.st_mtime_ns, "ctime": stat.st_ctime_ns}


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cluster_references(con: duckdb.DuckDBPyConnection) -> References:
    """The board decision's clusters: the granted ones and every applicant (reference data)."""
    sets = {
        scope: {r[0] for r in fetch_all(con, f"SELECT cluster_id FROM {table}")}
        for scope, table in CLUSTER_SCOPES.items()
    }
    return References(clusters=sets["granted"], applicants=sets["applicant"])


def load_references(con: duckdb.DuckDBPyConnection, dataset: Dataset) -> References:
    """What ``dataset`` may refer to, as the reference data and staging hold it now."""
    refs = cluster_references(con)
    if dataset.grant_column:
        refs.grants = fetch_pl(con, "SELECT grant_id, grant_type FROM staging.grants")
    if dataset.activity_column:
        refs.activities = fetch_pl(
            con,
            """SELECT a.activity_id, g.grant_type
               FROM staging.activities a LEFT JOIN staging.grants g USING (grant_id)""",
        )
    if dataset.needs_participation:
        refs.participation = fetch_pl(con, "SELECT activity_id, cvr FROM staging.participation")
    return refs


def ingest_dataset(
    con: duckdb.DuckDBPyConnection, inbox: Path, dataset_name: str, run_id: str | None = None
) -> DatasetOutcome:
    """Apply the dataset's new files, then reconsider its rejections for late references."""
    from assets.ingestion.reconsider import reconsider

    dataset = DATASETS[dataset_name]
    outcome = DatasetOutcome(dataset_name)
    delivered_before = last_delivery_seq(con)
    for path in inbox_files(inbox, dataset_name):
        try:
            outcome.files.append(ingest_file(con, inbox, path, dataset, run_id))
        except InboxFault as fault:
            record_inbox_fault(con, dataset_name, fault, run_id)
            outcome.files.append(FileOutcome(fault.file_name, "fault", error=str(fault)))
    outcome.rows_resolved = reconsider(con, dataset, run_id, delivered_before)
    return outcome


def last_delivery_seq(con: duckdb.DuckDBPyConnection) -> int:
    return int(fetch_all(con, "SELECT coalesce(max(delivery_seq), 0) FROM meta.ingested_files")[0][0])


def record_inbox_fault(
    con: duckdb.DuckDBPyConnection, dataset: str, fault: InboxFault, run_id: str | None
) -> None:
    con.execute(
        """INSERT INTO meta.inbox_faults (file_name, dataset, fault, detail, run_id, seen_at)
           VALUES ($name, $dataset, $fault, $detail, $run_id, $at)""",
        {
            "name": fault.file_name, "dataset": dataset, "fault": fault.fault,
            "detail": fault.detail, "run_id": run_id, "at": _now(),
        },
    ).fetchall()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _settled_stamp(path: Path, file_name: str, stamp: dict[str, int]) -> None:
    """Raise :class:`InboxFault` if the file is still being written.

    A file changed less than ``inbox_settle_seconds`` ago is looked at again when that much time
    has passed since its last change; a file whose size or times moved meanwhile is still being
    written. (Files written under a hidden name and renamed into place are never seen half-written.)
    """
    settle = inbox_settle_seconds()
    last_change = max(stamp["mtime"], stamp["ctime"]) / 1e9
    wait = settle - (time.time() - last_change)
    if wait <= 0:
        return
    time.sleep(wait)
    if file_stamp(path) != stamp:
        raise InboxFault(
            file_name, "still_changing",
            f"still being written (it changed within the last {settle:g} s); taken when it has settled",
        )


def _hash_streamed(path: Path) -> tuple[str, bytes]:
    """SHA-256 of the file read in chunks (never whole in memory), and its first 64 KiB."""
    digest, head = hashlib.sha256(), b""
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            if not head:
                head = chunk[:65536]
            digest.update(chunk)
    return digest.hexdigest(), head


def _read_settled(
    path: Path, file_name: str, stamp: dict[str, int], read: Callable[[Path], T] | None = None
) -> T | bytes:
    """The file's bytes (or what ``read`` makes of the file), once it has settled and if it did not
    change while being read."""
    _settled_stamp(path, file_name, stamp)
    try:
        fault_point(f"ingest:read:{file_name}")
        data = path.read_bytes() if read is None else read(path)
        after = file_stamp(path)
    except PermissionError as exc:
        raise InboxFault(
            file_name, "permission_denied",
            f"cannot be opened: {describe_os_error(exc)}; give the pipeline read access, the next run takes it",
        ) from None
    except FileNotFoundError:
        raise InboxFault(file_name, "still_changing", "disappeared while being read") from None
    except OSError as exc:
        raise as_machine_fault(exc, f"reading {file_name} from the inbox") from exc
    if after != stamp:
        raise InboxFault(file_name, "still_changing", "changed while being read; taken when it has settled")
    return data


def recorded_unchanged(con: duckdb.DuckDBPyConnection, file_name: str, stamp: dict[str, int]) -> bool:
    """Whether ``file_name`` is recorded with this size, modification and change time: unchanged,
    so not read again. The change time is what catches a same-size file copied in with its old
    modification time kept (cp -p, rsync -t, an unpacked archive); nobody can set it."""
    return bool(
        fetch_all(
            con,
            """SELECT 1 FROM meta.ingested_files WHERE file_name = $name AND file_size_bytes = $size
               AND file_mtime_ns = $mtime AND file_ctime_ns = $ctime LIMIT 1""",
            {"name": file_name, **stamp},
        )
    )


def ingest_file(
    con: duckdb.DuckDBPyConnection, inbox: Path, path: Path, dataset: Dataset, run_id: str | None
) -> FileOutcome:
    file_name = path.relative_to(inbox).as_posix()
    try:
        stamp = file_stamp(path)
    except FileNotFoundError:
        return FileOutcome(file_name, "skipped")  # removed since the folder was listed
    except OSError as exc:
        raise as_machine_fault(exc, f"looking at {file_name} in the inbox") from exc
    if recorded_unchanged(con, file_name, stamp):
        return FileOutcome(file_name, "skipped")
    data: bytes | None = None
    batch_format: str | None = None
    if stamp["size"] >= batched.LARGE_FILE_BYTES:
        sha, head = _read_settled(path, file_name, stamp, _hash_streamed)
        batch_format = batched.batch_format(path, head)
    else:
        data = _read_settled(path, file_name, stamp)
        sha = sha256_of(data)
    if fetch_all(
        con,
        "SELECT 1 FROM meta.ingested_files WHERE file_name = $name AND file_sha256 = $sha LIMIT 1",
        {"name": file_name, "sha": sha},
    ):
        # The content recorded under this path (a touched or re-copied file): no new record, but
        # its new stamp is remembered so that the next run skips it unread again.
        con.execute(
            """UPDATE meta.ingested_files SET file_mtime_ns = $mtime, file_ctime_ns = $ctime
               WHERE file_name = $name AND file_sha256 = $sha""",
            {"name": file_name, "sha": sha, "mtime": stamp["mtime"], "ctime": stamp["ctime"]},
        ).fetchall()
        return FileOutcome(file_name, "skipped")
    record = {
        "sha": sha, "name": file_name, "dataset": dataset.name, "at": _now(),
        "size": stamp["size"] if data is None else len(data), "run_id": run_id, "mtime": stamp["mtime"], "ctime": stamp["ctime"],
    }
    if fetch_all(
        con,
        "SELECT 1 FROM meta.ingested_files WHERE file_sha256 = $sha AND status = 'ingested' LIMIT 1",
        {"sha": sha},
    ):
        _record(con, record | {"status": "duplicate", "format": None})
        return FileOutcome(file_name, "duplicate")
    if batch_format is not None:
        taken = _apply_batched(con, path, dataset, batch_format, record, stamp)
        if taken is not None:
            return taken
    if data is None:  # a large file the batched path does not take: read whole
        data = _read_settled(path, file_name, stamp)
        if sha256_of(data) != sha:
            raise InboxFault(file_name, "still_changing", "changed while being read; taken when it has settled")
    try:
        table = read_table(path, data)
        file_format = table.file_format
        validated = validate(table, dataset, load_references(con, dataset))
        del table  # validated.delivered holds the delivered text now
    except UnreadableFile as exc:
        # The content is at fault: the one verdict a file can get (input contract rules 5, 10).
        message = f"{file_name}: {exc}"
        _record(con, record | {"status": "failed", "format": None, "error": message})
        return FileOutcome(file_name, "failed", error=message)
    del data
    try:
        _apply(con, dataset, validated, record | {"format": file_format})
    except Exception as exc:
        # Never a verdict on the file: the warehouse could not take it (rule 10).
        if is_machine_error(exc):
            raise as_machine_fault(exc, f"writing {file_name} to the warehouse") from exc
        raise
    return FileOutcome(
        file_name,
        "ingested",
        rows_total=validated.rows_total,
        rows_accepted=validated.accepted.height,
        rows_rejected=validated.rejected.height,
    )


def _apply_batched(
    con: duckdb.DuckDBPyConnection, path: Path, dataset: Dataset, file_format: str, r: dict,
    stamp: dict[str, int],
) -> FileOutcome | None:
    """Ingest a large file in bounded batches (:mod:`assets.ingestion.batched`), in one
    transaction; None (nothing written) when it needs the whole-file path."""
    lineage = {"sha": r["sha"], "name": r["name"], "at": r["at"]}
    refs = load_references(con, dataset)
    try:
        con.execute("BEGIN TRANSACTION").fetchall()
        result = batched.ingest_batched(con, path, file_format, dataset, refs, lineage)
        try:
            unchanged = file_stamp(path) == stamp
        except FileNotFoundError:
            unchanged = False
        if not unchanged:
            raise InboxFault(r["name"], "still_changing", "changed while being read; taken when it has settled")
        counts = (result.rows_total, result.rows_accepted, result.rows_rejected)
        _record(con, r | {"status": "ingested", "format": result.file_format}, counts)
        fault_point(f"ingest:during:{r['name']}")
        con.execute("COMMIT").fetchall()
    except batched.NotBatchable as exc:
        rollback_quietly(con)
        log.info("%s: read whole (%s)", r["name"], exc)
        return None
    except InboxFault:
        rollback_quietly(con)
        raise
    except Exception as exc:
        rollback_quietly(con)
        if is_machine_error(exc):
            raise as_machine_fault(exc, f"writing {r['name']} to the warehouse") from exc
        raise
    except BaseException:
        rollback_quietly(con)
        raise
    fault_point(f"ingest:after:{r['name']}")
    return FileOutcome(r["name"], "ingested", *counts)


def _record(con: duckdb.DuckDBPyConnection, r: dict, counts: tuple[int, int, int] = (0, 0, 0)) -> None:
    con.execute(
        """INSERT INTO meta.ingested_files
           (file_sha256, file_name, dataset, status, rows_total, rows_accepted, rows_rejected,
            error, ingested_at, file_format, file_size_bytes, run_id, file_mtime_ns, file_ctime_ns,
            delivery_seq)
           VALUES ($sha, $name, $dataset, $status, $total, $accepted, $rejected,
                   $error, $at, $format, $size, $run_id, $mtime, $ctime,
                   (SELECT coalesce(max(delivery_seq), 0) + 1 FROM meta.ingested_files))""",
        {
            "sha": r["sha"], "name": r["name"], "dataset": r["dataset"], "status": r["status"],
            "total": counts[0], "accepted": counts[1], "rejected": counts[2],
            "error": r.get("error"), "at": r["at"], "format": r.get("format"),
            "size": r["size"], "run_id": r["run_id"], "mtime": r["mtime"], "ctime": r["ctime"],
        },
    ).fetchall()


def _apply(con: duckdb.DuckDBPyConnection, dataset: Dataset, v: Validated, r: dict) -> None:
    """Write one validated file in a single transaction."""
    lineage = {"sha": r["sha"], "name": r["name"], "dataset": dataset.name, "at": r["at"]}
    con.register("_new_rejected", _in_batches(v.rejected))
    con.register("_new_accepted", _in_batches(v.accepted))
    columns = [c.name for c in dataset.columns] + [
        f"{c.name}_original" for c in dataset.columns if c.kind == "theme"
    ]
    col_list = ", ".join(columns)
    key_match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM n.{k}" for k in dataset.key)
    try:
        con.execute("BEGIN TRANSACTION").fetchall()
        raw_layer.write_file(con, dataset.name, r["sha"], r["name"], v.delivered)
        con.execute(
            """INSERT INTO quality.rejected_rows
               (file_sha256, file_name, dataset, row_number, reason, detail, raw)
               SELECT $sha, $name, $dataset, row_number, reason, detail, raw FROM _new_rejected""",
            {k: lineage[k] for k in ("dataset", "sha", "name")},
        ).fetchall()
        con.execute(
            f"DELETE FROM staging.{dataset.name} s WHERE EXISTS "
            f"(SELECT 1 FROM _new_accepted n WHERE {key_match})"
        ).fetchall()
        con.execute(
            f"""INSERT INTO staging.{dataset.name} ({col_list}, _file_sha256, _file_name, _row_number, _loaded_at)
                SELECT {col_list}, $sha, $name, _row_number, $at FROM _new_accepted""",
            {k: lineage[k] for k in ("sha", "name", "at")},
        ).fetchall()
        _record(con, r | {"status": "ingested"}, (v.rows_total, v.accepted.height, v.rejected.height))
        fault_point(f"ingest:during:{r['name']}")
        con.execute("COMMIT").fetchall()
    except BaseException:
        rollback_quietly(con)
        raise
    finally:
        for name in ("_new_rejected", "_new_accepted"):
            with contextlib.suppress(Exception):
                con.unregister(name)
    fault_point(f"ingest:after:{r['name']}")


def rollback_quietly(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back the open transaction; after an I/O error DuckDB may refuse even that, and the
    error that matters is the one being raised."""
    with contextlib.suppress(Exception):
        con.execute("ROLLBACK").fetchall()

