-- Model marts.indicators: every indicator of the catalogue (pipelines/core/catalogue.toml) for
-- $as_of, with its status.
--
-- Before this file runs, the model stacks the indicators' own files (sql/marts/indicators/<code>.sql,
-- each one SELECT of cluster_id, period, value, target, expected, n_firms and, where the catalogue
-- gives the indicator an interval, ci_low, ci_high) into
-- intermediate.indicator_values, with the code in `indicator`. Here each row gets the status rule
-- its catalogue entry names (thresholds bound as parameters). Then the rows of this as_of are
-- replaced in marts.indicators; the asset runs the whole model in ONE transaction, so readers see
-- the old or the new figures, never a mix, and earlier as_of runs stay as history.
--
-- Status rules (output contract):
--   trajectory   progress = value / expected: on_track >= 0.9 (or expected 0), behind >= 0.6, else
--                critical; no_target without an expected level
--   cofinancing  on_track >= target, behind >= 0.75 x target, else critical; no_target without one
--   equity       critical when negative, else no_target
--   liquidity    critical under 1 month, behind under 3, else on_track
--   free_liquidity  critical under 0 months (advances exceed cash), behind under 1, else on_track
--   effect       on_track >= the expected effect (7 %), behind >= 0, else critical
--   none         no_target
-- A row whose value is null has status no_target. ci_low / ci_high are kept only for indicators
-- whose catalogue entry has `interval = true` (null everywhere else).

CREATE OR REPLACE TABLE intermediate.indicator_rows AS
SELECT
    v.cluster_id,
    v.indicator,
    v.period,
    CAST(v.value AS DOUBLE)    AS value,
    CAST(v.target AS DOUBLE)   AS target,
    CAST(v.expected AS DOUBLE) AS expected,
    CAST(v.n_firms AS BIGINT)  AS n_firms,
    CASE
        WHEN v.value IS NULL THEN 'no_target'
        WHEN c.status_rule = 'trajectory' THEN
            CASE
                WHEN v.expected IS NULL THEN 'no_target'
                WHEN v.expected = 0 THEN 'on_track'
                WHEN v.value / v.expected >= $trajectory_on_track THEN 'on_track'
                WHEN v.value / v.expected >= $trajectory_behind THEN 'behind'
                ELSE 'critical'
            END
        WHEN c.status_rule = 'cofinancing' THEN
            CASE
                WHEN v.target IS NULL THEN 'no_target'
                WHEN v.value >= v.target THEN 'on_track'
                WHEN v.value >= $cofinancing_behind_factor * v.target THEN 'behind'
                ELSE 'critical'
            END
        WHEN c.status_rule = 'equity' THEN CASE WHEN v.value < 0 THEN 'critical' ELSE 'no_target' END
        WHEN c.status_rule = 'liquidity' THEN
            CASE
                WHEN v.value < $liquidity_critical_months THEN 'critical'
                WHEN v.value < $liquidity_behind_months THEN 'behind'
                ELSE 'on_track'
            END
        WHEN c.status_rule = 'free_liquidity' THEN
            CASE
                WHEN v.value < $free_liquidity_critical_months THEN 'critical'
                WHEN v.value < $free_liquidity_behind_months THEN 'behind'
                ELSE 'on_track'
            END
        WHEN c.status_rule = 'effect' THEN
            CASE
                WHEN v.value >= $expected_turnover_effect THEN 'on_track'
                WHEN v.value >= 0 THEN 'behind'
                ELSE 'critical'
            END
        ELSE 'no_target'
    END                        AS status,
    CAST($as_of AS DATE)       AS as_of,
    CAST(CASE WHEN c.has_interval THEN v.ci_low END AS DOUBLE)  AS ci_low,
    CAST(CASE WHEN c.has_interval THEN v.ci_high END AS DOUBLE) AS ci_high
FROM intermediate.indicator_values AS v
JOIN reference.indicator_catalogue AS c USING (indicator);

DELETE FROM marts.indicators WHERE as_of = CAST($as_of AS DATE);

INSERT INTO marts.indicators
    (cluster_id, indicator, period, value, target, expected, n_firms, status, as_of, ci_low, ci_high)
SELECT cluster_id, indicator, period, value, target, expected, n_firms, status, as_of, ci_low, ci_high
FROM intermediate.indicator_rows
ORDER BY cluster_id, indicator, period;
