-- smes_collective_unique: distinct SMEs in collective activities across all clusters (a firm in
-- two clusters counts once). National only.
SELECT 'ALL' AS cluster_id, 'to_date' AS period, count(DISTINCT cvr) AS value,
       count(DISTINCT cvr) AS n_firms
FROM intermediate.collective_smes
