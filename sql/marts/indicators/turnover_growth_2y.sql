-- turnover_growth_2y: median over the cohort of turnover(t+2) / turnover(t-1) - 1, per cohort
-- year and for all cohorts ('all' exists for every cluster and ALL; null while none has matured).
SELECT scope AS cluster_id, period, growth AS value, n_entrants AS n_firms
FROM intermediate.effect_groups
WHERE effect = 'turnover_effect_2y'
