-- large_firm_participants: the sme_share denominator minus its numerator: verified firms with an
-- in-window participation in the cluster's activities that were not SMEs at any of them. ALL:
-- distinct firms nationally, not SMEs at any qualifying participation anywhere (a firm that was an
-- SME at one of them is an SME nationally). n_firms = the value.
WITH nationally AS (
    SELECT cvr, bool_or(is_sme) AS is_sme
    FROM intermediate.participant_firms
    GROUP BY cvr
)
SELECT c.cluster_id, 'to_date' AS period,
       count(p.cvr) AS value,
       count(p.cvr) AS n_firms
FROM reference.clusters AS c
LEFT JOIN intermediate.participant_firms AS p ON p.cluster_id = c.cluster_id AND NOT p.is_sme
GROUP BY c.cluster_id
UNION ALL
SELECT 'ALL', 'to_date', count(*), count(*)
FROM nationally
WHERE NOT is_sme
