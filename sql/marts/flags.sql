-- Model marts.flags: one row per indicator row of $as_of that is behind (WARN) or critical
-- (ERROR), with a message an analyst can read without the table, plus data-quality rows (WARN)
-- that a reader of the report must know about. Data-quality rows carry an indicator code starting
-- with 'dq_' so that they never collide with the status flag of an indicator row.
-- Like marts.indicators, the rows of this as_of are replaced in one transaction.

CREATE OR REPLACE TEMP MACRO dk_num(x, decimals) AS
    replace(replace(replace(format('{:,.' || decimals || 'f}', x), ',', '#'), '.', ','), '#', '.');

-- expected SMEs: one decimal while small, so that 1.5 expected does not read as "1 of 1"
CREATE OR REPLACE TEMP MACRO dk_count(x) AS CASE WHEN abs(x) < 10 THEN dk_num(x, 1) ELSE dk_num(x, 0) END;

CREATE OR REPLACE TEMP MACRO dk_pct(x) AS dk_num(100 * x, 1) || ' %';

CREATE OR REPLACE TABLE intermediate.flag_rows AS
WITH names AS (
    SELECT cluster_id, organisation AS name FROM reference.clusters
    UNION ALL
    SELECT 'ALL', 'All clusters'
),
flagged AS (
    SELECT i.*, coalesce(n.name, i.cluster_id) AS name,
           CASE WHEN i.period = 'all' THEN 'all cohorts'
                WHEN i.indicator LIKE 'turnover_%' THEN 'cohort ' || i.period
                ELSE i.period END AS period_label
    FROM marts.indicators AS i
    LEFT JOIN names AS n USING (cluster_id)
    WHERE i.as_of = CAST($as_of AS DATE)
      AND i.status IN ('behind', 'critical')
),
status_flags AS (
    SELECT
        cluster_id,
        indicator,
        period,
        CASE status WHEN 'critical' THEN 'ERROR' ELSE 'WARN' END AS severity,
        CASE indicator
            WHEN 'smes_collective' THEN
                name || ': ' || dk_num(value, 0) || ' of ' || dk_count(expected)
                || ' expected SMEs in collective activities (' || dk_num(100 * value / expected, 0)
                || ' %); 2028 target ' || dk_num(target, 0)
            WHEN 'smes_concepts' THEN
                name || ': ' || dk_num(value, 0) || ' of ' || dk_count(expected)
                || ' expected SMEs developing concepts (' || dk_num(100 * value / expected, 0)
                || ' %); 2028 target ' || dk_num(target, 0)
            WHEN 'private_cofinancing_share' THEN
                -- two decimals where one would print value and target alike (35,1 % vs 35,1 %)
                name || ': private cash co-financing '
                || CASE WHEN round(100 * value, 1) = round(100 * target, 1)
                        THEN dk_num(100 * value, 2) || ' %' ELSE dk_pct(value) END
                || ' in ' || period || ' against '
                || CASE WHEN round(100 * value, 1) = round(100 * target, 1)
                        THEN dk_num(100 * target, 2) || ' %' ELSE dk_pct(target) END
                || ' committed in the applications'
            WHEN 'equity_ratio' THEN
                name || ': negative equity in ' || period || ' (equity ratio ' || dk_pct(value) || ')'
            WHEN 'liquidity_months' THEN
                name || ': cash covers ' || dk_num(value, 1) || ' months of costs in ' || period
                || ' (' || CASE WHEN status = 'critical' THEN 'under ' || dk_num($liquidity_critical_months, 0)
                                ELSE 'under ' || dk_num($liquidity_behind_months, 0) END || ' months)'
            WHEN 'free_liquidity_months' THEN
                name || ': cash net of unspent advance payments equals ' || dk_num(value, 1)
                || ' months of costs in ' || period || ' ('
                || CASE WHEN value < 0
                        THEN 'the advances received and not yet spent exceed the cash: it lives on its advances'
                        WHEN status = 'critical'
                        THEN 'under ' || dk_num($free_liquidity_critical_months, 0) || ' months'
                        ELSE 'under ' || dk_num($free_liquidity_behind_months, 0)
                             || CASE WHEN $free_liquidity_behind_months = 1 THEN ' month' ELSE ' months' END
                        END
                || ')'
            WHEN 'turnover_effect_2y' THEN
                name || ': turnover effect two years after innovation collaboration '
                || dk_pct(value) || ' for ' || period_label || ' (expected ' || dk_pct(target)
                || '; ' || n_firms || ' matched firms)'
            ELSE name || ': ' || indicator || ' ' || period_label || ' is ' || status
        END AS message
    FROM flagged
),
participants AS (
    SELECT a.cluster_id, p.cvr,
           NOT EXISTS (SELECT 1 FROM staging.firms AS f WHERE f.cvr = p.cvr) AS unverified
    FROM staging.participation AS p
    JOIN intermediate.activities AS a ON a.activity_id = p.activity_id
    WHERE p.participation_date <= CAST($as_of AS DATE)
    GROUP BY ALL
),
unverified_flags AS (
    SELECT
        p.cluster_id,
        'dq_unverified_firms' AS indicator,
        'to_date' AS period,
        'WARN' AS severity,
        n.name || ': ' || count(*) FILTER (WHERE p.unverified) || ' of ' || count(*)
        || ' participating firms (' || dk_pct(CAST(count(*) FILTER (WHERE p.unverified) AS DOUBLE) / count(*))
        || ') have no row in the firm register; they are never counted as SMEs' AS message
    FROM participants AS p
    JOIN names AS n USING (cluster_id)
    GROUP BY p.cluster_id, n.name
    HAVING CAST(count(*) FILTER (WHERE p.unverified) AS DOUBLE) / count(*) > $unverified_share_flag
),
cohort_flags AS (
    SELECT
        m.cluster_id,
        'dq_unmatched_cohort_firms' AS indicator,
        CAST(d.cohort_year AS VARCHAR) AS period,
        'WARN' AS severity,
        n.name || ': ' || count(*) FILTER (WHERE NOT d.matched) || ' of ' || count(*)
        || ' firms in turnover cohort ' || d.cohort_year
        || ' have no control firms (same industry, size band and region) and are left out of the turnover effect'
            AS message
    FROM intermediate.effect_did AS d
    JOIN intermediate.innovation_cohort_clusters AS m USING (cvr)
    JOIN names AS n ON n.cluster_id = m.cluster_id
    WHERE d.effect = 'turnover_effect_2y'
    GROUP BY m.cluster_id, n.name, d.cohort_year
    HAVING count(*) FILTER (WHERE NOT d.matched) > 0
),
-- The pre-trend placebo's interval lies wholly above or below 0 (strictly): the participants were
-- already growing differently from their controls the year before they took part.
pretrend_flags AS (
    SELECT
        i.cluster_id,
        'dq_pretrend' AS indicator,
        i.period,
        'WARN' AS severity,
        coalesce(n.name, i.cluster_id) || ': in the year before taking part, the firms of '
        || CASE WHEN i.period = 'all' THEN 'all cohorts' ELSE 'cohort ' || i.period END
        || ' already grew ' || dk_pct(abs(i.value))
        || CASE WHEN i.value >= 0 THEN ' more' ELSE ' less' END
        || ' than their matched control firms (95 % interval ' || dk_pct(i.ci_low) || ' to '
        || dk_pct(i.ci_high) || ', ' || i.n_firms || ' firms): the control group may not be '
        || 'comparable, so the turnover effect may be biased' AS message
    FROM marts.indicators AS i
    LEFT JOIN names AS n USING (cluster_id)
    WHERE i.as_of = CAST($as_of AS DATE)
      AND i.indicator = 'turnover_pretrend'
      AND (i.ci_low > 0 OR i.ci_high < 0)
),
revenue_flags AS (
    SELECT
        a.cluster_id,
        'dq_revenue_mismatch' AS indicator,
        CAST(a.fiscal_year AS VARCHAR) AS period,
        'WARN' AS severity,
        n.name || ': revenue total ' || dk_num(a.revenue_total_dkk, 0) || ' DKK in ' || a.fiscal_year
        || ' differs from the sum of the funding lines ' || dk_num(a.funding_lines, 0) || ' DKK ('
        || CASE WHEN a.funding_lines > 0
                THEN dk_pct(abs(a.revenue_total_dkk - a.funding_lines) / a.funding_lines)
                ELSE 'no funding lines' END
        || ')' AS message
    FROM intermediate.cluster_accounts AS a
    JOIN names AS n USING (cluster_id)
    WHERE revenue_mismatch(a.revenue_total_dkk, a.funding_lines, $revenue_mismatch_tolerance)
),
theme_flags AS (
    SELECT
        a.cluster_id,
        'dq_unknown_theme' AS indicator,
        'to_date' AS period,
        'WARN' AS severity,
        n.name || ': ' || count(*) || ' activit' || CASE WHEN count(*) = 1 THEN 'y' ELSE 'ies' END
        || ' with unknown theme codes ('
        || string_agg(DISTINCT a.theme_original, ', ' ORDER BY a.theme_original)
        || ') counted as ''other''' AS message
    FROM intermediate.activities AS a
    JOIN names AS n USING (cluster_id)
    WHERE a.theme = 'other' AND a.theme_original <> 'other'
    GROUP BY a.cluster_id, n.name
),
grant_flags AS (
    SELECT
        c.cluster_id,
        'dq_missing_grant' AS indicator,
        'to_date' AS period,
        'WARN' AS severity,
        c.organisation || ': no ' || t.grant_type || ' grant registered; '
        || CASE t.grant_type WHEN 'cluster' THEN 'SMEs in collective activities'
                             ELSE 'SMEs developing concepts' END
        || ' have no target' AS message
    FROM reference.clusters AS c
    CROSS JOIN (VALUES ('cluster'), ('innovation')) AS t(grant_type)
    WHERE NOT EXISTS (
        SELECT 1 FROM intermediate.grant_windows AS g
        WHERE g.cluster_id = c.cluster_id AND g.grant_type = t.grant_type
    )
)
SELECT cluster_id, indicator, period, severity, message, CAST($as_of AS DATE) AS as_of
FROM (
    SELECT * FROM status_flags
    UNION ALL SELECT * FROM unverified_flags
    UNION ALL SELECT * FROM cohort_flags
    UNION ALL SELECT * FROM pretrend_flags
    UNION ALL SELECT * FROM revenue_flags
    UNION ALL SELECT * FROM theme_flags
    UNION ALL SELECT * FROM grant_flags
);

DELETE FROM marts.flags WHERE as_of = CAST($as_of AS DATE);

INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of)
SELECT cluster_id, indicator, period, severity, message, as_of
FROM intermediate.flag_rows
ORDER BY severity, cluster_id, indicator, period;
