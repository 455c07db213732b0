-- Model intermediate.turnover_cohort / turnover_cohort_clusters / turnover_controls / turnover_did /
-- turnover_groups: turnover cohorts and the matched difference-in-differences of the output contract.
--
-- Cohort year t = calendar year of the firm's first participation in an activity of an innovation
-- grant inside the grant window. The firm enters if it is an SME at t (same register fall-backs as
-- the SME counts), turnover(t-1) > 0, turnover(t+2) is present and t+2 <= year(as_of).
-- Cell = (first two NACE digits, employee band 0-9 / 10-49 / 50-249, region) from the register row
-- of t-1; 250+ employees there leaves the firm unmatched; turnover(t+2) = 0 cannot be matched.
-- Controls: register firms with no participation at all dated <= min(31 Dec t+2, as_of),
-- turnover(t-1) > 0 and turnover(t+2) > 0 (g = ln of the ratio must exist), in the same cell.

CREATE OR REPLACE TABLE intermediate.turnover_cohort AS
WITH firsts AS (
    SELECT cvr, min(participation_date) AS first_date
    FROM intermediate.qualifying_participations
    WHERE grant_type = 'innovation'
    GROUP BY cvr
),
entrants AS (
    SELECT
        f.cvr,
        f.first_date,
        CAST(year(f.first_date) AS INTEGER) AS cohort_year,
        fb.turnover_dkk                 AS turnover_before,
        fa.turnover_dkk                  AS turnover_after,
        fb.employees                    AS employees_before,
        left(fb.nace_code, 2)           AS nace2,
        fb.region,
        CASE
            WHEN fb.employees < 10 THEN '0-9'
            WHEN fb.employees < 50 THEN '10-49'
            WHEN fb.employees < $sme_max_employees THEN '50-249'
        END                                 AS employee_band
    FROM firsts AS f
    JOIN intermediate.firm_year_status AS s
      ON s.cvr = f.cvr AND s.year = year(f.first_date) AND s.sme_status = 'sme'
    JOIN staging.firms AS fb
      ON fb.cvr = f.cvr AND fb.year = year(f.first_date) - 1 AND fb.turnover_dkk > 0
    JOIN staging.firms AS fa
      ON fa.cvr = f.cvr AND fa.year = year(f.first_date) + 2
     AND fa.turnover_dkk IS NOT NULL
    WHERE year(f.first_date) + 2 <= year(CAST($as_of AS DATE))
)
SELECT
    e.*,
    e.turnover_after / e.turnover_before - 1                            AS growth,
    CASE WHEN e.turnover_after > 0 THEN ln(e.turnover_after / e.turnover_before) END AS g,
    (e.turnover_after > 0 AND e.employee_band IS NOT NULL)              AS matchable
FROM entrants AS e;

-- The cluster(s) a cohort firm belongs to: those of its first innovation participation (a firm
-- whose first participations on the same day were with two clusters belongs to both).
CREATE OR REPLACE TABLE intermediate.turnover_cohort_clusters AS
SELECT DISTINCT c.cvr, q.cluster_id
FROM intermediate.turnover_cohort AS c
JOIN intermediate.qualifying_participations AS q
  ON q.cvr = c.cvr AND q.grant_type = 'innovation' AND q.participation_date = c.first_date;

CREATE OR REPLACE TABLE intermediate.turnover_controls AS
WITH years AS (
    SELECT DISTINCT cohort_year FROM intermediate.turnover_cohort
),
candidates AS (
    SELECT
        y.cohort_year,
        fb.cvr,
        left(fb.nace_code, 2) AS nace2,
        fb.region,
        CASE
            WHEN fb.employees < 10 THEN '0-9'
            WHEN fb.employees < 50 THEN '10-49'
            WHEN fb.employees < $sme_max_employees THEN '50-249'
        END AS employee_band,
        ln(fa.turnover_dkk / fb.turnover_dkk) AS g
    FROM years AS y
    JOIN staging.firms AS fb
      ON fb.year = y.cohort_year - 1 AND fb.turnover_dkk > 0
    JOIN staging.firms AS fa
      ON fa.cvr = fb.cvr AND fa.year = y.cohort_year + 2 AND fa.turnover_dkk > 0
    WHERE NOT EXISTS (
        SELECT 1
        FROM staging.participation AS p
        WHERE p.cvr = fb.cvr
          AND p.participation_date <= least(make_date(y.cohort_year + 2, 12, 31), CAST($as_of AS DATE))
    )
)
SELECT * FROM candidates WHERE employee_band IS NOT NULL;

-- One row per cohort firm with its controls summarised: matched when it has >= 1 control.
CREATE OR REPLACE TABLE intermediate.turnover_did AS
SELECT
    c.cvr,
    c.cohort_year,
    c.growth,
    c.g,
    c.matchable,
    count(k.cvr)                                     AS n_controls,
    avg(k.g)                                         AS mean_g_controls,
    c.matchable AND count(k.cvr) > 0                 AS matched,
    CASE WHEN c.matchable AND count(k.cvr) > 0 THEN c.g - avg(k.g) END AS did
FROM intermediate.turnover_cohort AS c
LEFT JOIN intermediate.turnover_controls AS k
       ON c.matchable
      AND k.cohort_year = c.cohort_year
      AND k.nace2 = c.nace2
      AND k.employee_band = c.employee_band
      AND k.region = c.region
GROUP BY c.cvr, c.cohort_year, c.growth, c.g, c.matchable;

-- Per scope (each granted cluster and 'ALL') and period (each cohort year, and 'all' for every
-- scope): the cohort's median two-year growth and size, and the matched effect and its firms.
CREATE OR REPLACE TABLE intermediate.turnover_groups AS
WITH members AS (
    SELECT m.cluster_id AS scope, d.*
    FROM intermediate.turnover_did AS d
    JOIN intermediate.turnover_cohort_clusters AS m USING (cvr)
    UNION ALL
    SELECT 'ALL' AS scope, d.*
    FROM intermediate.turnover_did AS d
),
scopes AS (
    SELECT cluster_id AS scope FROM reference.clusters
    UNION ALL
    SELECT 'ALL'
)
SELECT scope, CAST(cohort_year AS VARCHAR) AS period,
       median(growth) AS growth, count(*) AS n_cohort,
       exp(avg(did) FILTER (WHERE matched)) - 1 AS effect,
       count(*) FILTER (WHERE matched) AS n_matched
FROM members
GROUP BY scope, cohort_year
UNION ALL
SELECT s.scope, 'all',
       median(m.growth), count(m.cvr),
       exp(avg(m.did) FILTER (WHERE m.matched)) - 1,
       count(m.cvr) FILTER (WHERE m.matched)
FROM scopes AS s
LEFT JOIN members AS m ON m.scope = s.scope
GROUP BY s.scope;
