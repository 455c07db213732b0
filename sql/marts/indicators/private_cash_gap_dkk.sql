-- private_cash_gap_dkk: what the cluster is short of its promise in a fiscal year, in DKK:
-- target share x (private cash + public funding) - private cash (negative = ahead of it). Null
-- where the co-financing target is null (no committed share, or a baseline year before the
-- grants). ALL = the sum over the clusters with a value (null when none has one).
WITH clusters AS (
    SELECT cluster_id, fiscal_year,
           target * (private_cash + public_funding) - private_cash AS gap
    FROM intermediate.cofinancing_years
    WHERE cluster_id <> 'ALL'
)
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period, gap AS value
FROM clusters
UNION ALL
SELECT 'ALL', CAST(fiscal_year AS VARCHAR), sum(gap)
FROM clusters
GROUP BY fiscal_year
