-- TEST ORACLE (tests/marts/test_firm_year_status_pick.py): the register row for each (firm, event
-- year) of intermediate.firm_year_status, picked by the row_number() window that
-- sql/intermediate/firm_sme_status.sql used until December 2026: the event year's row; else the
-- latest earlier year; else the earliest later year.
SELECT n.cvr, n.year, c.register_year, c.employees, c.turnover_dkk, c.total_assets_dkk
FROM intermediate.firm_year_status AS n
LEFT JOIN (
    SELECT
        n.cvr,
        n.year,
        f.year AS register_year,
        f.employees,
        f.turnover_dkk,
        f.total_assets_dkk,
        row_number() OVER (
            PARTITION BY n.cvr, n.year
            ORDER BY
                CASE WHEN f.year = n.year THEN 0 WHEN f.year < n.year THEN 1 ELSE 2 END,
                CASE WHEN f.year < n.year THEN -f.year ELSE f.year END
        ) AS pick
    FROM intermediate.firm_year_status AS n
    JOIN staging.firms AS f ON f.cvr = n.cvr
) AS c ON c.cvr = n.cvr AND c.year = n.year AND c.pick = 1
ORDER BY n.cvr, n.year
