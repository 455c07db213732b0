"""The board report's money, effects and headlines sections (issue 19, points 2-4) and the count of
flagged clusters (point 6), on hand-made marts rows with the expected figures worked out by hand."""

from __future__ import annotations

import json
import re

import pytest

from pipelines.core.catalogue import catalogue
from pipelines.core.warehouse import connect_writer
from reports.data import Indicator, ReportData, load_report_data
from reports.i18n import Formatter
from reports.render import build_html
from reports.sections import effects, headlines, money
from reports.shortfalls import flagged_clusters
from reports.view import FigureBook
from tests.report import fixture_data as fx
from tests.report.helpers import without_plotly

ind, flag = fx.add_indicator, fx.add_flag
JSON_BLOCK = re.compile(r'<script type="application/json" data-figure="([^"]+)">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    path = fx.minimal(tmp_path_factory.mktemp("v2") / "w.duckdb")
    d = fx.AS_OF
    with connect_writer(path) as con:
        # Money. Grants: AM Hub 30 + 20 = 50 mio. kr., CenSec 40 mio. kr.; the other nine have none.
        fx.add_grant(con, "am-hub", "cluster", d.replace(year=2025, month=1, day=1), d.replace(year=2028),
                     300, awarded_dkk=30e6)
        fx.add_grant(con, "am-hub", "innovation", d.replace(year=2025, month=1, day=1), d.replace(year=2028),
                     40, awarded_dkk=20e6)
        fx.add_grant(con, "censec", "cluster", d.replace(year=2025, month=1, day=1), d.replace(year=2028),
                     300, awarded_dkk=40e6)
        fx.build_report_side_marts(con)
        ind(con, "am-hub", "payout_at_risk_dkk", "to_date", 12.5e6)
        ind(con, "censec", "payout_at_risk_dkk", "to_date", 0.0)
        ind(con, "ALL", "payout_at_risk_dkk", "to_date", 12.5e6)
        ind(con, "am-hub", "private_cash_gap_dkk", "2026", 850_000.0)
        ind(con, "am-hub", "private_cofinancing_share", "2026", 0.30, 0.35, None, None, "behind")
        ind(con, "censec", "private_cash_gap_dkk", "2025", 1e6)
        ind(con, "censec", "private_cash_gap_dkk", "2026", -2.35e6)
        ind(con, "censec", "private_cofinancing_share", "2026", 0.45, 0.35, None, None, "on_track")
        ind(con, "ALL", "private_cash_gap_dkk", "2026", -1.5e6)  # 0.85 - 2.35
        ind(con, "am-hub", "free_liquidity_months", "2026", -0.4, None, None, None, "critical")
        ind(con, "censec", "free_liquidity_months", "2026", 2.5, None, None, None, "on_track")
        # Effects ("all" rows).
        ind(con, "ALL", "turnover_effect_2y", "all", 0.078, 0.07, None, 963, "on_track", ci_low=0.063, ci_high=0.093)
        ind(con, "am-hub", "turnover_effect_2y", "all", 0.05, 0.07, None, 48, "behind", ci_low=-0.01, ci_high=0.11)
        ind(con, "censec", "turnover_effect_2y", "all", 0.09, 0.07, None, 28, "on_track", ci_low=0.0, ci_high=0.2)
        ind(con, "digitallead", "turnover_effect_2y", "all", 0.9, 0.07, None, 3, "on_track",
            ci_low=0.8123, ci_high=0.9432)  # rests on 3 firms: suppressed, interval too
        ind(con, "ALL", "employment_effect_2y", "all", -0.03, None, None, 800, ci_low=-0.05, ci_high=-0.01)
        ind(con, "ALL", "turnover_pretrend", "all", 0.001, None, None, 900, ci_low=-0.01, ci_high=0.012)
        ind(con, "am-hub", "turnover_pretrend", "all", 0.04, None, None, 40, ci_low=0.01, ci_high=0.07)
        flag(con, "am-hub", "dq_pretrend", "all", "WARN")
        # Headlines: sme_share of five clusters, CenSec's on 3 firms (suppressed).
        for cid, value, n in (("am-hub", 0.9, 100), ("censec", 0.5, 3), ("digitallead", 0.8, 90),
                              ("lifestyle-design", 0.7, 80), ("odense-robotics", 0.95, 70)):
            ind(con, cid, "sme_share", "to_date", value, n=n)
        # user_payment_share by year: latest 2026 for two clusters, 2025 for one -> compared in 2026.
        ind(con, "am-hub", "user_payment_share", "2025", 0.11)
        ind(con, "am-hub", "user_payment_share", "2026", 0.12)
        ind(con, "censec", "user_payment_share", "2026", 0.22)
        ind(con, "digitallead", "user_payment_share", "2025", 0.33)
        # Flagged clusters: Lifestyle has a counted shortfall, DigitalLead data notes only.
        ind(con, "lifestyle-design", "smes_collective", "to_date", 100, 483, 231, 100, "critical")
        flag(con, "lifestyle-design", "smes_collective", "to_date", "ERROR")
        flag(con, "digitallead", "dq_unverified_firms", "to_date", "WARN")
        flag(con, "ALL", "smes_concepts", "to_date", "ERROR")  # the national level is no cluster
        ind(con, "ALL", "smes_concepts", "to_date", 10, 683, 300, 10, "critical")
        return load_report_data(con, fx.AS_OF, 5)


@pytest.fixture(scope="module")
def html(data: ReportData) -> dict[str, str]:
    return {lang: build_html(data, lang)[0] for lang in ("da", "en")}


def _section(html: str, anchor: str) -> str:
    body = without_plotly(html)
    start = body.index(f'<section class="section" id="{anchor}">')
    return body[start: body.index("</section>", start)]


# -- money ---------------------------------------------------------------------------------------


def test_payout_at_risk_nationally_and_as_a_share_of_the_awarded_amount(data: ReportData) -> None:
    ctx = money.context(data, Formatter("da"), FigureBook())
    assert ctx["payout_text"] == "12,5 mio. kr."
    assert ctx["awarded_text"] == "90,0 mio. kr."  # 30 + 20 + 40
    assert ctx["share_text"] == "13,9 %"  # 12.5 / 90 = 0.1389
    rows = {r["name"]: r for r in ctx["rows"]}
    am, censec = rows["AM Hub"], rows["CenSec"]
    assert (am["awarded"], am["at_risk"], am["share"]) == ("50,0 mio. kr.", "12,5 mio. kr.", "25,0 %")  # 12.5 / 50
    assert (censec["awarded"], censec["at_risk"], censec["share"]) == ("40,0 mio. kr.", "0 kr.", "0,0 %")


def test_private_cash_gap_in_kroner_with_its_year_and_sign(data: ReportData) -> None:
    ctx = money.context(data, Formatter("da"), FigureBook())
    rows = {r["name"]: r for r in ctx["rows"]}
    # Below a million the gap is told in whole kroner; a negative gap is ahead of the promise.
    assert rows["AM Hub"]["gap"] == {"text": "850.000 kr. under løftet", "period": "2026",
                                     "status": "behind", "status_label": "Bagud"}
    assert rows["CenSec"]["gap"]["text"] == "2,4 mio. kr. over løftet"  # its latest year, 2026
    assert rows["CenSec"]["gap"]["period"] == "2026"
    assert ctx["gap"]["text"] == "1,5 mio. kr. over løftet"
    # The national sum nets CenSec's surplus against AM Hub's gap; the gaps alone are told too
    # (CenSec's 2025 gap is history: its latest year is ahead).
    assert ctx["short_text"] == "1 af 11 klynger er under deres løfte, i alt 850.000 kr. (seneste regnskabsår)."
    en = money.context(data, Formatter("en"), FigureBook())
    assert {r["name"]: r for r in en["rows"]}["AM Hub"]["gap"]["text"] == "DKK 850,000 short of the promise"


def test_liquidity_without_advances_by_status(data: ReportData) -> None:
    ctx = money.context(data, Formatter("da"), FigureBook())
    rows = {r["name"]: r for r in ctx["rows"]}
    assert rows["AM Hub"]["liquidity"]["text"] == "-0,4 mdr."
    assert rows["AM Hub"]["liquidity"]["status"] == "critical"
    assert {c["status"]: c["count"] for c in ctx["liquidity_counts"]} == {"critical": 1, "behind": 0, "on_track": 1}


def test_payout_chart_splits_each_awarded_amount(data: ReportData) -> None:
    book = FigureBook()
    fig = json.loads(money.context(data, Formatter("da"), book)["figure"]["json"])
    at_risk, rest = fig["data"]
    assert at_risk["y"][0] == "AM Hub" and at_risk["x"][0] == pytest.approx(12.5)  # most at risk first
    assert rest["x"][0] == pytest.approx(37.5)  # 50 - 12.5 mio. kr.


# -- effects -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high", "spans"), [(-0.01, 0.11, True), (0.0, 0.2, True), (0.001, 0.2, False),
                                                    (-0.05, -0.01, False), (-0.05, 0.0, True), (None, None, None)])
def test_an_interval_spans_zero_unless_it_lies_strictly_on_one_side(low, high, spans) -> None:  # noqa: ANN001
    row = Indicator("x", "turnover_effect_2y", "all", 0.05, None, None, 40, "behind", ci_low=low, ci_high=high)
    assert row.spans_zero is spans
    assert row.hidden().spans_zero is None and row.hidden().ci_low is None


def test_every_matched_effect_comes_from_the_catalogue() -> None:
    assert effects.effect_codes() == ("turnover_effect_2y", "employment_effect_2y", "gross_profit_effect_2y")
    assert effects.placebo_codes() == ("turnover_pretrend",)


def test_effects_table_intervals_certainty_and_placebo_warning(data: ReportData) -> None:
    ctx = effects.context(data, Formatter("da"), FigureBook())
    rows = {r["name"]: r for r in ctx["rows"]}
    national, am, censec = rows["Nationalt niveau"], rows["AM Hub"], rows["CenSec"]
    turnover = 0  # column order: the three effects, then the placebo
    assert national["cells"][turnover]["value"] == "+7,8 %"
    assert national["cells"][turnover]["text"] == "95 %-interval: +6,3 % til +9,3 %"
    assert national["cells"][turnover]["uncertain"] is False
    assert am["cells"][turnover]["certainty"] == "Ikke statistisk sikker"  # -1 % .. +11 %
    assert censec["cells"][turnover]["uncertain"] is True  # the interval starts at exactly 0
    assert national["cells"][1]["text"] == "95 %-interval: -5,0 % til -1,0 %"  # employment, certain
    assert national["cells"][1]["uncertain"] is False
    # The placebo: spanning 0 is the good case; AM Hub's lies above 0 and is flagged.
    assert national["cells"][3]["certainty"] == "Ingen sikker forskel før deltagelsen"
    assert am["warning"] is True and national["warning"] is False
    assert am["cells"][3]["uncertain"] is False
    assert ctx["warning_where"] == "AM Hub (alle kohorter)"
    assert rows["DigitalLead"]["cells"][turnover]["value"] == "Diskretioneret (< 5 virksomheder)"
    assert rows["DigitalLead"]["cells"][turnover]["text"] == ""


def test_effect_chart_draws_each_interval_and_hides_suppressed_ones(data: ReportData) -> None:
    book = FigureBook()
    effects.context(data, Formatter("da"), book)
    fig = json.loads(book.figures[0]["json"])  # turnover_effect_2y
    traces = {t["name"]: t for t in fig["data"]}
    certain, uncertain = traces["Statistisk sikker"], traces["Ikke statistisk sikker"]
    assert certain["y"] == ["Nationalt niveau"]
    assert certain["error_x"]["arrayminus"] == [pytest.approx(0.015)]  # 0.078 - 0.063
    assert certain["error_x"]["array"] == [pytest.approx(0.015)]  # 0.093 - 0.078
    assert uncertain["y"] == ["AM Hub", "CenSec"]
    assert uncertain["error_x"]["arrayminus"] == [pytest.approx(0.06), pytest.approx(0.09)]
    assert uncertain["error_x"]["array"] == [pytest.approx(0.06), pytest.approx(0.11)]
    assert "DigitalLead" not in json.dumps(fig["data"][:2])
    assert fig["layout"]["xaxis"]["rangemode"] == "tozero"  # 0 is always on the axis


def test_suppressed_effect_and_its_interval_never_appear(html: dict[str, str]) -> None:
    for text in html.values():
        for leak in ("81,2", "94,3", "81.2", "94.3", "0.8123", "0.9432", "+90,0", "+90.0"):
            assert leak not in without_plotly(text), leak
        for _, blob in JSON_BLOCK.findall(text):
            assert "0.8123" not in blob and "0.9432" not in blob and "0.9," not in blob


def test_effects_section_words(html: dict[str, str]) -> None:
    da, en = _section(html["da"], "effects"), _section(html["en"], "effects")
    assert "Ikke statistisk sikker" in da and "Placebotest slår ud" in da
    assert "Not statistically certain" in en and "Placebo test fails" in en
    assert "Diskretioneret" not in en


# -- the six headlines ---------------------------------------------------------------------------


def test_tertiles_by_rank() -> None:
    # 11 distinct values: rank r -> floor(3r / 11): ranks 0-3 low, 4-7 middle, 8-10 high.
    positions = headlines.tertiles({str(v): float(v) for v in range(11)})
    assert [positions[str(v)] for v in range(11)] == ["low"] * 4 + ["mid"] * 4 + ["high"] * 3
    # Ties share the lower rank: 1, 1, 2 -> ranks 0, 0, 2 -> low, low, high (floor(6 / 3) = 2).
    assert headlines.tertiles({"a": 1.0, "b": 1.0, "c": 2.0}) == {"a": "low", "b": "low", "c": "high"}
    assert headlines.tertiles({"a": 1.0, "b": 2.0}) == {}  # too few to compare


def test_headline_columns_come_from_the_catalogue(data: ReportData) -> None:
    cols = headlines.columns(data)
    expected = [(letter, code) for letter, codes in catalogue().by_headline().items() for code in codes]
    assert [(c.headline, c.code) for c in cols] == expected
    assert {c.headline for c in cols} == set("abcdef")


def test_a_measure_by_year_is_compared_in_the_year_most_clusters_have(data: ReportData) -> None:
    assert headlines.comparison_period(data, "user_payment_share") == "2026"  # 2026, 2026, 2025
    ctx = headlines.context(data, Formatter("da"))
    col = next(i for i, c in enumerate(headlines.columns(data)) if c.code == "user_payment_share")
    rows = {r["name"]: r["cells"][col] for r in ctx["rows"]}
    assert rows["AM Hub"]["text"] == "12,0 %" and rows["DigitalLead"]["text"] == "–"  # no 2026 figure


def test_headline_cells_positioned_among_the_clusters_and_suppressed_stays_suppressed(data: ReportData) -> None:
    ctx = headlines.context(data, Formatter("da"))
    col = next(i for i, c in enumerate(headlines.columns(data)) if c.code == "sme_share")
    cells = {r["name"]: r["cells"][col] for r in ctx["rows"]}
    # Shown: 0.7 (Lifestyle), 0.8 (DigitalLead), 0.9 (AM Hub), 0.95 (Odense); ranks 0-3 of 4:
    # floor(3r / 4) = 0, 0, 1, 2.
    assert cells["Lifestyle and Design Cluster"]["position"] == "low"
    assert cells["DigitalLead"]["position"] == "low"
    assert cells["AM Hub"]["position"] == "mid"
    assert cells["Odense Robotics"]["position"] == "high"
    assert cells["Odense Robotics"]["position_label"] == "Øverste"  # told in text, not only colour
    assert cells["CenSec"] == {"text": "Diskretioneret (< 5 virksomheder)", "position": "none",
                               "position_label": "", "suppressed": True}


def test_headlines_table_has_no_composite_score(html: dict[str, str]) -> None:
    section = _section(html["da"], "headlines")
    table = section[section.index('<table class="data compact stack-wide headlines-table'):]
    first_row = table[table.index("<tbody>"):].split("</tr>")[0]
    assert first_row.count("<td ") == sum(len(codes) for codes in catalogue().by_headline().values())
    for letter in "abcdef":
        assert f"{letter})" in section
    assert "score" not in section.lower().replace("ingen samlet score", "")


# -- flagged clusters ----------------------------------------------------------------------------


def test_flagged_clusters_count_only_performance_shortfalls(data: ReportData) -> None:
    # Lifestyle's critical count counts; DigitalLead has a data note only; ALL is not a cluster.
    # AM Hub's dq_pretrend is a data note.
    assert flagged_clusters(data) == [("lifestyle-design", "ERROR")]
