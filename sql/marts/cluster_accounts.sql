-- Model marts.cluster_accounts: the granted clusters' annual accounts as delivered (every fiscal
-- year, latest delivery of each), with the funding lines summed by the contract's macros:
-- private_cash_dkk, public_funding_dkk and funding_lines_dkk. What the report's funding charts read.

CREATE OR REPLACE TABLE marts.cluster_accounts AS
SELECT
    a.* EXCLUDE (_file_sha256, _file_name, _row_number, _loaded_at),
    private_cash(a)   AS private_cash_dkk,
    public_funding(a) AS public_funding_dkk,
    funding_lines(a)  AS funding_lines_dkk
FROM staging.accounts AS a
WHERE a.cluster_id IN (SELECT cluster_id FROM reference.clusters)
ORDER BY a.cluster_id, a.fiscal_year;
