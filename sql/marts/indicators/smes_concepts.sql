-- smes_concepts: distinct SMEs with a developed concept (concept_date inside the window of the
-- innovation grant that funds the activity); target = the innovation grants' target_smes, expected =
-- the target prorated to as_of. ALL = the sum over the clusters (value, target and expected).
SELECT cluster_id, 'to_date' AS period, n AS value, target, expected, n AS n_firms
FROM intermediate.sme_counts
WHERE grant_type = 'innovation'
UNION ALL
SELECT 'ALL', 'to_date', sum(n), sum(target), sum(expected), sum(n)
FROM intermediate.sme_counts
WHERE grant_type = 'innovation'
