-- Model intermediate.effect_entrants / effect_control_cells / effect_did / effect_groups: the
-- matched difference-in-differences of the output contract, once for every outcome it is asked of.
--
-- Four effects, named by their indicator codes, each with its outcome y of a firm:
--   turnover_effect_2y      g = ln(turnover(t+2) / turnover(t-1))
--   employment_effect_2y    g = ln(employees(t+2) / employees(t-1))
--   gross_profit_effect_2y  g = ln(gross_profit(t+2) / gross_profit(t-1))
--   turnover_pretrend       p = ln(turnover(t-1) / turnover(t-2)), the placebo: the same firms and
--                           controls as turnover_effect_2y, one year before taking part
-- Cohort year t and cluster come from intermediate.innovation_cohort. Values are read from the
-- register rows of exactly t-2, t-1 and t+2. The cell (first two NACE digits, employee band
-- 0-9 / 10-49 / 50-249, region) comes from the row of t-1; 250+ employees there leaves a firm
-- unmatched. Controls: register firms with no participation at all dated <= min(31 Dec t+2,
-- as_of), in the same cell, whose y exists (both values > 0); for the placebo, the turnover
-- controls that also have turnover(t-2) > 0. Controls need not be SMEs.
--
-- Per firm: did = y - mean y of its controls (its matched difference d). Per scope (each granted
-- cluster and ALL) and period (cohort year; 'all' for every scope): value = exp(mean d) - 1 and
-- the 95 % interval exp(mean d -/+ z * s / sqrt(n)) - 1, s the sample standard deviation of d
-- (divisor n - 1), z = $confidence_z; null when n < 2.

CREATE OR REPLACE TEMP MACRO log_ratio(numerator, denominator) AS
    CASE WHEN numerator > 0 AND denominator > 0 THEN ln(numerator / denominator) END;

CREATE OR REPLACE TEMP MACRO employee_band(employees, sme_max_employees) AS
    CASE
        WHEN employees < 10 THEN '0-9'
        WHEN employees < 50 THEN '10-49'
        WHEN employees < sme_max_employees THEN '50-249'
    END;

-- One row per effect and cohort firm that enters it. `matchable`: y exists and the firm has a
-- cell. `growth` = X(t+2) / X(t-1) - 1 (turnover_growth_2y's median reads it).
CREATE OR REPLACE TABLE intermediate.effect_entrants AS
WITH cohort_rows AS (
    -- the register rows of cohort firms only: three lookups below instead of three register scans
    SELECT * FROM staging.firms
    WHERE cvr IN (SELECT cvr FROM intermediate.innovation_cohort)
),
panel AS MATERIALIZED (
    SELECT
        c.cvr,
        c.cohort_year,
        left(fb.nace_code, 2)                             AS nace2,
        employee_band(fb.employees, $sme_max_employees)   AS employee_band,
        fb.region,
        f2.turnover_dkk                                   AS turnover_t_minus_2,
        fb.turnover_dkk                                   AS turnover_before,
        fa.turnover_dkk                                   AS turnover_after,
        fb.employees                                      AS employees_before,
        fa.employees                                      AS employees_after,
        fb.gross_profit_dkk                               AS gross_profit_before,
        fa.gross_profit_dkk                               AS gross_profit_after
    FROM intermediate.innovation_cohort AS c
    JOIN cohort_rows AS fb ON fb.cvr = c.cvr AND fb.year = c.cohort_year - 1
    JOIN cohort_rows AS fa ON fa.cvr = c.cvr AND fa.year = c.cohort_year + 2
    LEFT JOIN cohort_rows AS f2 ON f2.cvr = c.cvr AND f2.year = c.cohort_year - 2
),
outcomes AS (
    -- turnover: enters with turnover(t-1) > 0 and turnover(t+2) present; a turnover(t+2) of 0
    -- counts in the growth median (-1) but has no g and cannot be matched
    SELECT 'turnover_effect_2y' AS effect, *,
           turnover_after / turnover_before - 1 AS growth,
           log_ratio(turnover_after, turnover_before) AS y
    FROM panel
    WHERE turnover_before > 0 AND turnover_after IS NOT NULL
    UNION ALL BY NAME
    -- the placebo: the turnover entrants; a firm matchable for turnover with turnover(t-2) > 0 has p
    SELECT 'turnover_pretrend' AS effect, *,
           CASE WHEN turnover_t_minus_2 > 0 THEN turnover_before / turnover_t_minus_2 - 1 END AS growth,
           CASE WHEN turnover_after > 0 THEN log_ratio(turnover_before, turnover_t_minus_2) END AS y
    FROM panel
    WHERE turnover_before > 0 AND turnover_after IS NOT NULL
    UNION ALL BY NAME
    SELECT 'employment_effect_2y' AS effect, *,
           employees_after / employees_before - 1 AS growth,
           log_ratio(employees_after, employees_before) AS y
    FROM panel
    WHERE employees_before > 0 AND employees_after > 0
    UNION ALL BY NAME
    SELECT 'gross_profit_effect_2y' AS effect, *,
           gross_profit_after / gross_profit_before - 1 AS growth,
           log_ratio(gross_profit_after, gross_profit_before) AS y
    FROM panel
    WHERE gross_profit_before > 0 AND gross_profit_after > 0
)
SELECT effect, cvr, cohort_year, nace2, employee_band, region, growth, y,
       (y IS NOT NULL AND employee_band IS NOT NULL) AS matchable
FROM outcomes;

-- Per effect, cohort year and cell: how many controls, and the mean of their y. One pass over the
-- register rows of t-2, t-1 and t+2 of every candidate; the four effects' counts and means are
-- aggregated side by side, then stacked (one row per effect and cell).
CREATE OR REPLACE TABLE intermediate.effect_control_cells AS
WITH years AS (
    SELECT DISTINCT cohort_year FROM intermediate.innovation_cohort
),
first_participation AS (
    SELECT cvr, min(participation_date) AS first_date
    FROM staging.participation
    GROUP BY cvr
),
candidates AS (
    SELECT
        y.cohort_year,
        left(fb.nace_code, 2)                             AS nace2,
        employee_band(fb.employees, $sme_max_employees)   AS employee_band,
        fb.region,
        log_ratio(fa.turnover_dkk, fb.turnover_dkk)       AS g_turnover,
        log_ratio(fb.turnover_dkk, f2.turnover_dkk)       AS p_turnover,
        log_ratio(fa.employees, fb.employees)             AS g_employees,
        log_ratio(fa.gross_profit_dkk, fb.gross_profit_dkk) AS g_gross_profit
    FROM years AS y
    JOIN staging.firms AS fb
      ON fb.year = y.cohort_year - 1 AND fb.employees < $sme_max_employees
    JOIN staging.firms AS fa ON fa.cvr = fb.cvr AND fa.year = y.cohort_year + 2
    LEFT JOIN staging.firms AS f2 ON f2.cvr = fb.cvr AND f2.year = y.cohort_year - 2
    LEFT JOIN first_participation AS p ON p.cvr = fb.cvr
    -- never took part up to t+2: no participation dated <= min(31 Dec t+2, as_of)
    WHERE p.first_date IS NULL
       OR p.first_date > least(make_date(y.cohort_year + 2, 12, 31), CAST($as_of AS DATE))
),
cells AS MATERIALIZED (
    SELECT
        cohort_year, nace2, employee_band, region,
        count(g_turnover)     AS n_turnover,     avg(g_turnover)     AS y_turnover,
        -- the placebo's controls are the turnover controls with turnover(t-2) > 0
        count(p_turnover) FILTER (WHERE g_turnover IS NOT NULL) AS n_pretrend,
        avg(p_turnover)   FILTER (WHERE g_turnover IS NOT NULL) AS y_pretrend,
        count(g_employees)    AS n_employees,    avg(g_employees)    AS y_employees,
        count(g_gross_profit) AS n_gross_profit, avg(g_gross_profit) AS y_gross_profit
    FROM candidates
    GROUP BY cohort_year, nace2, employee_band, region
)
SELECT 'turnover_effect_2y' AS effect, cohort_year, nace2, employee_band, region,
       n_turnover AS n_controls, y_turnover AS mean_y
FROM cells WHERE n_turnover > 0
UNION ALL
SELECT 'turnover_pretrend', cohort_year, nace2, employee_band, region, n_pretrend, y_pretrend
FROM cells WHERE n_pretrend > 0
UNION ALL
SELECT 'employment_effect_2y', cohort_year, nace2, employee_band, region, n_employees, y_employees
FROM cells WHERE n_employees > 0
UNION ALL
SELECT 'gross_profit_effect_2y', cohort_year, nace2, employee_band, region, n_gross_profit, y_gross_profit
FROM cells WHERE n_gross_profit > 0;

-- One row per effect and entrant: matched when matchable with >= 1 control; did = its d.
CREATE OR REPLACE TABLE intermediate.effect_did AS
SELECT
    e.effect,
    e.cvr,
    e.cohort_year,
    e.growth,
    e.y,
    e.matchable,
    coalesce(k.n_controls, 0)                            AS n_controls,
    k.mean_y                                             AS mean_y_controls,
    (k.n_controls IS NOT NULL)                           AS matched,
    e.y - k.mean_y                                       AS did
FROM intermediate.effect_entrants AS e
LEFT JOIN intermediate.effect_control_cells AS k
       ON e.matchable
      AND k.effect = e.effect
      AND k.cohort_year = e.cohort_year
      AND k.nace2 = e.nace2
      AND k.employee_band = e.employee_band
      AND k.region = e.region;

-- Per effect, scope (each granted cluster and 'ALL') and period (each cohort year with entrants,
-- and 'all' for every scope, also while no cohort has matured): entrants, their median growth, the
-- matched firms, the effect and its interval.
CREATE OR REPLACE TABLE intermediate.effect_groups AS
WITH members AS (
    SELECT m.cluster_id AS scope, d.*
    FROM intermediate.effect_did AS d
    JOIN intermediate.innovation_cohort_clusters AS m USING (cvr)
    UNION ALL
    SELECT 'ALL' AS scope, d.*
    FROM intermediate.effect_did AS d
),
effects AS (
    SELECT * FROM (VALUES
        ('turnover_effect_2y'), ('employment_effect_2y'), ('gross_profit_effect_2y'), ('turnover_pretrend')
    ) AS v(effect)
),
scopes AS (
    SELECT cluster_id AS scope FROM reference.clusters
    UNION ALL
    SELECT 'ALL'
),
stats AS (
    SELECT effect, scope, CAST(cohort_year AS VARCHAR) AS period,
           count(*) AS n_entrants, median(growth) AS growth,
           count(*) FILTER (WHERE matched) AS n_matched,
           avg(did) FILTER (WHERE matched) AS mean_did,
           stddev_samp(did) FILTER (WHERE matched) AS sd_did
    FROM members
    GROUP BY effect, scope, cohort_year
    UNION ALL
    SELECT e.effect, s.scope, 'all',
           count(m.cvr), median(m.growth),
           count(m.cvr) FILTER (WHERE m.matched),
           avg(m.did) FILTER (WHERE m.matched),
           stddev_samp(m.did) FILTER (WHERE m.matched)
    FROM effects AS e
    CROSS JOIN scopes AS s
    LEFT JOIN members AS m ON m.effect = e.effect AND m.scope = s.scope
    GROUP BY e.effect, s.scope
)
SELECT
    effect, scope, period, n_entrants, growth, n_matched, mean_did, sd_did,
    exp(mean_did) - 1 AS value,
    CASE WHEN n_matched >= 2
         THEN exp(mean_did - $confidence_z * sd_did / sqrt(n_matched)) - 1 END AS ci_low,
    CASE WHEN n_matched >= 2
         THEN exp(mean_did + $confidence_z * sd_did / sqrt(n_matched)) - 1 END AS ci_high
FROM stats;
