-- turnover_effect_2y: matched difference-in-differences effect, exp(mean of g_i - mean g of i's
-- controls) - 1 over the matched cohort firms, with its 95 % interval, held against the expected 7 %.
SELECT scope AS cluster_id, period, value, $expected_turnover_effect AS target,
       n_matched AS n_firms, ci_low, ci_high
FROM intermediate.effect_groups
WHERE effect = 'turnover_effect_2y'
