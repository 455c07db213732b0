-- Model marts.ingestion_summary / marts.failed_files / marts.rejections: the data behind the
-- figures, for the report's data-quality appendix: files delivered per dataset and status (with
-- their rows), every failed delivery with its error, and rejected rows per dataset and reason
-- (those still rejected: see quality.rejected_rows.resolved_at).

CREATE OR REPLACE TABLE marts.ingestion_summary AS
SELECT dataset, status, count(*) AS n_files,
       sum(rows_total) AS rows_total, sum(rows_accepted) AS rows_accepted,
       sum(rows_rejected) AS rows_rejected
FROM meta.ingested_files
GROUP BY ALL
ORDER BY dataset, status;

CREATE OR REPLACE TABLE marts.failed_files AS
SELECT file_name, dataset, error, ingested_at
FROM meta.ingested_files
WHERE status = 'failed'
ORDER BY ingested_at DESC, file_name;

CREATE OR REPLACE TABLE marts.rejections AS
SELECT dataset, reason, count(*) AS n_rows
FROM quality.rejected_rows
WHERE resolved_at IS NULL  -- a rejection resolved by a late reference is no longer a rejected row
GROUP BY ALL
ORDER BY dataset, n_rows DESC, reason;
