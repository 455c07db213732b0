-- Model intermediate.qualifying_participations / intermediate.qualifying_concepts: the events the
-- SME counts rest on, each inside the window of the grant that funds its activity
-- (period_start <= date <= min(period_end, $as_of)), with the firm's SME status in the event year.

CREATE OR REPLACE TABLE intermediate.qualifying_participations AS
SELECT
    p.cvr,
    p.activity_id,
    p.participation_date,
    CAST(year(p.participation_date) AS INTEGER) AS event_year,
    a.grant_id,
    a.cluster_id,
    a.grant_type,
    coalesce(s.sme_status, 'unverified')        AS sme_status
FROM staging.participation AS p
JOIN intermediate.activities AS a ON a.activity_id = p.activity_id
LEFT JOIN intermediate.firm_year_status AS s
       ON s.cvr = p.cvr AND s.year = year(p.participation_date)
WHERE p.participation_date >= a.period_start
  AND p.participation_date <= a.window_end;

CREATE OR REPLACE TABLE intermediate.qualifying_concepts AS
SELECT
    o.cvr,
    o.activity_id,
    o.concept_date,
    CAST(year(o.concept_date) AS INTEGER)       AS event_year,
    a.grant_id,
    a.cluster_id,
    coalesce(s.sme_status, 'unverified')        AS sme_status
FROM staging.innovation_outcomes AS o
JOIN intermediate.activities AS a ON a.activity_id = o.activity_id AND a.grant_type = 'innovation'
LEFT JOIN intermediate.firm_year_status AS s
       ON s.cvr = o.cvr AND s.year = year(o.concept_date)
WHERE o.concept_developed
  AND o.concept_date >= a.period_start
  AND o.concept_date <= a.window_end;
