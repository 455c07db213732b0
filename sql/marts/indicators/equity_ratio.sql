-- equity_ratio: equity / total assets per cluster and fiscal year (critical when negative).
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period,
       CASE WHEN total_assets_dkk <> 0 THEN equity_dkk / total_assets_dkk END AS value
FROM intermediate.cluster_accounts
