-- deb_dependence: DEB funding / revenue total per cluster and fiscal year.
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period,
       CASE WHEN revenue_total_dkk > 0 THEN deb_funding_dkk / revenue_total_dkk END AS value
FROM intermediate.cluster_accounts
