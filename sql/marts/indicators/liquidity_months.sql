-- liquidity_months: cash / (costs_total / 12) per cluster and fiscal year; null when costs are 0.
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period,
       CASE WHEN costs_total_dkk > 0 THEN cash_dkk / (costs_total_dkk / 12) END AS value
FROM intermediate.cluster_accounts
