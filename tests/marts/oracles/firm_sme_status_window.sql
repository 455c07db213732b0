-- TEST ORACLE: sql/intermediate/firm_sme_status.sql as it was until December 2026 (a window
-- over every candidate register row). tests/marts/test_firm_year_status_pick.py compares the two.
-- Model intermediate.firm_year_status: the EU SME test of a firm for the year of each of its events
-- (participations and developed concepts dated on or before $as_of).
--
-- The register row used: the event year; else the latest earlier year; else the earliest later
-- year. SME = employees < $sme_max_employees and (turnover <= EUR limit or total assets <= EUR
-- limit), EUR converted at $eur_dkk_rate. Only one of turnover / total assets given: that one
-- decides; both empty: employees alone decide. No register row at all: 'unverified' (never an SME).
-- Register years are not cut at year(as_of): the register is not a fiscal year of the cluster
-- accounts, and a later row is the contract's last fall-back (see docs/indicator-decisions.md).

CREATE OR REPLACE TABLE intermediate.firm_year_status AS
WITH needed AS (
    SELECT DISTINCT p.cvr, CAST(year(p.participation_date) AS INTEGER) AS year
    FROM staging.participation AS p
    WHERE p.participation_date <= CAST($as_of AS DATE)
    UNION
    SELECT DISTINCT o.cvr, CAST(year(o.concept_date) AS INTEGER) AS year
    FROM staging.innovation_outcomes AS o
    WHERE o.concept_developed AND o.concept_date <= CAST($as_of AS DATE)
),
candidates AS (
    SELECT
        n.cvr,
        n.year,
        f.year AS register_year,
        f.employees,
        f.turnover_dkk,
        f.total_assets_dkk,
        f.nace_code,
        f.region,
        row_number() OVER (
            PARTITION BY n.cvr, n.year
            ORDER BY
                CASE WHEN f.year = n.year THEN 0 WHEN f.year < n.year THEN 1 ELSE 2 END,
                CASE WHEN f.year < n.year THEN -f.year ELSE f.year END
        ) AS pick
    FROM needed AS n
    JOIN staging.firms AS f ON f.cvr = n.cvr
)
SELECT
    n.cvr,
    n.year,
    c.register_year,
    c.employees,
    c.turnover_dkk,
    c.total_assets_dkk,
    CASE
        WHEN c.register_year IS NULL THEN 'unverified'
        WHEN c.employees < $sme_max_employees
             AND (
                 (c.turnover_dkk IS NULL AND c.total_assets_dkk IS NULL)
                 OR c.turnover_dkk <= $sme_max_turnover_eur * $eur_dkk_rate
                 OR c.total_assets_dkk <= $sme_max_total_assets_eur * $eur_dkk_rate
             ) THEN 'sme'
        ELSE 'not_sme'
    END AS sme_status
FROM needed AS n
LEFT JOIN candidates AS c ON c.cvr = n.cvr AND c.year = n.year AND c.pick = 1;
