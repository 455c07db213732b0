-- Model intermediate.cluster_accounts / intermediate.cofinancing_targets: the granted clusters'
-- annual accounts with their funding lines summed (private cash, public funding, all lines: the
-- macros derived from the input contract), fiscal years after year($as_of) ignored; and each
-- cluster's promised private co-financing share (national: over all grants).
--
-- Promised share: the awarded-weighted mean of committed_private_share over the grants that state
-- one (a plain mean where those grants award nothing). cluster_id 'ALL' = over all grants.

CREATE OR REPLACE TABLE intermediate.cluster_accounts AS
SELECT
    a.cluster_id,
    a.fiscal_year,
    private_cash(a)             AS private_cash,
    public_funding(a)           AS public_funding,
    funding_lines(a)            AS funding_lines,
    a.deb_funding_dkk,
    a.user_payments_dkk,
    a.revenue_total_dkk,
    a.costs_total_dkk,
    a.equity_dkk,
    a.total_assets_dkk,
    a.cash_dkk,
    a.advance_payments_dkk
FROM staging.accounts AS a
WHERE a.fiscal_year <= year(CAST($as_of AS DATE))
  AND a.cluster_id IN (SELECT cluster_id FROM reference.clusters);

CREATE OR REPLACE TABLE intermediate.cofinancing_targets AS
SELECT
    coalesce(cluster_id, 'ALL') AS cluster_id,
    CASE WHEN sum(awarded_dkk) > 0 THEN sum(awarded_dkk * committed_private_share) / sum(awarded_dkk)
         ELSE avg(committed_private_share) END AS target
FROM intermediate.grant_windows
WHERE committed_private_share IS NOT NULL
GROUP BY GROUPING SETS ((cluster_id), ());
