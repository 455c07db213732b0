-- activities_ai_share: share of the activities starting in a year with theme
-- artificial_intelligence, per cluster and ALL.
SELECT cluster_id, CAST(start_year AS VARCHAR) AS period,
       CAST(coalesce(sum(n_activities) FILTER (WHERE theme = 'artificial_intelligence'), 0) AS DOUBLE)
       / sum(n_activities) AS value
FROM intermediate.activity_themes
GROUP BY cluster_id, start_year
