-- Model intermediate.innovation_cohort / innovation_cohort_clusters: the cohorts every matched
-- effect starts from (the output contract's "turnover cohorts", shared by the effects on
-- employment and gross profit and by the pre-trend placebo).
--
-- Cohort year t = calendar year of the firm's first participation in an activity of an innovation
-- grant inside the grant window. A firm belongs to the cohort of t if it is an SME at t (same
-- register fall-backs as the SME counts) and t+2 <= year(as_of). Which firms enter an effect
-- (turnover, employees or gross profit of the register rows of exactly t-1 and t+2) is the effect's
-- own rule: intermediate.effect_entrants (matched_effects.sql).

CREATE OR REPLACE TABLE intermediate.innovation_cohort AS
WITH firsts AS (
    SELECT cvr, min(participation_date) AS first_date
    FROM intermediate.qualifying_participations
    WHERE grant_type = 'innovation'
    GROUP BY cvr
)
SELECT f.cvr, f.first_date, CAST(year(f.first_date) AS INTEGER) AS cohort_year
FROM firsts AS f
JOIN intermediate.firm_year_status AS s
  ON s.cvr = f.cvr AND s.year = year(f.first_date) AND s.sme_status = 'sme'
WHERE year(f.first_date) + 2 <= year(CAST($as_of AS DATE));

-- The cluster(s) a cohort firm belongs to: those of its first innovation participation (a firm
-- whose first participations on the same day were with two clusters belongs to both).
CREATE OR REPLACE TABLE intermediate.innovation_cohort_clusters AS
SELECT DISTINCT c.cvr, q.cluster_id
FROM intermediate.innovation_cohort AS c
JOIN intermediate.qualifying_participations AS q
  ON q.cvr = c.cvr AND q.grant_type = 'innovation' AND q.participation_date = c.first_date;
