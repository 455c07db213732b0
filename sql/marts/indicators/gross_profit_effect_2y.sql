-- gross_profit_effect_2y: the matched difference-in-differences on gross profit, exp(mean of
-- g_i - mean g of i's controls) - 1 with g = ln(gross_profit(t+2) / gross_profit(t-1)), over the
-- matched firms, with its 95 % interval. No target.
SELECT scope AS cluster_id, period, value, n_matched AS n_firms, ci_low, ci_high
FROM intermediate.effect_groups
WHERE effect = 'gross_profit_effect_2y'
