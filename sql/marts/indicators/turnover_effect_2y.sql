-- turnover_effect_2y: matched difference-in-differences effect, exp(mean of g_i - mean g of i's
-- controls) - 1 over the matched cohort firms, held against the expected 7 %.
SELECT scope AS cluster_id, period, effect AS value, $expected_turnover_effect AS target,
       n_matched AS n_firms
FROM intermediate.turnover_groups
