-- multi_cluster_sme_share: of the firms counted in the cluster's smes_collective, the share also
-- counted in another cluster's smes_collective. ALL: firms counted in >= 2 clusters /
-- smes_collective_unique. n_firms = the denominator; null value when it is 0.
WITH per_firm AS (
    SELECT cvr, count(*) AS n_clusters
    FROM intermediate.collective_smes
    GROUP BY cvr
)
SELECT c.cluster_id, 'to_date' AS period,
       CASE WHEN count(s.cvr) > 0
            THEN CAST(count(s.cvr) FILTER (WHERE f.n_clusters >= 2) AS DOUBLE) / count(s.cvr)
       END AS value,
       count(s.cvr) AS n_firms
FROM reference.clusters AS c
LEFT JOIN intermediate.collective_smes AS s ON s.cluster_id = c.cluster_id
LEFT JOIN per_firm AS f ON f.cvr = s.cvr
GROUP BY c.cluster_id
UNION ALL
SELECT 'ALL', 'to_date',
       CASE WHEN count(*) > 0 THEN CAST(count(*) FILTER (WHERE n_clusters >= 2) AS DOUBLE) / count(*) END,
       count(*)
FROM per_firm
