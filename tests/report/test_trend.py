"""Trend and projection (issue 19, point 1): the path over the reporting dates, the change since
the previous one, and the SME counts' projection at today's pace, computed here by hand."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from pipelines.core.warehouse import connect_writer
from reports.data import ReportData, load_report_data
from reports.i18n import Formatter
from reports.render import build_html
from reports.trend import first_day_reaching, projection
from tests.report import fixture_data as fx
from tests.report.helpers import without_plotly

D0, D1, D2 = dt.date(2026, 3, 31), fx.OLD_AS_OF, fx.AS_OF
START, END = dt.date(2025, 1, 1), dt.date(2028, 12, 31)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    """AM Hub: one cluster grant 2025-01-01..2028-12-31 with 400 SMEs, ahead of its path; CLEAN:
    two cluster grants (300 SMEs over 2025-2028, 100 SMEs over 2027-2028), behind. Three
    reporting dates; national figures on all three."""
    path = fx.minimal(tmp_path_factory.mktemp("trend") / "w.duckdb")
    with connect_writer(path) as con:
        fx.add_grant(con, "am-hub", "cluster", START, END, 400)
        fx.add_grant(con, "clean", "cluster", START, END, 300)
        fx.add_grant(con, "clean", "cluster", dt.date(2027, 1, 1), END, 100)
        fx.build_report_side_marts(con)
        expected_am = 400 * (D2 - START).days / (END - START).days
        for as_of, value in ((D0, 120), (D1, 180), (D2, 230)):
            fx.add_indicator(con, "am-hub", "smes_collective", "to_date", value, 400,
                             400 * (as_of - START).days / (END - START).days, value, "on_track", as_of=as_of)
        assert expected_am == pytest.approx(191.23, abs=0.01)
        fx.add_indicator(con, "clean", "smes_collective", "to_date", 100, 400,
                         300 * (D2 - START).days / (END - START).days, 100, "behind")
        for as_of, value, share in ((D0, 1656, 0.951), (D1, 2068, 0.953), (D2, 2480, 0.961)):
            fx.add_indicator(con, "ALL", "smes_collective", "to_date", value, 5562, 2762, value, "on_track",
                             as_of=as_of)
            fx.add_indicator(con, "ALL", "sme_share", "to_date", share, None, None, 2000, "no_target", as_of=as_of)
        # Co-financing: the latest year on each date (2025 on 31 March is no longer the latest later).
        fx.add_indicator(con, "ALL", "private_cofinancing_share", "2025", 0.300, 0.35, None, None, "behind", as_of=D0)
        fx.add_indicator(con, "ALL", "private_cofinancing_share", "2026", 0.310, 0.35, None, None, "behind", as_of=D1)
        fx.add_indicator(con, "ALL", "private_cofinancing_share", "2025", 0.301, 0.35, None, None, "behind", as_of=D2)
        fx.add_indicator(con, "ALL", "private_cofinancing_share", "2026", 0.3321, 0.35, None, None, "behind", as_of=D2)
        return load_report_data(con, D2, 5)


def test_the_change_since_the_previous_reporting_date(data: ReportData) -> None:
    da = without_plotly(build_html(data, "da")[0])
    en = without_plotly(build_html(data, "en")[0])
    assert "+412 siden 30. juni 2026" in da and "+412 since 30 June 2026" in en  # 2480 - 2068
    assert "+50 siden 30. juni 2026" in da  # AM Hub: 230 - 180
    # Shares change in percentage points: 96,1 % - 95,3 % = 0,8; co-financing 33,2 - 31,0 = 2,2.
    assert "+0,8 pct.-point siden 30. juni 2026" in da and "+0.8 pp since 30 June 2026" in en
    assert "+2,2 pct.-point siden 30. juni 2026" in da


def test_the_path_holds_every_reporting_date_up_to_as_of(data: ReportData) -> None:
    assert data.reporting_dates == [D0, D1, D2]
    assert [r.value for r in data.path("ALL", "smes_collective")] == [1656, 2068, 2480]
    # Each date's latest fiscal year: 2025 on 31 March, 2026 on 30 June and now.
    assert [(r.as_of, r.period) for r in data.path("ALL", "private_cofinancing_share")] == [
        (D0, "2025"), (D1, "2026"), (D2, "2026")]
    da = build_html(data, "da")[0]
    for when, value in (("31. marts 2026", "1.656"), ("30. juni 2026", "2.068"), ("30. november 2026", "2.480")):
        assert f"<title>{when}: {value}</title>" in da


def test_projection_of_a_cluster_ahead_of_its_path(data: ReportData) -> None:
    total = (END - START).days  # 1460 days
    expected = 400 * (D2 - START).days / total  # 400 x 698/1460 = 191.23
    pace = 230 / expected  # 1.2027
    p = projection(data, "am-hub", "smes_collective")
    assert p.pace == pytest.approx(pace)
    assert p.at_end == pytest.approx(230 / (expected / 400))  # value / elapsed fraction = 481.1
    # Reached when pace x 400 x elapsed = 400, i.e. elapsed = 1 / pace: day 1460 / 1.2027 = 1213.9.
    day = START + dt.timedelta(days=math.ceil(total / pace))  # day 1214: 29 April 2028
    assert p.reached_on == day == dt.date(2028, 4, 29)
    assert p.end == END and not p.already
    da = without_plotly(build_html(data, "da")[0])
    assert "I nuværende tempo: 481 ved udgangen af december 2028 (mål 400). Målet nås i april 2028" in da


def test_projection_of_a_cluster_behind_its_path(data: ReportData) -> None:
    expected = 300 * (D2 - START).days / (END - START).days  # the 2027 grant has not started: 143.42
    p = projection(data, "clean", "smes_collective")
    assert p.at_end == pytest.approx(100 / (expected / 400))  # 278.9: short of 400
    assert p.reached_on is None
    en = without_plotly(build_html(data, "en")[0])
    assert "The target is not reached before the grants end (31 December 2028)." in en


def test_first_day_reaching_on_a_piecewise_path() -> None:
    path = [(dt.date(2025, 1, 1), 0.0), (dt.date(2025, 1, 11), 10.0), (dt.date(2025, 1, 21), 30.0)]
    assert first_day_reaching(path, 5) == dt.date(2025, 1, 6)  # halfway along the first 10 days
    assert first_day_reaching(path, 20) == dt.date(2025, 1, 16)  # 10 + 2 per day: 5 days on
    assert first_day_reaching(path, 20.5) == dt.date(2025, 1, 17)  # the first whole day at or above
    assert first_day_reaching(path, 30) == dt.date(2025, 1, 21)
    assert first_day_reaching(path, 31) is None


def test_no_projection_for_a_hidden_figure(tmp_path) -> None:
    path = fx.minimal(tmp_path / "w.duckdb")
    with connect_writer(path) as con:
        fx.add_grant(con, "am-hub", "cluster", START, END, 400)
        fx.build_report_side_marts(con)
        fx.add_indicator(con, "am-hub", "smes_collective", "to_date", 3, 400, 191, 3, "critical")
        data = load_report_data(con, D2, 5)
    assert projection(data, "am-hub", "smes_collective") is None


def test_change_units() -> None:
    da, en = Formatter("da"), Formatter("en")
    assert da.change("smes_collective", 412) == "+412" and en.change("smes_collective", -1234) == "-1,234"
    assert da.change("sme_share", 0.008) == "+0,8 pct.-point" and en.change("sme_share", -0.012) == "-1.2 pp"
    assert da.change("liquidity_months", -0.4) == "-0,4 mdr."
    assert da.month_year(dt.date(2028, 3, 14)) == "marts 2028" and en.month_year(dt.date(2028, 3, 14)) == "March 2028"


def test_a_change_too_small_to_print_reads_unchanged() -> None:
    from reports.data import Indicator
    from reports.view import change_text

    path = [Indicator("ALL", "sme_share", "to_date", v, None, None, 100, "no_target", as_of=d)
            for v, d in ((0.9630, D1), (0.9633, D2))]  # +0,03 percentage points prints as +0,0
    assert change_text(Formatter("da"), "sme_share", path) == "Uændret siden 30. juni 2026"
    path[-1] = Indicator("ALL", "sme_share", "to_date", 0.9681, None, None, 100, "no_target", as_of=D2)
    assert change_text(Formatter("en"), "sme_share", path) == "+0.5 pp since 30 June 2026"
