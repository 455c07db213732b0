-- sme_depth_share: of the SMEs in the numerator of sme_share (verified firms that were SMEs at >= 1
-- of their in-window participations in the cluster's activities), the share with in-window
-- participations in >= 2 distinct activities of the cluster (both grants; every such participation
-- counts, SME at it or not). ALL: of the SMEs nationally, >= 2 distinct activities of any clusters
-- (an activity belongs to one cluster, so the firm's activities add up over its clusters).
-- n_firms = the denominator; null value when it is 0.
WITH nationally AS (
    SELECT cvr, bool_or(is_sme) AS is_sme, sum(n_activities) AS n_activities
    FROM intermediate.participant_firms
    GROUP BY cvr
)
SELECT c.cluster_id, 'to_date' AS period,
       CASE WHEN count(p.cvr) > 0
            THEN CAST(count(p.cvr) FILTER (WHERE p.n_activities >= 2) AS DOUBLE) / count(p.cvr)
       END AS value,
       count(p.cvr) AS n_firms
FROM reference.clusters AS c
LEFT JOIN intermediate.participant_firms AS p ON p.cluster_id = c.cluster_id AND p.is_sme
GROUP BY c.cluster_id
UNION ALL
SELECT 'ALL', 'to_date',
       CASE WHEN count(*) > 0
            THEN CAST(count(*) FILTER (WHERE n_activities >= 2) AS DOUBLE) / count(*) END,
       count(*)
FROM nationally
WHERE is_sme
