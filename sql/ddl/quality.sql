-- Schema quality: every rejected input row with one reason (output contract: quality.rejected_rows).
CREATE TABLE IF NOT EXISTS quality.rejected_rows (
    file_sha256  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    dataset      VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,
    reason       VARCHAR NOT NULL,
    detail       VARCHAR NOT NULL,
    raw          VARCHAR NOT NULL
);
