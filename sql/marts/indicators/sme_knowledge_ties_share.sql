-- sme_knowledge_ties_share: SME nodes with >= 1 tie to a knowledge institution / SME nodes; the
-- share rests on the SME nodes, which are firms: they are its n_firms.
SELECT cluster_id, CAST(survey_year AS VARCHAR) AS period, sme_knowledge_ties_share AS value,
       n_sme_nodes AS n_firms
FROM intermediate.network_metrics
