-- Model marts.indicators: every indicator of the output contract's catalogue for $as_of.
--
-- Step 1 builds intermediate.indicator_rows (status rules of the contract, thresholds bound as
-- parameters). Steps 2-3 replace the rows of this as_of in marts.indicators; the asset runs this
-- whole file in ONE transaction, so readers see the old or the new figures, never a mix, and
-- earlier as_of runs stay as history.

CREATE OR REPLACE TABLE intermediate.indicator_rows AS
WITH clusters AS (
    SELECT cluster_id FROM reference.clusters
),
grant_targets AS (
    SELECT
        cluster_id,
        grant_type,
        CAST(sum(target_smes) AS DOUBLE)        AS target,
        sum(target_smes * elapsed_fraction)     AS expected
    FROM intermediate.grant_windows
    GROUP BY ALL
),

-- SME counts -------------------------------------------------------------------------------
collective AS (
    SELECT cluster_id, count(DISTINCT cvr) AS n
    FROM intermediate.qualifying_participations
    WHERE grant_type = 'cluster' AND sme_status = 'sme'
    GROUP BY ALL
),
concepts AS (
    SELECT cluster_id, count(DISTINCT cvr) AS n
    FROM intermediate.qualifying_concepts
    WHERE sme_status = 'sme'
    GROUP BY ALL
),
sme_counts AS (
    SELECT c.cluster_id, 'smes_collective' AS indicator, coalesce(x.n, 0) AS n,
           t.target, t.expected
    FROM clusters AS c
    LEFT JOIN collective AS x USING (cluster_id)
    LEFT JOIN grant_targets AS t ON t.cluster_id = c.cluster_id AND t.grant_type = 'cluster'
    UNION ALL
    SELECT c.cluster_id, 'smes_concepts', coalesce(x.n, 0), t.target, t.expected
    FROM clusters AS c
    LEFT JOIN concepts AS x USING (cluster_id)
    LEFT JOIN grant_targets AS t ON t.cluster_id = c.cluster_id AND t.grant_type = 'innovation'
),
sme_count_rows AS (
    SELECT cluster_id, indicator, 'to_date' AS period, CAST(n AS DOUBLE) AS value,
           target, expected, n AS n_firms, 'trajectory' AS rule
    FROM sme_counts
    UNION ALL
    SELECT 'ALL', indicator, 'to_date', CAST(sum(n) AS DOUBLE), sum(target), sum(expected),
           sum(n), 'trajectory'
    FROM sme_counts
    GROUP BY indicator
    UNION ALL
    SELECT 'ALL', 'smes_collective_unique', 'to_date', CAST(count(DISTINCT cvr) AS DOUBLE),
           NULL, NULL, count(DISTINCT cvr), 'none'
    FROM intermediate.qualifying_participations
    WHERE grant_type = 'cluster' AND sme_status = 'sme'
),

-- SME share among verified participants -----------------------------------------------------
share_firms AS (
    -- one row per cluster and verified firm: is it an SME in the year of >= 1 qualifying event?
    SELECT cluster_id, cvr, bool_or(sme_status = 'sme') AS is_sme
    FROM intermediate.qualifying_participations
    WHERE sme_status <> 'unverified'
    GROUP BY ALL
),
share_national AS (
    SELECT cvr, bool_or(is_sme) AS is_sme FROM share_firms GROUP BY cvr
),
sme_share_rows AS (
    SELECT c.cluster_id, 'sme_share' AS indicator, 'to_date' AS period,
           CASE WHEN count(s.cvr) > 0
                THEN CAST(count(s.cvr) FILTER (WHERE s.is_sme) AS DOUBLE) / count(s.cvr) END AS value,
           CAST(NULL AS DOUBLE) AS target, CAST(NULL AS DOUBLE) AS expected,
           count(s.cvr) AS n_firms, 'none' AS rule
    FROM clusters AS c
    LEFT JOIN share_firms AS s USING (cluster_id)
    GROUP BY c.cluster_id
    UNION ALL
    SELECT 'ALL', 'sme_share', 'to_date',
           CASE WHEN count(*) > 0
                THEN CAST(count(*) FILTER (WHERE is_sme) AS DOUBLE) / count(*) END,
           NULL, NULL, count(*), 'none'
    FROM share_national
),

-- Cluster organisations' accounts -----------------------------------------------------------
accounts AS (
    SELECT
        cluster_id,
        fiscal_year,
        membership_fees_dkk + sponsorships_dkk + user_payments_dkk + other_private_cash_dkk
                                                     AS private_cash,
        deb_funding_dkk + other_public_funding_dkk  AS public_funding,
        deb_funding_dkk,
        revenue_total_dkk,
        costs_total_dkk,
        equity_dkk,
        total_assets_dkk,
        cash_dkk
    FROM staging.accounts
    WHERE fiscal_year <= year(CAST($as_of AS DATE))
      AND cluster_id IN (SELECT cluster_id FROM clusters)
),
cofinancing_targets AS (
    -- awarded-weighted mean of committed_private_share over the grants that state one
    SELECT
        cluster_id,
        CASE WHEN sum(awarded_dkk) > 0 THEN sum(awarded_dkk * committed_private_share) / sum(awarded_dkk)
             ELSE avg(committed_private_share) END AS target
    FROM intermediate.grant_windows
    WHERE committed_private_share IS NOT NULL
    GROUP BY GROUPING SETS ((cluster_id), ())
),
account_rows AS (
    SELECT a.cluster_id, 'private_cofinancing_share' AS indicator,
           CAST(a.fiscal_year AS VARCHAR) AS period,
           CASE WHEN a.private_cash + a.public_funding > 0
                THEN a.private_cash / (a.private_cash + a.public_funding) END AS value,
           t.target, CAST(NULL AS DOUBLE) AS expected, CAST(NULL AS BIGINT) AS n_firms,
           'cofinancing' AS rule
    FROM accounts AS a
    LEFT JOIN cofinancing_targets AS t ON t.cluster_id = a.cluster_id
    UNION ALL
    SELECT 'ALL', 'private_cofinancing_share', CAST(a.fiscal_year AS VARCHAR),
           CASE WHEN sum(a.private_cash + a.public_funding) > 0
                THEN sum(a.private_cash) / sum(a.private_cash + a.public_funding) END,
           any_value(t.target), NULL, NULL, 'cofinancing'
    FROM accounts AS a
    LEFT JOIN cofinancing_targets AS t ON t.cluster_id IS NULL
    GROUP BY a.fiscal_year
    UNION ALL
    SELECT cluster_id, 'equity_ratio', CAST(fiscal_year AS VARCHAR),
           CASE WHEN total_assets_dkk <> 0 THEN equity_dkk / total_assets_dkk END,
           NULL, NULL, NULL, 'equity'
    FROM accounts
    UNION ALL
    SELECT cluster_id, 'liquidity_months', CAST(fiscal_year AS VARCHAR),
           CASE WHEN costs_total_dkk > 0 THEN cash_dkk / (costs_total_dkk / 12) END,
           NULL, NULL, NULL, 'liquidity'
    FROM accounts
    UNION ALL
    SELECT cluster_id, 'deb_dependence', CAST(fiscal_year AS VARCHAR),
           CASE WHEN revenue_total_dkk > 0 THEN deb_funding_dkk / revenue_total_dkk END,
           NULL, NULL, NULL, 'none'
    FROM accounts
),

-- Turnover cohorts --------------------------------------------------------------------------
cohort_members AS (
    SELECT m.cluster_id AS scope, d.*
    FROM intermediate.turnover_did AS d
    JOIN intermediate.turnover_cohort_clusters AS m USING (cvr)
    UNION ALL
    SELECT 'ALL' AS scope, d.*
    FROM intermediate.turnover_did AS d
),
scopes AS (
    SELECT cluster_id AS scope FROM clusters
    UNION ALL
    SELECT 'ALL'
),
cohort_groups AS (
    SELECT scope, CAST(cohort_year AS VARCHAR) AS period,
           median(growth) AS growth, count(*) AS n_cohort,
           exp(avg(did) FILTER (WHERE matched)) - 1 AS effect,
           count(*) FILTER (WHERE matched) AS n_matched
    FROM cohort_members
    GROUP BY scope, cohort_year
    UNION ALL
    SELECT s.scope, 'all',
           median(m.growth), count(m.cvr),
           exp(avg(m.did) FILTER (WHERE m.matched)) - 1,
           count(m.cvr) FILTER (WHERE m.matched)
    FROM scopes AS s
    LEFT JOIN cohort_members AS m ON m.scope = s.scope
    GROUP BY s.scope
),
turnover_rows AS (
    SELECT scope AS cluster_id, 'turnover_growth_2y' AS indicator, period,
           growth AS value, CAST(NULL AS DOUBLE) AS target, CAST(NULL AS DOUBLE) AS expected,
           n_cohort AS n_firms, 'none' AS rule
    FROM cohort_groups
    UNION ALL
    SELECT scope, 'turnover_effect_2y', period, effect, $expected_turnover_effect, NULL,
           n_matched, 'effect'
    FROM cohort_groups
),

-- Surveys -----------------------------------------------------------------------------------
survey_rows AS (
    SELECT cluster_id, 'demand_offering_match' AS indicator, CAST(survey_year AS VARCHAR) AS period,
           match AS value, CAST(NULL AS DOUBLE) AS target, CAST(NULL AS DOUBLE) AS expected,
           n_respondents AS n_firms, 'none' AS rule
    FROM intermediate.demand_offering
    UNION ALL
    SELECT cluster_id, 'network_density', CAST(survey_year AS VARCHAR), density,
           NULL, NULL, NULL, 'none'
    FROM intermediate.network_metrics
    UNION ALL
    SELECT cluster_id, 'network_new_ties', CAST(survey_year AS VARCHAR), CAST(new_ties AS DOUBLE),
           NULL, NULL, NULL, 'none'
    FROM intermediate.network_metrics
    UNION ALL
    -- the share rests on the SME nodes, which are firms: they are its n_firms
    SELECT cluster_id, 'sme_knowledge_ties_share', CAST(survey_year AS VARCHAR),
           sme_knowledge_ties_share, NULL, NULL, n_sme_nodes, 'none'
    FROM intermediate.network_metrics
),

-- Activity themes ---------------------------------------------------------------------------
theme_counts AS (
    SELECT cluster_id, start_year, count(*) AS n,
           count(*) FILTER (WHERE theme = 'defence_security') AS n_defence,
           count(*) FILTER (WHERE theme = 'artificial_intelligence') AS n_ai
    FROM intermediate.activities
    GROUP BY GROUPING SETS ((cluster_id, start_year), (start_year))
),
theme_rows AS (
    SELECT coalesce(cluster_id, 'ALL') AS cluster_id, 'activities_defence_share' AS indicator,
           CAST(start_year AS VARCHAR) AS period, CAST(n_defence AS DOUBLE) / n AS value,
           CAST(NULL AS DOUBLE) AS target, CAST(NULL AS DOUBLE) AS expected,
           CAST(NULL AS BIGINT) AS n_firms, 'none' AS rule
    FROM theme_counts
    UNION ALL
    SELECT coalesce(cluster_id, 'ALL'), 'activities_ai_share', CAST(start_year AS VARCHAR),
           CAST(n_ai AS DOUBLE) / n, NULL, NULL, NULL, 'none'
    FROM theme_counts
),

all_rows AS (
    SELECT * FROM sme_count_rows
    UNION ALL BY NAME SELECT * FROM sme_share_rows
    UNION ALL BY NAME SELECT * FROM account_rows
    UNION ALL BY NAME SELECT * FROM turnover_rows
    UNION ALL BY NAME SELECT * FROM survey_rows
    UNION ALL BY NAME SELECT * FROM theme_rows
)
SELECT
    cluster_id,
    indicator,
    period,
    CAST(value AS DOUBLE)    AS value,
    CAST(target AS DOUBLE)   AS target,
    CAST(expected AS DOUBLE) AS expected,
    CAST(n_firms AS BIGINT)  AS n_firms,
    CASE
        WHEN value IS NULL THEN 'no_target'
        WHEN rule = 'trajectory' THEN
            CASE
                WHEN expected IS NULL THEN 'no_target'
                WHEN expected = 0 THEN 'on_track'
                WHEN value / expected >= $trajectory_on_track THEN 'on_track'
                WHEN value / expected >= $trajectory_behind THEN 'behind'
                ELSE 'critical'
            END
        WHEN rule = 'cofinancing' THEN
            CASE
                WHEN target IS NULL THEN 'no_target'
                WHEN value >= target THEN 'on_track'
                WHEN value >= $cofinancing_behind_factor * target THEN 'behind'
                ELSE 'critical'
            END
        WHEN rule = 'equity' THEN CASE WHEN value < 0 THEN 'critical' ELSE 'no_target' END
        WHEN rule = 'liquidity' THEN
            CASE
                WHEN value < $liquidity_critical_months THEN 'critical'
                WHEN value < $liquidity_behind_months THEN 'behind'
                ELSE 'on_track'
            END
        WHEN rule = 'effect' THEN
            CASE
                WHEN value >= $expected_turnover_effect THEN 'on_track'
                WHEN value >= 0 THEN 'behind'
                ELSE 'critical'
            END
        ELSE 'no_target'
    END                      AS status,
    CAST($as_of AS DATE)     AS as_of
FROM all_rows;

DELETE FROM marts.indicators WHERE as_of = CAST($as_of AS DATE);

INSERT INTO marts.indicators (cluster_id, indicator, period, value, target, expected, n_firms, status, as_of)
SELECT cluster_id, indicator, period, value, target, expected, n_firms, status, as_of
FROM intermediate.indicator_rows
ORDER BY cluster_id, indicator, period;
