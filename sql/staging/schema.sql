-- Tables written by ingestion. Idempotent: run on every writer connection.
-- Natural keys are not declared as PRIMARY KEYs: ingestion upserts by key itself (latest wins)
-- and the GX suites check uniqueness; DuckDB's ART indexes would slow national-size loads.
-- Lineage columns (_file_sha256, _file_name, _row_number) point every staged row at the raw row
-- it came from; _loaded_at is when the file was applied.

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

CREATE TABLE IF NOT EXISTS quality.rejected_rows (
    file_sha256  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    dataset      VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,
    reason       VARCHAR NOT NULL,
    detail       VARCHAR NOT NULL,
    raw          VARCHAR NOT NULL
);

-- Raw layer: every row read, as read (JSON of the original header -> cell text).
CREATE TABLE IF NOT EXISTS raw.rows (
    dataset      VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,
    record       VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.grants (
    grant_id                VARCHAR NOT NULL,
    cluster_id              VARCHAR NOT NULL,
    grant_type              VARCHAR NOT NULL,
    awarded_dkk             DOUBLE NOT NULL,
    period_start            DATE NOT NULL,
    period_end              DATE NOT NULL,
    target_smes             BIGINT NOT NULL,
    committed_private_share DOUBLE,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.accounts (
    cluster_id               VARCHAR NOT NULL,
    fiscal_year              INTEGER NOT NULL,
    revenue_total_dkk        DOUBLE NOT NULL,
    deb_funding_dkk          DOUBLE NOT NULL,
    other_public_funding_dkk DOUBLE NOT NULL,
    membership_fees_dkk      DOUBLE NOT NULL,
    sponsorships_dkk         DOUBLE NOT NULL,
    user_payments_dkk        DOUBLE NOT NULL,
    other_private_cash_dkk   DOUBLE NOT NULL,
    private_in_kind_dkk      DOUBLE,
    costs_total_dkk          DOUBLE NOT NULL,
    result_dkk               DOUBLE,
    equity_dkk               DOUBLE NOT NULL,
    total_assets_dkk         DOUBLE NOT NULL,
    cash_dkk                 DOUBLE NOT NULL,
    advance_payments_dkk     DOUBLE,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.activities (
    activity_id    VARCHAR NOT NULL,
    grant_id       VARCHAR NOT NULL,
    title          VARCHAR NOT NULL,
    theme          VARCHAR NOT NULL,   -- a contract theme code; unknown codes become 'other'
    theme_original VARCHAR NOT NULL,   -- as delivered (lower-cased, trimmed)
    start_date     DATE NOT NULL,
    end_date       DATE,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.participation (
    activity_id        VARCHAR NOT NULL,
    cvr                VARCHAR NOT NULL,   -- normalised: 8 digits
    participation_date DATE NOT NULL,
    firm_name          VARCHAR,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.innovation_outcomes (
    activity_id       VARCHAR NOT NULL,
    cvr               VARCHAR NOT NULL,
    concept_developed BOOLEAN NOT NULL,
    concept_date      DATE,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.firms (
    cvr              VARCHAR NOT NULL,
    year             INTEGER NOT NULL,
    employees        DOUBLE NOT NULL,
    turnover_dkk     DOUBLE,
    gross_profit_dkk DOUBLE,
    total_assets_dkk DOUBLE,
    nace_code        VARCHAR NOT NULL,  -- digits only, 2..6
    region           VARCHAR NOT NULL,  -- DK01..DK05
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.survey_demand (
    survey_year    INTEGER NOT NULL,
    cluster_id     VARCHAR NOT NULL,
    respondent_cvr VARCHAR NOT NULL,
    theme          VARCHAR NOT NULL,
    theme_original VARCHAR NOT NULL,
    demand         INTEGER NOT NULL,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS staging.survey_network (
    survey_year  INTEGER NOT NULL,
    cluster_id   VARCHAR NOT NULL,
    org_id       VARCHAR NOT NULL,
    org_type     VARCHAR NOT NULL,
    partner_id   VARCHAR NOT NULL,
    partner_type VARCHAR NOT NULL,
    _file_sha256 VARCHAR NOT NULL, _file_name VARCHAR NOT NULL, _row_number BIGINT NOT NULL,
    _loaded_at TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.indicators (
    cluster_id VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    value      DOUBLE,
    target     DOUBLE,
    expected   DOUBLE,
    n_firms    BIGINT,
    status     VARCHAR NOT NULL,
    as_of      DATE NOT NULL
);

CREATE TABLE IF NOT EXISTS marts.flags (
    cluster_id VARCHAR NOT NULL,
    indicator  VARCHAR NOT NULL,
    period     VARCHAR NOT NULL,
    severity   VARCHAR NOT NULL,
    message    VARCHAR NOT NULL,
    as_of      DATE NOT NULL
);

-- What each model build and data check last saw (pipelines/build_state.py): a re-run whose inputs
-- are unchanged reuses the result instead of recomputing it.
CREATE TABLE IF NOT EXISTS meta.build_state (
    name        VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    built_at    TIMESTAMP NOT NULL,
    result      VARCHAR
);
