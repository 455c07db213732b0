-- Model intermediate.cofinancing_years: per granted cluster and fiscal year <= year($as_of) (and
-- 'ALL' = the sums over the clusters), the private cash, public funding and user payments of the
-- accounts, the private co-financing share and the promised share it is held against.
--
-- Amended November 2026: the promise applies only to fiscal years that overlap the period of at
-- least one of the cluster's grants (ALL: of any grant); a year overlaps a grant when
-- period_start <= 31 December of the year and period_end >= 1 January of the year. An earlier
-- year is a baseline: its share is kept, its target is null.
-- What private_cofinancing_share, private_cash_gap_dkk, user_payment_share and
-- payout_at_risk_dkk read.

CREATE OR REPLACE TABLE intermediate.cofinancing_years AS
WITH sums AS (
    SELECT
        coalesce(cluster_id, 'ALL')  AS cluster_id,
        fiscal_year,
        sum(private_cash)            AS private_cash,
        sum(public_funding)          AS public_funding,
        sum(user_payments_dkk)       AS user_payments
    FROM intermediate.cluster_accounts
    GROUP BY GROUPING SETS ((cluster_id, fiscal_year), (fiscal_year))
)
SELECT
    s.cluster_id,
    s.fiscal_year,
    s.private_cash,
    s.public_funding,
    s.user_payments,
    CASE WHEN s.private_cash + s.public_funding > 0
         THEN s.private_cash / (s.private_cash + s.public_funding) END AS share,
    CASE WHEN EXISTS (
            SELECT 1 FROM intermediate.grant_windows AS g
            WHERE (g.cluster_id = s.cluster_id OR s.cluster_id = 'ALL')
              AND g.period_start <= make_date(s.fiscal_year, 12, 31)
              AND g.period_end >= make_date(s.fiscal_year, 1, 1)
         ) THEN t.target END                                     AS target
FROM sums AS s
LEFT JOIN intermediate.cofinancing_targets AS t ON t.cluster_id = s.cluster_id;
