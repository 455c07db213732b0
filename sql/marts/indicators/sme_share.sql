-- sme_share: SMEs / verified firms with >= 1 participation inside the window of any of the
-- cluster's grants; n_firms = the denominator. ALL: distinct firms nationally (an SME nationally
-- if it was an SME at any of its qualifying participations).
SELECT c.cluster_id, 'to_date' AS period,
       CASE WHEN count(s.cvr) > 0
            THEN CAST(count(s.cvr) FILTER (WHERE s.is_sme) AS DOUBLE) / count(s.cvr) END AS value,
       count(s.cvr) AS n_firms
FROM reference.clusters AS c
LEFT JOIN intermediate.participant_firms AS s USING (cluster_id)
GROUP BY c.cluster_id
UNION ALL
SELECT 'ALL', 'to_date',
       CASE WHEN count(*) > 0 THEN CAST(count(*) FILTER (WHERE is_sme) AS DOUBLE) / count(*) END,
       count(*)
FROM (SELECT cvr, bool_or(is_sme) AS is_sme FROM intermediate.participant_firms GROUP BY cvr)
