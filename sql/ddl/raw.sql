-- Schema raw: every row ever read, as read (input contract rule 1: nothing is lost), with its
-- file's SHA-256 and row number. A file's header once, its rows as lists of cells:
--   raw.files: one row per ingested file: header = the column names as the reader returned them,
--              in order (a repeated header comes back renamed by the reader, e.g. cvr_duplicated_0).
--   raw.rows:  one row per record (data row, blank lines not counted): cells = its cells in the
--              header's order, exactly as read (text, an empty cell is null).
--   raw.records (view): a row as MAP header -> cell, e.g. what did row 17 of a file say:
--     SELECT record FROM raw.records WHERE file_name = 'firms/firms_2024.csv' AND row_number = 17;
--     SELECT record['cvr'] FROM raw.records WHERE ...;
-- Until November 2026 raw.rows held a JSON document per row (column record); a warehouse of that
-- shape is converted in place when it is opened (pipelines/core/warehouse.py: upgrade_raw_rows).
CREATE TABLE IF NOT EXISTS raw.files (
    file_sha256  VARCHAR NOT NULL,
    dataset      VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    header       VARCHAR[] NOT NULL
);
CREATE TABLE IF NOT EXISTS raw.rows (
    dataset      VARCHAR NOT NULL,
    file_sha256  VARCHAR NOT NULL,
    file_name    VARCHAR NOT NULL,
    row_number   BIGINT NOT NULL,
    cells        VARCHAR[] NOT NULL
);
CREATE OR REPLACE VIEW raw.records AS
SELECT r.dataset, r.file_sha256, r.file_name, r.row_number, f.header, r.cells,
       map(f.header, r.cells) AS record
FROM raw.rows r JOIN raw.files f USING (file_sha256);
