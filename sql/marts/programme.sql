-- Model marts.clusters / marts.grants: the programme as the board decided it and as the grant
-- system holds it: the 11 granted clusters (name, business area, recommended amount) and their
-- grants (type, amount, period, SME target, promised private share).

CREATE OR REPLACE TABLE marts.clusters AS
SELECT cluster_id, organisation, business_area, recommended_mdkk
FROM reference.clusters
ORDER BY business_area, organisation, cluster_id;

CREATE OR REPLACE TABLE marts.grants AS
SELECT g.* EXCLUDE (_file_sha256, _file_name, _row_number, _loaded_at)
FROM staging.grants AS g
WHERE g.cluster_id IN (SELECT cluster_id FROM reference.clusters)
ORDER BY g.cluster_id, g.grant_type, g.grant_id;
