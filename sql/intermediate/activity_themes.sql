-- Model intermediate.activity_themes: how many of a cluster's activities (both grants, started on
-- or before $as_of) start in each year on each theme; cluster_id 'ALL' counts all clusters.

CREATE OR REPLACE TABLE intermediate.activity_themes AS
SELECT coalesce(cluster_id, 'ALL') AS cluster_id, start_year, theme, count(*) AS n_activities
FROM intermediate.activities
GROUP BY GROUPING SETS ((cluster_id, start_year, theme), (start_year, theme));
