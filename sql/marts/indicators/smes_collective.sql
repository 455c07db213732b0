-- smes_collective: distinct SMEs with >= 1 participation in an activity of the cluster's cluster
-- grant, inside the grant window; target = the cluster grants' target_smes, expected = the target
-- prorated to as_of. ALL = the sum over the clusters (value, target and expected).
SELECT cluster_id, 'to_date' AS period, n AS value, target, expected, n AS n_firms
FROM intermediate.sme_counts
WHERE grant_type = 'cluster'
UNION ALL
SELECT 'ALL', 'to_date', sum(n), sum(target), sum(expected), sum(n)
FROM intermediate.sme_counts
WHERE grant_type = 'cluster'
