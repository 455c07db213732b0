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
    file_ctime_ns   BIGINT              -- skip an unchanged file unread
);
ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS file_mtime_ns BIGINT;
ALTER TABLE meta.ingested_files ADD COLUMN IF NOT EXISTS file_ctime_ns BIGINT;

-- What each model build and data check last saw (pipelines/core/build_state.py): a re-run whose
-- inputs are unchanged reuses the result instead of recomputing it.
CREATE TABLE IF NOT EXISTS meta.build_state (
    name        VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL,
    result      VARCHAR
);
