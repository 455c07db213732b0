-- user_payment_share: user payments / private cash per fiscal year (ALL: ratio of the sums); null
-- when private cash is 0. (intermediate.cofinancing_years)
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period,
       CASE WHEN private_cash > 0 THEN user_payments / private_cash END AS value
FROM intermediate.cofinancing_years
