-- employment_effect_2y: the matched difference-in-differences on employees (FTE), exp(mean of
-- g_i - mean g of i's controls) - 1 with g = ln(employees(t+2) / employees(t-1)), over the matched
-- firms, with its 95 % interval. No target.
SELECT scope AS cluster_id, period, value, n_matched AS n_firms, ci_low, ci_high
FROM intermediate.effect_groups
WHERE effect = 'employment_effect_2y'
