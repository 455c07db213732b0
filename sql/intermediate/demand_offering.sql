-- Model intermediate.demand_offering: match between members' demand and the cluster's offering
-- per cluster and survey year (survey years after year(as_of) ignored).
--
-- d_k = sum of demand for theme k / sum of demand over all themes; o_k = the cluster's activities
-- (both grants) starting in the survey year (and on or before as_of) with theme k / all of them.
-- match = 1 - 1/2 * sum over the union of themes of |d_k - o_k|; null without activities that year.

CREATE OR REPLACE TABLE intermediate.demand_offering AS
WITH demand AS (
    SELECT survey_year, cluster_id, theme, sum(demand) AS demand
    FROM staging.survey_demand
    WHERE survey_year <= year(CAST($as_of AS DATE))
    GROUP BY ALL
),
demand_share AS (
    SELECT survey_year, cluster_id, theme,
           CAST(demand AS DOUBLE) / sum(demand) OVER (PARTITION BY survey_year, cluster_id) AS d_k
    FROM demand
),
survey AS (
    SELECT survey_year, cluster_id, count(DISTINCT respondent_cvr) AS n_respondents
    FROM staging.survey_demand
    WHERE survey_year <= year(CAST($as_of AS DATE))
    GROUP BY ALL
),
offering AS (
    SELECT s.survey_year, s.cluster_id, a.theme, count(*) AS n
    FROM survey AS s
    JOIN intermediate.activities AS a
      ON a.cluster_id = s.cluster_id AND a.start_year = s.survey_year
    GROUP BY ALL
),
offering_share AS (
    SELECT survey_year, cluster_id, theme,
           CAST(n AS DOUBLE) / sum(n) OVER (PARTITION BY survey_year, cluster_id) AS o_k
    FROM offering
),
gaps AS (
    SELECT
        coalesce(d.survey_year, o.survey_year) AS survey_year,
        coalesce(d.cluster_id, o.cluster_id)   AS cluster_id,
        abs(coalesce(d.d_k, 0) - coalesce(o.o_k, 0)) AS gap
    FROM demand_share AS d
    FULL OUTER JOIN offering_share AS o
      ON o.survey_year = d.survey_year AND o.cluster_id = d.cluster_id AND o.theme = d.theme
),
gap_sums AS (
    SELECT survey_year, cluster_id, sum(gap) AS total_gap
    FROM gaps
    GROUP BY ALL
),
activity_counts AS (
    SELECT survey_year, cluster_id, sum(n) AS n_activities
    FROM offering
    GROUP BY ALL
)
SELECT
    s.survey_year,
    s.cluster_id,
    s.n_respondents,
    coalesce(ac.n_activities, 0) AS n_activities,
    CASE WHEN coalesce(ac.n_activities, 0) > 0 THEN 1 - 0.5 * gs.total_gap END AS match
FROM survey AS s
LEFT JOIN activity_counts AS ac USING (survey_year, cluster_id)
LEFT JOIN gap_sums AS gs USING (survey_year, cluster_id);
