-- demand_offering_match: 1 - 1/2 * sum over themes of |d_k - o_k| per cluster and survey year;
-- n_firms = the survey's respondents.
SELECT cluster_id, CAST(survey_year AS VARCHAR) AS period, match AS value, n_respondents AS n_firms
FROM intermediate.demand_offering
