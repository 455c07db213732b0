-- Schema raw: every row ever read, as read (JSON of the original header -> cell text), with its
-- file's SHA-256 and row number (input contract rule 1: nothing is lost).
CREATE TABLE IF NOT EXISTS raw.rows (
    dataset      VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,
    record       VARCHAR NOT NULL
);
