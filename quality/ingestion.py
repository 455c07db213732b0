"""Ingestion health: failed files and the share of rejected rows, per dataset.

A failed file counts while it is *current*: no later record under the same file name was ingested
(a fixed file under the same path is a new delivery and clears it). The rejected share is
``sum(rows_rejected) / sum(rows_total)`` over the dataset's ingested files (duplicates add nothing).

Both rules are two comparisons on one row per dataset, computed by DuckDB: they are judged here
without Great Expectations, whose import (seconds) and per-suite cost bought nothing on a one-row
frame (issue 20: a small delivery must not pay for GX where it adds nothing).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import duckdb

from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.metadata import records_table
from pipelines.core.warehouse import fetch_all
from quality.gx_runner import ExpectationOutcome
from quality.results import SuiteReport

FAILURES_CTE = """
WITH latest_ok AS (
    SELECT file_name, max(ingested_at) AS ok_at
    FROM meta.ingested_files WHERE status IN ('ingested', 'duplicate') GROUP BY file_name
),
current_failures AS (
    SELECT f.dataset, f.file_name, arg_max(f.error, f.ingested_at) AS error
    FROM meta.ingested_files f LEFT JOIN latest_ok o USING (file_name)
    WHERE f.status = 'failed' AND (o.ok_at IS NULL OR o.ok_at < f.ingested_at)
    GROUP BY f.dataset, f.file_name
)
"""

HEALTH_SQL = (
    FAILURES_CTE
    + """,
rows AS (
    SELECT dataset, count(*) AS files_ingested, sum(rows_total) AS rows_total,
           sum(rows_rejected) AS rows_rejected
    FROM meta.ingested_files WHERE status = 'ingested' GROUP BY dataset
)
SELECT d.dataset,
       coalesce(r.files_ingested, 0) AS files_ingested,
       (SELECT count(*) FROM current_failures c WHERE c.dataset = d.dataset) AS files_failed,
       coalesce(r.rows_total, 0) AS rows_total,
       coalesce(r.rows_rejected, 0) AS rows_rejected,
       CASE WHEN coalesce(r.rows_total, 0) = 0 THEN 0.0
            ELSE r.rows_rejected::DOUBLE / r.rows_total END AS rejected_share
FROM (SELECT unnest($datasets) AS dataset) d LEFT JOIN rows r USING (dataset)
"""
)


def failed_files(con: duckdb.DuckDBPyConnection, dataset: str) -> list[tuple[str, str]]:
    """(file name, error) of the dataset's currently failed files."""
    query = (
        FAILURES_CTE
        + "SELECT file_name, coalesce(error, '') FROM current_failures WHERE dataset = ? ORDER BY file_name"
    )
    return [(r[0], r[1]) for r in con.execute(query, [dataset]).fetchall()]


def health_state(con: duckdb.DuckDBPyConnection, dataset: str) -> list:
    """What the dataset's health is computed from: its records in ``meta.ingested_files``
    (every record gets a new ``ingested_at``; a late reference moves rows to accepted in place)."""
    return fetch_all(
        con,
        """SELECT count(*), max(ingested_at), sum(rows_accepted), sum(rows_rejected)
           FROM meta.ingested_files WHERE dataset = $dataset""",
        {"dataset": dataset},
    )[0]


def _outcome(label: str, success: bool, structural: bool, observed: float | int) -> ExpectationOutcome:
    return ExpectationOutcome(
        label=label,
        success=success,
        structural=structural,
        expectation_type="sql_comparison",
        element_count=1,
        unexpected_count=0 if success else 1,
        unexpected_percent=0.0 if success else 100.0,
        observed_value=observed,
    )


def ingestion_health(
    con: duckdb.DuckDBPyConnection,
    max_rejected_share: float,
    datasets: Sequence[str] = INGESTION_ORDER,
) -> dict[str, SuiteReport]:
    """One report per dataset: no failed file, and a rejected-row share within the limit."""
    started = time.perf_counter()
    cursor = con.execute(HEALTH_SQL, {"datasets": list(datasets)})
    names = [d[0] for d in cursor.description]
    rows = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
    reports: dict[str, SuiteReport] = {}
    for dataset in datasets:
        row = rows[dataset]
        share = float(row["rejected_share"])
        report = SuiteReport(suite=f"ingestion.{dataset}.health", mode="sql")
        report.outcomes = [
            _outcome("no failed file", int(row["files_failed"]) == 0, True, int(row["files_failed"])),
            _outcome(
                f"rejected-row share <= {max_rejected_share:.1%}",
                0 <= share <= max_rejected_share,
                False,
                share,
            ),
        ]
        report.validated_rows = 1
        report.rows_total = int(row["rows_total"])
        failures = failed_files(con, dataset) if int(row["files_failed"]) else []
        report.extra_metadata = {
            "files_ingested": int(row["files_ingested"]),
            "files_failed": int(row["files_failed"]),
            "rows_rejected": int(row["rows_rejected"]),
            "rejected_share": float(row["rejected_share"]),
            "max_rejected_share": float(max_rejected_share),
        }
        if failures:
            report.extra_metadata["failed_files"] = records_table(["file", "error"], failures)
            report.notes.append("Failed: " + "; ".join(f"{f} ({e})" for f, e in failures))
        reports[dataset] = report
    elapsed = time.perf_counter() - started
    for report in reports.values():
        report.seconds = elapsed
    return reports
