"""Late references are reconsidered (input contract rule 9).

Clusters deliver on their own schedule: outcomes may arrive a night before the participation they
refer to. A row rejected as ``unknown_cluster``, ``unknown_grant``, ``unknown_activity`` or
``outcome_without_participation`` is looked at again on every later run in which what it may
refer to has changed; once its reference has arrived it is accepted *as if it had been delivered
then*, and its rejection stays on record, marked resolved (``resolved_at``, ``resolved_run_id``).

How, so that deliveries spread over nights end where one delivery of all of them ends:

* The file is validated again, whole, from the raw layer (its rows as delivered) against the
  references as they stand now: the same rules on the same text give the verdicts one run over
  all deliveries would have given, within-file duplicate keys included.
* A row now accepted is staged only if no row with its key comes from a later delivery: the order
  is ``meta.ingested_files.delivery_seq`` (runs, then files in lexical order), then the row number
  within the file. A later delivery still wins; an earlier one is replaced.
* A row still rejected for another reason now (an activity that arrived but belongs to a cluster
  grant; a key that a later row of its file now wins) gets that reason and its detail;
  ``delivered_reason`` keeps the first. A row accepted before that a later row of its file now wins is rejected as
  ``duplicate_key_in_file``, as one run would have done.
* ``rows_accepted`` and ``rows_rejected`` of the file's ``meta.ingested_files`` record are its
  rows as they stand now (a resolved row counts as accepted), so they add up to ``rows_total``.

Rows accepted before are never taken back (rule 3: rows are never deleted by a file); see
docs/ingestion-decisions.md. Files are only looked at when what they may refer to has changed
since the last look (``meta.build_state``), and never the files this run has just validated.
"""

from __future__ import annotations

import datetime as dt
import logging

import duckdb
import polars as pl

from assets.ingestion import raw_layer
from assets.ingestion.readers import RawTable, UnreadableFile
from assets.ingestion.validation import validate, with_raw_json
from pipelines.core.build_state import fingerprint, store, stored, table_state
from pipelines.core.contract import Dataset
from pipelines.core.faults import fault_point
from pipelines.core.warehouse import fetch_all, fetch_pl

log = logging.getLogger(__name__)

REFERENCE_REASONS: tuple[str, ...] = (
    "unknown_cluster",
    "unknown_grant",
    "unknown_activity",
    "outcome_without_participation",
)
DUPLICATE = "duplicate_key_in_file"


def reference_tables(dataset: Dataset) -> tuple[str, ...]:
    """What the dataset's rows may refer to (the tables :func:`load_references` reads)."""
    tables: list[str] = []
    if dataset.cluster_column:
        tables.append("reference.clusters")
    if dataset.grant_column:
        tables.append("staging.grants")
    if dataset.activity_column:
        tables += ["staging.activities", "staging.grants"]
    if dataset.needs_participation:
        tables.append("staging.participation")
    return tuple(dict.fromkeys(tables))


def reconsider(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, run_id: str | None, delivered_up_to: int
) -> int:
    """Reconsider the open reference rejections of files delivered up to ``delivered_up_to``
    (``delivery_seq``) if their references changed since the last time; rows now accepted."""
    tables = reference_tables(dataset)
    if not tables:
        return 0
    state_name = f"reconsider:{dataset.name}"
    state = fingerprint([table_state(con, t) for t in tables])
    previous = stored(con, state_name)
    resolved = 0
    if previous is None or previous[0] != state:
        for sha, name, file_format, seq, rows_total in _files_with_open_rejections(
            con, dataset.name, delivered_up_to
        ):
            resolved += _reconsider_file(con, dataset, sha, name, file_format, seq, rows_total, run_id)
        store(con, state_name, state)
    return resolved


def _files_with_open_rejections(
    con: duckdb.DuckDBPyConnection, dataset: str, delivered_up_to: int
) -> list[tuple]:
    return fetch_all(
        con,
        """SELECT f.file_sha256, f.file_name, f.file_format, f.delivery_seq, f.rows_total
           FROM meta.ingested_files f
           WHERE f.status = 'ingested' AND f.dataset = $dataset AND f.delivery_seq <= $up_to
             AND EXISTS (SELECT 1 FROM quality.rejected_rows r
                         WHERE r.file_sha256 = f.file_sha256 AND r.resolved_at IS NULL
                           AND r.reason IN (SELECT unnest($reasons)))
           ORDER BY f.delivery_seq""",
        {"dataset": dataset, "up_to": delivered_up_to, "reasons": list(REFERENCE_REASONS)},
    )


def raw_table(con: duckdb.DuckDBPyConnection, sha: str, file_format: str | None) -> RawTable | None:
    """The file as it was read, rebuilt from the raw layer (header order kept), or None."""
    frame = raw_layer.read_file(con, sha)
    if frame is None:
        return None
    fmt = file_format or "csv"
    return RawTable(frame, fmt, decimal_comma=fmt == "csv-danish")


def _reconsider_file(
    con: duckdb.DuckDBPyConnection,
    dataset: Dataset,
    sha: str,
    name: str,
    file_format: str | None,
    seq: int,
    rows_total: int,
    run_id: str | None,
) -> int:
    from assets.ingestion.loader import load_references, rollback_quietly

    table = raw_table(con, sha, file_format)
    if table is None or table.frame.height != rows_total:
        log.warning("%s: its raw rows are incomplete; its rejections are not reconsidered", name)
        return 0
    try:
        now = validate(table, dataset, load_references(con, dataset))
    except UnreadableFile as exc:  # the contract changed since the file was applied
        log.warning("%s: not reconsidered: %s", name, exc)
        return 0
    records = fetch_pl(
        con,
        """SELECT row_number, reason, detail, resolved_at IS NOT NULL AS resolved
           FROM quality.rejected_rows WHERE file_sha256 = $sha""",
        {"sha": sha},
    )
    open_ref = records.filter(~pl.col("resolved") & pl.col("reason").is_in(list(REFERENCE_REASONS)))
    accepted_rows = now.accepted["_row_number"]
    resolve = open_ref.filter(pl.col("row_number").is_in(accepted_rows.implode()))["row_number"]
    # Rows whose recorded verdict must become another rejection: an open reference rejection
    # that now fails for another reason, and rows accepted (at delivery or since) that a later
    # row of the file with the same key now wins.
    verdicts = now.rejected.join(
        records.rename({"reason": "recorded_reason", "detail": "recorded_detail"}),
        on="row_number",
        how="left",
    )
    rejudged = verdicts.filter(
        (
            pl.col("recorded_reason").is_in(list(REFERENCE_REASONS))
            & ~pl.col("resolved").fill_null(False)
            & (
                (pl.col("reason") != pl.col("recorded_reason"))
                | (pl.col("detail") != pl.col("recorded_detail"))
            )
        )
        | ((pl.col("reason") == DUPLICATE) & pl.col("resolved").fill_null(False))
    ).select("row_number", "reason", "detail")
    newly_rejected = verdicts.filter(
        (pl.col("reason") == DUPLICATE) & pl.col("recorded_reason").is_null()
    ).select("row_number", "reason", "detail")
    newly_rejected = with_raw_json(newly_rejected, table.frame)
    if resolve.is_empty() and rejudged.is_empty() and newly_rejected.is_empty():
        return 0
    staged = now.accepted.filter(pl.col("_row_number").is_in(resolve.implode()))
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.register("_resolved", staged)
    con.register("_rejudged", rejudged)
    con.register("_newly_rejected", newly_rejected)
    try:
        con.execute("BEGIN TRANSACTION").fetchall()
        _stage_as_if_delivered_then(con, dataset, sha, name, seq, at)
        con.execute(
            """UPDATE quality.rejected_rows SET resolved_at = $at, resolved_run_id = $run
               WHERE file_sha256 = $sha AND row_number IN (SELECT _row_number FROM _resolved)""",
            {"at": at, "run": run_id, "sha": sha},
        ).fetchall()
        con.execute(
            """UPDATE quality.rejected_rows AS r
               SET delivered_reason = CASE WHEN j.reason <> r.reason
                                           THEN coalesce(r.delivered_reason, r.reason)
                                           ELSE r.delivered_reason END,
                   reason = j.reason, detail = j.detail, resolved_at = NULL, resolved_run_id = NULL
               FROM _rejudged AS j
               WHERE r.file_sha256 = $sha AND r.row_number = j.row_number""",
            {"sha": sha},
        ).fetchall()
        con.execute(
            """INSERT INTO quality.rejected_rows
               (file_sha256, file_name, dataset, row_number, reason, detail, raw)
               SELECT $sha, $name, $dataset, row_number, reason, detail, raw FROM _newly_rejected""",
            {"sha": sha, "name": name, "dataset": dataset.name},
        ).fetchall()
        con.execute(
            """UPDATE meta.ingested_files AS f
               SET rows_rejected = o.n, rows_accepted = f.rows_total - o.n
               FROM (SELECT count(*) AS n FROM quality.rejected_rows
                     WHERE file_sha256 = $sha AND resolved_at IS NULL) AS o
               WHERE f.file_sha256 = $sha AND f.status = 'ingested'""",
            {"sha": sha},
        ).fetchall()
        fault_point(f"reconsider:during:{name}")
        con.execute("COMMIT").fetchall()
    except BaseException:
        rollback_quietly(con)
        raise
    finally:
        for view in ("_resolved", "_rejudged", "_newly_rejected"):
            con.unregister(view)
    if staged.height:
        log.info("%s: %d rows accepted now that their references have arrived", name, staged.height)
    return staged.height


def _stage_as_if_delivered_then(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, sha: str, name: str, seq: int, at: dt.datetime
) -> None:
    """Upsert ``_resolved`` into staging where no later delivery holds the key.

    A staged row of an earlier delivery (or an earlier row of the same file) is replaced; a staged
    row of a later delivery stays. ``_loaded_at`` is when the row was staged (now), so that what
    reads the table sees that it changed.
    """
    columns = [c for c, _, _ in dataset.staging_columns]
    col_list = ", ".join(columns)
    key_match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM n.{k}" for k in dataset.key)
    con.execute(
        f"""DELETE FROM staging.{dataset.name} WHERE rowid IN (
                SELECT s.rowid FROM staging.{dataset.name} s
                JOIN _resolved n ON {key_match}
                LEFT JOIN meta.ingested_files f
                  ON f.file_sha256 = s._file_sha256 AND f.status = 'ingested'
                WHERE coalesce(f.delivery_seq, 0) < $seq
                   OR (coalesce(f.delivery_seq, 0) = $seq AND s._row_number < n._row_number))""",
        {"seq": seq},
    ).fetchall()
    con.execute(
        f"""INSERT INTO staging.{dataset.name} ({col_list}, _file_sha256, _file_name, _row_number, _loaded_at)
            SELECT {col_list}, $sha, $name, _row_number, $at FROM _resolved n
            WHERE NOT EXISTS (SELECT 1 FROM staging.{dataset.name} s WHERE {key_match})""",
        {"sha": sha, "name": name, "at": at},
    ).fetchall()
