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
