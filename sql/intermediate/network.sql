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
current_edges AS (
    SELECT e.survey_year, e.cluster_id, w.previous_year, e.node_a, e.node_b
    FROM intermediate.network_edges AS e
    JOIN with_previous AS w USING (survey_year, cluster_id)
    WHERE w.previous_year IS NOT NULL
),
new_ties AS (
    -- ties of a year that the cluster's previous survey year did not have (an anti-join: a
    -- correlated NOT EXISTS here made a nested loop over every pair of years' edges)
    SELECT c.survey_year, c.cluster_id, count(*) AS n_new
    FROM current_edges AS c
    ANTI JOIN intermediate.network_edges AS p
        ON p.cluster_id = c.cluster_id AND p.survey_year = c.previous_year
       AND p.node_a = c.node_a AND p.node_b = c.node_b
    GROUP BY ALL
),
directed AS (
    -- each undirected tie seen from both ends, so that node lookups are equi-joins
    SELECT survey_year, cluster_id, node_a AS node_id, node_b AS other_id FROM intermediate.network_edges
    UNION ALL
    SELECT survey_year, cluster_id, node_b AS node_id, node_a AS other_id FROM intermediate.network_edges
),
sme_ki AS (
    SELECT d.survey_year, d.cluster_id, count(DISTINCT d.node_id) AS n_sme_with_ki
    FROM directed AS d
    JOIN intermediate.network_nodes AS n
      ON n.survey_year = d.survey_year AND n.cluster_id = d.cluster_id AND n.node_id = d.node_id
    JOIN intermediate.network_nodes AS other
      ON other.survey_year = d.survey_year AND other.cluster_id = d.cluster_id
     AND other.node_id = d.other_id
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
