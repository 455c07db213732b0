-- Rules that more than one place applies, defined once as DuckDB macros (stored in the warehouse,
-- so analysts can use them too). The funding-line sums private_cash(a), public_funding(a) and
-- funding_lines(a) of an accounts row are derived from the input contract at bootstrap
-- (pipelines/core/contract.py: Column.funding); they take the row itself: private_cash(a).

-- Input contract, accounts: "A revenue total that differs from the sum of the funding lines by
-- more than 1 % is kept but flagged" - more than `tolerance` of that sum (output: dq_revenue_mismatch;
-- the GX statistics suite of staging.accounts checks the same macro).
CREATE OR REPLACE MACRO revenue_mismatch(revenue_total, funding_lines, tolerance) AS
    abs(revenue_total - funding_lines) > tolerance * funding_lines;
