-- network_density: 2E / (N(N-1)) of the cluster's collaboration network per survey year.
SELECT cluster_id, CAST(survey_year AS VARCHAR) AS period, density AS value
FROM intermediate.network_metrics
