-- private_cofinancing_share: private cash / (private cash + public funding) per fiscal year, held
-- against the promised share (awarded-weighted committed_private_share) in the fiscal years that
-- overlap a grant period of the cluster (ALL: of any grant); earlier years are a baseline with
-- target null. ALL = ratio of the sums. (intermediate.cofinancing_years)
SELECT cluster_id, CAST(fiscal_year AS VARCHAR) AS period, share AS value, target
FROM intermediate.cofinancing_years
