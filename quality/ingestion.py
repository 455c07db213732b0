"""Ingestion health: failed files and the share of rejected rows, per dataset.

A failed file counts while it is *current*: no later record under the same file name was ingested
(a fixed file under the same path is a new delivery and clears it). The rejected share is
``sum(rows_rejected) / sum(rows_total)`` over the dataset's ingested files (duplicates add nothing).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import duckdb

from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.metadata import records_table
from quality.gx_runner import validate_frame
from quality.results import SuiteReport
from quality.rules import Rule

if TYPE_CHECKING:
    import pandas as pd

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


def ingestion_health(
    con: duckdb.DuckDBPyConnection,
    max_rejected_share: float,
    datasets: Sequence[str] = INGESTION_ORDER,
) -> tuple[pd.DataFrame, dict[str, SuiteReport]]:
    """Per-dataset health frame, and one GX report per dataset (no failed file, share under the limit)."""
    started = time.perf_counter()
    frame = con.execute(HEALTH_SQL, {"datasets": list(datasets)}).df()
    frame.index = frame["dataset"].to_numpy()
    rules = [
        Rule("between", ("files_failed",), "no failed file", min_value=0, max_value=0),
        Rule(
            "between",
            ("rejected_share",),
            f"rejected-row share <= {max_rejected_share:.1%}",
            structural=False,
            min_value=0,
            max_value=max_rejected_share,
        ),
    ]
    reports: dict[str, SuiteReport] = {}
    for dataset in datasets:
        one = frame.loc[[dataset]]
        report = SuiteReport(suite=f"ingestion.{dataset}.health")
        report.outcomes = validate_frame(report.suite, one, [r.expectation() for r in rules])
        report.validated_rows = len(one)
        row = one.iloc[0]
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
    return frame, reports
