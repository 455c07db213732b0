-- free_liquidity_months: (cash - advance payments) / (costs_total / 12) per cluster and fiscal
-- year: liquidity without the advances ("forskud") received and not yet spent. An empty
-- advance_payments_dkk counts as 0; null when costs are 0. Status rule free_liquidity.
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period,
       CASE WHEN costs_total_dkk > 0
            THEN (cash_dkk - coalesce(advance_payments_dkk, 0)) / (costs_total_dkk / 12) END AS value
FROM intermediate.cluster_accounts
