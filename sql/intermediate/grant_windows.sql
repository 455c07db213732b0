-- Model intermediate.grant_windows (and intermediate.activities): every grant with its window and
-- elapsed fraction as of $as_of, and every activity known on $as_of with the grant that funds it.
--
-- Grant window of an event: period_start <= date <= min(period_end, as_of).
-- Elapsed fraction: clamp((as_of - period_start) / (period_end - period_start), 0, 1), in days.
-- Activities starting after $as_of are ignored everywhere (output contract: rows dated after as_of).

CREATE OR REPLACE TABLE intermediate.grant_windows AS
SELECT
    g.grant_id,
    g.cluster_id,
    g.grant_type,
    g.awarded_dkk,
    g.period_start,
    g.period_end,
    least(g.period_end, CAST($as_of AS DATE))            AS window_end,
    g.target_smes,
    g.committed_private_share,
    CASE
        WHEN g.period_end <= g.period_start THEN
            CASE WHEN CAST($as_of AS DATE) >= g.period_end THEN 1.0 ELSE 0.0 END
        ELSE greatest(0.0, least(1.0,
            CAST(date_diff('day', g.period_start, CAST($as_of AS DATE)) AS DOUBLE)
            / date_diff('day', g.period_start, g.period_end)))
    END                                                  AS elapsed_fraction,
    CAST($as_of AS DATE)                                 AS as_of
FROM staging.grants AS g
JOIN reference.clusters AS c ON c.cluster_id = g.cluster_id;

CREATE OR REPLACE TABLE intermediate.activities AS
SELECT
    a.activity_id,
    a.grant_id,
    g.cluster_id,
    g.grant_type,
    a.theme,
    a.theme_original,
    a.start_date,
    CAST(year(a.start_date) AS INTEGER)                  AS start_year,
    a.end_date,
    g.period_start,
    g.window_end
FROM staging.activities AS a
JOIN intermediate.grant_windows AS g ON g.grant_id = a.grant_id
WHERE a.start_date <= CAST($as_of AS DATE);
