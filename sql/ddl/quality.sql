-- Schema quality: every rejected input row with one reason (output contract: quality.rejected_rows).
-- A rejection for a reference that had not arrived yet (unknown_cluster, unknown_grant,
-- unknown_activity, outcome_without_participation) is reconsidered on every later run (input
-- contract rule 9): once the reference has arrived the row is accepted as if delivered then and
-- its rejection stays here, marked resolved (resolved_at). A row still rejected has resolved_at
-- null; where reconsidering changed its reason, delivered_reason keeps the first one.
CREATE TABLE IF NOT EXISTS quality.rejected_rows (
    file_sha256      VARCHAR NOT NULL,
    file_name        VARCHAR NOT NULL,
    dataset          VARCHAR NOT NULL,
    row_number       BIGINT NOT NULL,
    reason           VARCHAR NOT NULL,
    detail           VARCHAR NOT NULL,
    raw              VARCHAR NOT NULL,
    resolved_at      TIMESTAMP,
    resolved_run_id  VARCHAR,
    delivered_reason VARCHAR
);
ALTER TABLE quality.rejected_rows ADD COLUMN IF NOT EXISTS resolved_at TIMESTAMP;
ALTER TABLE quality.rejected_rows ADD COLUMN IF NOT EXISTS resolved_run_id VARCHAR;
ALTER TABLE quality.rejected_rows ADD COLUMN IF NOT EXISTS delivered_reason VARCHAR;
