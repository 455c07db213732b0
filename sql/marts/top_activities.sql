-- Model marts.top_activities: per granted cluster, the five activities with the most participating
-- SMEs as of $as_of (output contract, "Top activities in the report"): an activity's SMEs are the
-- distinct firms with a participation inside the window of the grant that funds it (period_start
-- .. min(period_end, as_of)) that were SMEs in that participation's year; both grants count; only
-- activities starting on or before as_of, and only those with at least one such SME. Ties: the
-- earlier start, then the activity id. The rows of this as_of are replaced; earlier ones are kept.

CREATE OR REPLACE TABLE intermediate.activity_smes AS
SELECT a.cluster_id, a.activity_id, a.grant_type, a.theme, a.start_date,
       count(DISTINCT q.cvr) AS n_smes
FROM intermediate.activities AS a
JOIN intermediate.qualifying_participations AS q
  ON q.activity_id = a.activity_id AND q.sme_status = 'sme'
GROUP BY ALL;

DELETE FROM marts.top_activities WHERE as_of = CAST($as_of AS DATE);

INSERT INTO marts.top_activities
SELECT s.cluster_id,
       CAST(row_number() OVER (
           PARTITION BY s.cluster_id ORDER BY s.n_smes DESC, s.start_date, s.activity_id
       ) AS INTEGER) AS rank,
       s.activity_id, t.title, s.theme, s.grant_type, s.start_date, s.n_smes,
       CAST($as_of AS DATE) AS as_of
FROM intermediate.activity_smes AS s
JOIN staging.activities AS t USING (activity_id)
QUALIFY rank <= 5
ORDER BY s.cluster_id, rank;
