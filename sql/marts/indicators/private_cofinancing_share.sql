-- private_cofinancing_share: private cash / (private cash + public funding) per fiscal year, held
-- against the promised share (awarded-weighted committed_private_share). ALL = ratio of the sums.
SELECT a.cluster_id, CAST(a.fiscal_year AS VARCHAR) AS period,
       CASE WHEN a.private_cash + a.public_funding > 0
            THEN a.private_cash / (a.private_cash + a.public_funding) END AS value,
       t.target
FROM intermediate.cluster_accounts AS a
LEFT JOIN intermediate.cofinancing_targets AS t ON t.cluster_id = a.cluster_id
UNION ALL
SELECT 'ALL', CAST(a.fiscal_year AS VARCHAR),
       CASE WHEN sum(a.private_cash + a.public_funding) > 0
            THEN sum(a.private_cash) / sum(a.private_cash + a.public_funding) END,
       any_value(t.target)
FROM intermediate.cluster_accounts AS a
LEFT JOIN intermediate.cofinancing_targets AS t ON t.cluster_id = 'ALL'
GROUP BY a.fiscal_year
