-- activities_defence_share: share of the activities starting in a year with theme
-- defence_security, per cluster and ALL.
SELECT cluster_id, CAST(start_year AS VARCHAR) AS period,
       CAST(coalesce(sum(n_activities) FILTER (WHERE theme = 'defence_security'), 0) AS DOUBLE)
       / sum(n_activities) AS value
FROM intermediate.activity_themes
GROUP BY cluster_id, start_year
