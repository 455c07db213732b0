-- network_new_ties: ties not present in the cluster's previous survey year (null for the first).
SELECT cluster_id, CAST(survey_year AS VARCHAR) AS period, new_ties AS value
FROM intermediate.network_metrics
