-- Schema meta: what was delivered and what each build last saw. Idempotent (every writer runs it).

-- One row per file delivered (output contract: meta.ingested_files).
CREATE TABLE IF NOT EXISTS meta.ingested_files (
    file_sha256     VARCHAR NOT NULL,
    file_name       VARCHAR NOT NULL,
    dataset         VARCHAR NOT NULL,
    status          VARCHAR NOT NULL,   -- ingested | duplicate | failed
    rows_total      BIGINT NOT NULL,
    rows_accepted   BIGINT NOT NULL,
    rows_rejected   BIGINT NOT NULL,
    error           VARCHAR,
    ingested_at     TIMESTAMP NOT NULL,
    file_format     VARCHAR,            -- extension: csv | csv-danish | xlsx | parquet
    file_size_bytes BIGINT,
    run_id          VARCHAR,
    file_mtime_ns   BIGINT,             -- with the size and the change time, lets a re-run
    file_ctime_ns   BIGINT,             -- skip an unchanged file unread
    delivery_seq    BIGINT              -- the order of deliveries: runs, then datasets, then
                                        -- files in lexical order (latest wins by this order)
);
ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS file_mtime_ns BIGINT;
ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS file_ctime_ns BIGINT;
ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS delivery_seq BIGINT;
-- A warehouse from before delivery_seq: its files in the order they were recorded.
UPDATE meta.ingested_files AS f SET delivery_seq = o.seq
FROM (
    SELECT rowid AS rid,
           row_number() OVER (ORDER BY ingested_at, file_name, rowid)
             + (SELECT coalesce(max(delivery_seq), 0) FROM meta.ingested_files) AS seq
    FROM meta.ingested_files WHERE delivery_seq IS NULL
) AS o
WHERE f.rowid = o.rid;

-- Files that could not be taken for a fault of the machine, not of their content (input contract
-- rule 10): no permission to read them, still being written. Not a verdict: the file is not in
-- meta.ingested_files and the next run takes it again. One row per file and run.
CREATE TABLE IF NOT EXISTS meta.inbox_faults (
    file_name  VARCHAR NOT NULL,
    dataset    VARCHAR NOT NULL,
    fault      VARCHAR NOT NULL,   -- permission_denied | still_changing | unreadable
    detail     VARCHAR NOT NULL,
    run_id     VARCHAR,
    seen_at    TIMESTAMP NOT NULL
);

-- What each model build and data check last saw (pipelines/core/build_state.py): a re-run whose
-- inputs are unchanged reuses the result instead of recomputing it.
CREATE TABLE IF NOT EXISTS meta.build_state (
    name        VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL,
    result      VARCHAR
);
