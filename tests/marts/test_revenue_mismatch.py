"""The revenue-mismatch rule has one definition (the macro revenue_mismatch in sql/ddl/functions.sql):
marts.flags and the GX statistics suite of staging.accounts flag exactly the same fiscal years.

"Differs from the sum of the funding lines by more than 1 % of that sum" (input contract). The
funding lines of each row below add up to 100 DKK (deb 50 + membership 50), so the tolerance is
1 DKK and a revenue total counts as a mismatch only above 101 or below 99.
"""

from __future__ import annotations

import datetime as dt

from marts_helpers import Stage

from assets.models.models import run_all
from pipelines.core.warehouse import fetch_all
from quality.staging import validate_staging_table

AS_OF = dt.date(2026, 12, 31)
LABEL = "revenue total within 1% of the funding lines"
# fiscal year -> revenue total, against funding lines of 100:
REVENUES = {
    2021: 101.01,  # |101.01 - 100| = 1.01 > 1: a mismatch. (The old GX helper divided by the
    #                revenue total: 1.01 / 101.01 = 0.99990 % <= 1 %, and let it pass.)
    2022: 100.99,  # 0.99 <= 1: fine
    2023: 99.0,    # exactly 1 % below: not MORE than 1 %: fine
    2024: 98.5,    # 1.5 > 1: a mismatch
    2025: 100.0,   # equal: fine
}


def test_flags_and_the_statistics_suite_agree_on_every_year(stage: Stage) -> None:
    for year, revenue in REVENUES.items():
        stage.account("censec", year, deb=50.0, other_public=0.0, membership=50.0,
                      sponsorships=0.0, user_payments=0.0, revenue=revenue)
    run_all(stage.con, AS_OF)
    flagged = {
        int(period)
        for (period,) in fetch_all(
            stage.con,
            "SELECT period FROM marts.flags WHERE indicator = 'dq_revenue_mismatch' AND as_of = $a",
            {"a": AS_OF},
        )
    }
    assert flagged == {2021, 2024}

    report = validate_staging_table(stage.con, "accounts", structural=False)
    outcome = next(o for o in report.outcomes if o.label == LABEL)
    assert not outcome.success
    assert outcome.unexpected_count == 2
    offending = report.offending_rows
    assert sorted(offending.loc[offending["failed_expectations"].str.contains(LABEL), "fiscal_year"]) == [2021, 2024]
