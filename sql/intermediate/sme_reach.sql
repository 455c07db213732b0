-- Model intermediate.collective_smes / intermediate.sme_counts / intermediate.participant_firms:
-- what the SME indicators count.
--
-- collective_smes: per granted cluster, the firms its smes_collective counts: SMEs (in the year of
-- at least one such event) with a participation in an activity of one of its cluster grants,
-- inside the grant window.
-- sme_counts: per granted cluster and grant type (cluster grant -> SMEs in collective activities,
-- innovation grant -> SMEs developing concepts), the distinct SMEs among the qualifying events,
-- the SME target of the cluster's grants of that type and the target prorated to $as_of
-- (sum of target_smes x elapsed fraction). Target and expected are null without a grant of the type.
-- participant_firms: one row per cluster and verified firm with a participation inside the window
-- of any of the cluster's grants, whether it was an SME in the year of at least one of them, and in
-- how many distinct activities of the cluster it has such participations (SME or not at each).

CREATE OR REPLACE TABLE intermediate.collective_smes AS
SELECT DISTINCT cluster_id, cvr
FROM intermediate.qualifying_participations
WHERE grant_type = 'cluster' AND sme_status = 'sme';

CREATE OR REPLACE TABLE intermediate.sme_counts AS
WITH targets AS (
    SELECT
        cluster_id,
        grant_type,
        CAST(sum(target_smes) AS DOUBLE)        AS target,
        sum(target_smes * elapsed_fraction)     AS expected
    FROM intermediate.grant_windows
    GROUP BY ALL
),
counted AS (
    SELECT cluster_id, 'cluster' AS grant_type, count(*) AS n
    FROM intermediate.collective_smes
    GROUP BY ALL
    UNION ALL
    SELECT cluster_id, 'innovation', count(DISTINCT cvr)
    FROM intermediate.qualifying_concepts
    WHERE sme_status = 'sme'
    GROUP BY ALL
)
SELECT c.cluster_id, gt.grant_type, coalesce(x.n, 0) AS n, t.target, t.expected
FROM reference.clusters AS c
CROSS JOIN (VALUES ('cluster'), ('innovation')) AS gt(grant_type)
LEFT JOIN counted AS x ON x.cluster_id = c.cluster_id AND x.grant_type = gt.grant_type
LEFT JOIN targets AS t ON t.cluster_id = c.cluster_id AND t.grant_type = gt.grant_type;

CREATE OR REPLACE TABLE intermediate.participant_firms AS
SELECT cluster_id, cvr, bool_or(sme_status = 'sme') AS is_sme,
       count(DISTINCT activity_id) AS n_activities
FROM intermediate.qualifying_participations
WHERE sme_status <> 'unverified'
GROUP BY ALL;
