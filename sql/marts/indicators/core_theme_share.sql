-- core_theme_share: share of the cluster's activities (both grants) starting in a year (and on or
-- before as_of) whose staged theme is one of the cluster's core themes (reference.core_themes);
-- ALL pools every cluster's activities, each held against its own cluster's core themes. A cluster
-- missing from core_themes.csv has no core themes: its share is 0. n_firms null (not about firms).
WITH held AS (
    SELECT t.cluster_id, t.start_year, t.n_activities, k.theme IS NOT NULL AS on_core_theme
    FROM intermediate.activity_themes AS t
    LEFT JOIN reference.core_themes AS k ON k.cluster_id = t.cluster_id AND k.theme = t.theme
    WHERE t.cluster_id <> 'ALL'
)
SELECT coalesce(cluster_id, 'ALL') AS cluster_id, CAST(start_year AS VARCHAR) AS period,
       CAST(coalesce(sum(n_activities) FILTER (WHERE on_core_theme), 0) AS DOUBLE)
       / sum(n_activities) AS value
FROM held
GROUP BY GROUPING SETS ((cluster_id, start_year), (start_year))
