-- Model intermediate.network_edges / network_nodes / network_metrics: the collaboration network
-- of each cluster and survey year (survey years after year(as_of) ignored).
--
-- Nodes are the distinct ids among org_id and partner_id, compared as given; self-relations are
-- dropped before anything is counted. A tie is a distinct unordered pair. A node's type is its
-- org_type where it answered, else its partner_type (the most frequent one; ties by name).
-- New ties are counted against the cluster's latest earlier survey year (null for the first).

CREATE OR REPLACE TABLE intermediate.network_relations AS
SELECT survey_year, cluster_id, org_id, org_type, partner_id, partner_type
FROM staging.survey_network
WHERE survey_year <= year(CAST($as_of AS DATE))
  AND org_id <> partner_id;

CREATE OR REPLACE TABLE intermediate.network_edges AS
SELECT DISTINCT
    survey_year,
    cluster_id,
    least(org_id, partner_id)    AS node_a,
    greatest(org_id, partner_id) AS node_b
FROM intermediate.network_relations;

CREATE OR REPLACE TABLE intermediate.network_nodes AS
WITH typed AS (
    SELECT survey_year, cluster_id, org_id AS node_id, org_type AS node_type, 1 AS source
    FROM intermediate.network_relations
    UNION ALL
    SELECT survey_year, cluster_id, partner_id AS node_id, partner_type AS node_type, 2 AS source
    FROM intermediate.network_relations
),
counted AS (
    SELECT survey_year, cluster_id, node_id, node_type, source, count(*) AS n
    FROM typed
    GROUP BY ALL
)
SELECT survey_year, cluster_id, node_id, node_type, source = 1 AS answered
FROM counted
QUALIFY row_number() OVER (
    PARTITION BY survey_year, cluster_id, node_id ORDER BY source, n DESC, node_type
) = 1;

CREATE OR REPLACE TABLE intermediate.network_metrics AS
WITH survey_years AS (
    -- every survey year delivered (a year holding only self-relations still is a survey year)
    SELECT DISTINCT survey_year, cluster_id
    FROM staging.survey_network
    WHERE survey_year <= year(CAST($as_of AS DATE))
),
with_previous AS (
    SELECT
        survey_year,
        cluster_id,
        lag(survey_year) OVER (PARTITION BY cluster_id ORDER BY survey_year) AS previous_year
    FROM survey_years
),
node_counts AS (
    SELECT survey_year, cluster_id, count(*) AS n_nodes,
           count(*) FILTER (WHERE node_type = 'sme') AS n_sme_nodes
    FROM intermediate.network_nodes
    GROUP BY ALL
),
edge_counts AS (
    SELECT survey_year, cluster_id, count(*) AS n_edges
    FROM intermediate.network_edges
    GROUP BY ALL
),
new_ties AS (
    SELECT w.survey_year, w.cluster_id, count(e.node_a) AS n_new
    FROM with_previous AS w
    LEFT JOIN intermediate.network_edges AS e
           ON e.survey_year = w.survey_year AND e.cluster_id = w.cluster_id
          AND NOT EXISTS (
              SELECT 1 FROM intermediate.network_edges AS p
              WHERE p.cluster_id = w.cluster_id AND p.survey_year = w.previous_year
                AND p.node_a = e.node_a AND p.node_b = e.node_b
          )
    WHERE w.previous_year IS NOT NULL
    GROUP BY ALL
),
sme_ki AS (
    SELECT n.survey_year, n.cluster_id, count(DISTINCT n.node_id) AS n_sme_with_ki
    FROM intermediate.network_nodes AS n
    JOIN intermediate.network_edges AS e
      ON e.survey_year = n.survey_year AND e.cluster_id = n.cluster_id
     AND n.node_id IN (e.node_a, e.node_b)
    JOIN intermediate.network_nodes AS other
      ON other.survey_year = e.survey_year AND other.cluster_id = e.cluster_id
     AND other.node_id = CASE WHEN e.node_a = n.node_id THEN e.node_b ELSE e.node_a END
    WHERE n.node_type = 'sme' AND other.node_type = 'knowledge_institution'
    GROUP BY ALL
)
SELECT
    w.survey_year,
    w.cluster_id,
    w.previous_year,
    coalesce(nc.n_nodes, 0)                      AS n_nodes,
    coalesce(ec.n_edges, 0)                      AS n_edges,
    CASE WHEN coalesce(nc.n_nodes, 0) >= 2
         THEN 2.0 * coalesce(ec.n_edges, 0) / (nc.n_nodes * (nc.n_nodes - 1)) END AS density,
    CASE WHEN w.previous_year IS NOT NULL THEN coalesce(nt.n_new, 0) END AS new_ties,
    coalesce(nc.n_sme_nodes, 0)                  AS n_sme_nodes,
    coalesce(sk.n_sme_with_ki, 0)                AS n_sme_with_ki,
    CASE WHEN coalesce(nc.n_sme_nodes, 0) > 0
         THEN CAST(coalesce(sk.n_sme_with_ki, 0) AS DOUBLE) / nc.n_sme_nodes END AS sme_knowledge_ties_share
FROM with_previous AS w
LEFT JOIN node_counts AS nc USING (survey_year, cluster_id)
LEFT JOIN edge_counts AS ec USING (survey_year, cluster_id)
LEFT JOIN new_ties AS nt USING (survey_year, cluster_id)
LEFT JOIN sme_ki AS sk USING (survey_year, cluster_id);
