-- turnover_pretrend: the placebo of turnover_effect_2y, exp(mean of p_i - mean p of i's controls)
-- - 1 with p = ln(turnover(t-1) / turnover(t-2)), over its matched firms whose turnover(t-2) > 0 and
-- that keep >= 1 control with turnover(t-2) > 0, with its 95 % interval; near 0 when the control
-- group is credible (an interval wholly above or below 0 raises dq_pretrend in marts.flags).
SELECT scope AS cluster_id, period, value, n_matched AS n_firms, ci_low, ci_high
FROM intermediate.effect_groups
WHERE effect = 'turnover_pretrend'
