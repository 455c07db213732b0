-- The board decision of 2025 (reference data shipped with the project): 14 applicants, 11 granted.
CREATE OR REPLACE TABLE reference.board_decision AS
SELECT
    trim(cluster_id)                     AS cluster_id,
    organisation,
    business_area,
    CAST(applied_mdkk AS DOUBLE)         AS applied_mdkk,
    CAST(recommended_mdkk AS DOUBLE)     AS recommended_mdkk,
    trim(decision)                       AS decision
FROM read_csv($board_decision_csv, header = true, all_varchar = true, encoding = 'utf-8');

CREATE OR REPLACE VIEW reference.clusters AS
SELECT cluster_id, organisation, business_area, recommended_mdkk
FROM reference.board_decision
WHERE decision = 'granted';

-- The core themes of each granted cluster's core task (reference/core_themes.csv, shipped with the
-- project; the secretariat may edit it): one row per (cluster, theme). Codes are compared as the
-- staged activities hold them (trimmed, lower case); blank and repeated lines are dropped, so the
-- table's content hash (pipelines/core/build_state.py:table_state) changes exactly when a pair is
-- added or removed.
CREATE OR REPLACE TABLE reference.core_themes AS
SELECT DISTINCT lower(trim(cluster_id)) AS cluster_id, lower(trim(theme)) AS theme
FROM read_csv($core_themes_csv, header = true, all_varchar = true, encoding = 'utf-8',
              columns = {'cluster_id': 'VARCHAR', 'theme': 'VARCHAR'})
WHERE nullif(trim(cluster_id), '') IS NOT NULL AND nullif(trim(theme), '') IS NOT NULL
ORDER BY cluster_id, theme;
