-- payout_at_risk_dkk: the part of the granted maxima whose payout the promises do not yet carry:
-- sum over the cluster's grants (all of them, not cut at as_of) of awarded_dkk x (1 - f), with
-- f = min(1, r, c) floored at 0;
--   r = the cluster's progress value / expected on the grant type's SME count (smes_collective for
--       a cluster grant, smes_concepts for an innovation grant); 1 when expected is 0 or null;
--   c = the cluster's private_cofinancing_share / its target in its latest fiscal year <=
--       year(as_of) with an accounts row; 1 with no such year, a null value, or a null or 0 target.
-- A granted cluster without grants has 0 at risk. ALL = the sum over the clusters. n_firms null.
WITH progress AS (
    SELECT cluster_id, grant_type,
           CASE WHEN expected IS NULL OR expected = 0 THEN 1.0 ELSE n / expected END AS r
    FROM intermediate.sme_counts
),
latest_year AS (
    SELECT cluster_id,
           CASE WHEN share IS NULL OR target IS NULL OR target = 0 THEN 1.0
                ELSE share / target END AS c
    FROM intermediate.cofinancing_years
    WHERE cluster_id <> 'ALL'
    QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY fiscal_year DESC) = 1
),
per_grant AS (
    SELECT g.cluster_id,
           g.awarded_dkk * (1 - greatest(0.0, least(1.0, coalesce(p.r, 1.0), coalesce(y.c, 1.0))))
               AS at_risk
    FROM intermediate.grant_windows AS g
    LEFT JOIN progress AS p ON p.cluster_id = g.cluster_id AND p.grant_type = g.grant_type
    LEFT JOIN latest_year AS y ON y.cluster_id = g.cluster_id
),
clusters AS (
    SELECT c.cluster_id, coalesce(sum(g.at_risk), 0.0) AS value
    FROM reference.clusters AS c
    LEFT JOIN per_grant AS g ON g.cluster_id = c.cluster_id
    GROUP BY c.cluster_id
)
SELECT cluster_id, 'to_date' AS period, value FROM clusters
UNION ALL
SELECT 'ALL', 'to_date', sum(value) FROM clusters
