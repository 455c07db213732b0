"""Flags that mean what they say (issue 19, point 6), on hand-made marts rows.

Each rule has its own test: the verdict and the most serious issue come from the latest, largest
performance shortfall; data notes are labelled and never make a cluster amber; each shortfall is
counted once (its latest period); its size is the relative gap to the level its rule compares with.
"""

from __future__ import annotations

import re

import pytest

from pipelines.core.warehouse import connect_writer
from reports.data import ReportData, load_report_data
from reports.render import build_html
from reports.shortfalls import cluster_shortfalls, data_notes, shortfall_size, verdict_of
from tests.report import fixture_data as fx
from tests.report.helpers import without_plotly

ind, flag = fx.add_indicator, fx.add_flag


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    path = fx.minimal(tmp_path_factory.mktemp("shortfalls") / "w.duckdb")
    with connect_writer(path) as con:
        # Copenhagen Fintech: a data note that sorts first by code, and two shortfalls of
        # different size; the larger one is the most serious issue.
        ind(con, "copenhagen-fintech", "smes_concepts", "to_date", 19, 57, 27, 19, "behind")
        ind(con, "copenhagen-fintech", "smes_collective", "to_date", 300, 462, 280, 300, "on_track")
        ind(con, "copenhagen-fintech", "private_cofinancing_share", "2026", 0.40, 0.45, None, None, "behind")
        flag(con, "copenhagen-fintech", "dq_unknown_theme", "to_date", "WARN")
        flag(con, "copenhagen-fintech", "smes_concepts", "to_date", "WARN")
        flag(con, "copenhagen-fintech", "private_cofinancing_share", "2026", "WARN")
        # Lifestyle: one co-financing shortfall flagged in four years counts once (2026), plus a
        # critical equity ratio of -80.6 % and critical liquidity of 0.6 months.
        ind(con, "lifestyle-design", "smes_collective", "to_date", 300, 483, 231, 300, "on_track")
        for year, value in ((2023, 0.143), (2024, 0.140), (2025, 0.141), (2026, 0.140)):
            ind(con, "lifestyle-design", "private_cofinancing_share", str(year), value, 0.40, None, None,
                "critical")
            flag(con, "lifestyle-design", "private_cofinancing_share", str(year), "ERROR")
        ind(con, "lifestyle-design", "equity_ratio", "2026", -0.806, None, None, None, "critical")
        flag(con, "lifestyle-design", "equity_ratio", "2026", "ERROR")
        ind(con, "lifestyle-design", "liquidity_months", "2025", 2.0, None, None, None, "behind")
        ind(con, "lifestyle-design", "liquidity_months", "2026", 0.6, None, None, None, "critical")
        flag(con, "lifestyle-design", "liquidity_months", "2025", "WARN")
        flag(con, "lifestyle-design", "liquidity_months", "2026", "ERROR")
        # CenSec: the 2025 liquidity shortfall is over (2026 on track): nothing counts; the
        # turnover effect's "all" row counts, a single cohort's flag does not.
        ind(con, "censec", "smes_collective", "to_date", 200, 371, 180, 200, "on_track")
        ind(con, "censec", "liquidity_months", "2025", 2.5, None, None, None, "behind")
        ind(con, "censec", "liquidity_months", "2026", 4.0, None, None, None, "on_track")
        flag(con, "censec", "liquidity_months", "2025", "WARN")
        ind(con, "censec", "turnover_effect_2y", "2025", -0.02, 0.07, None, 30, "critical")
        ind(con, "censec", "turnover_effect_2y", "all", 0.035, 0.07, None, 60, "behind")
        flag(con, "censec", "turnover_effect_2y", "2025", "ERROR")
        flag(con, "censec", "turnover_effect_2y", "all", "WARN")
        # DigitalLead: on track, with data notes only (a dq_ code and a code the catalogue lacks).
        ind(con, "digitallead", "smes_collective", "to_date", 400, 541, 300, 400, "on_track")
        flag(con, "digitallead", "dq_unverified_firms", "to_date", "WARN")
        flag(con, "digitallead", "some_new_check", "to_date", "WARN", "A new pipeline check")
        # Odense Robotics: a small critical shortfall outranks a large warning.
        ind(con, "odense-robotics", "equity_ratio", "2026", -0.01, None, None, None, "critical")
        flag(con, "odense-robotics", "equity_ratio", "2026", "ERROR")
        ind(con, "odense-robotics", "smes_collective", "to_date", 150, 432, 250, 150, "behind")
        flag(con, "odense-robotics", "smes_collective", "to_date", "WARN")
        return load_report_data(con, fx.AS_OF, 5)


@pytest.fixture(scope="module")
def html(data: ReportData) -> dict[str, str]:
    return {lang: without_plotly(build_html(data, lang)[0]) for lang in ("da", "en")}


def _flagged_row(html: str, name: str) -> str:
    table = html[html.index('<table class="data flagged'):]
    table = table[: table.index("</table>")]
    return next(r for r in table.split("<tr>") if f">{name}</a>" in r)


def _counts(row: str) -> tuple[int, int, int]:
    found = [int(re.search(rf'count-{k}[^"]*">(\d+)<', row).group(1)) for k in ("errors", "warnings", "notes")]
    return found[0], found[1], found[2]


def test_the_most_serious_issue_is_the_largest_shortfall_not_a_data_note(data, html):
    shortfalls = cluster_shortfalls(data, "copenhagen-fintech")
    # Sizes by hand: concepts (27 - 19) / 27 = 0.296; co-financing (0.45 - 0.40) / 0.45 = 0.111.
    assert [s.flag.indicator for s in shortfalls] == ["smes_concepts", "private_cofinancing_share"]
    assert shortfalls[0].size == pytest.approx(8 / 27)
    assert shortfalls[1].size == pytest.approx(0.05 / 0.45)
    row = _flagged_row(html["da"], "Copenhagen Fintech")
    assert "SMV&#39;er der udvikler koncepter: 19 mod forventet 27" in row
    assert "30 % under det forventede niveau nu (27)" in row
    assert "temakoder" not in row  # the data note is counted apart, never the worst issue
    assert _counts(row) == (0, 2, 1)


def test_severity_comes_before_size(data):
    shortfalls = cluster_shortfalls(data, "odense-robotics")
    # Equity -1 % (size 0.01, ERROR) before 150 of 250 expected (size 0.4, WARN).
    assert [(s.flag.indicator, round(s.size, 3)) for s in shortfalls] == [
        ("equity_ratio", 0.01), ("smes_collective", 0.4)]
    assert verdict_of(shortfalls, True) == "critical"


def test_data_notes_are_labelled_and_never_make_a_cluster_amber(data, html):
    assert cluster_shortfalls(data, "digitallead") == []
    assert [f.indicator for f in data_notes(data, "digitallead")] == ["dq_unverified_firms", "some_new_check"]
    assert verdict_of(cluster_shortfalls(data, "digitallead"), True) == "on_track"
    section = html["da"][html["da"].index('data-cluster="digitallead"'):]
    section = section[: section.index("</section>")]
    assert "På sporet" in section and "Kræver opmærksomhed" not in section
    assert section.count('class="badge s-note"') == 2 and "Datanote" in section
    assert "Datakvalitetsnoter" in section and "A new pipeline check" in section
    row = _flagged_row(html["da"], "DigitalLead")
    assert _counts(row) == (0, 0, 2)
    assert "kun datakvalitetsnoter" in row
    assert "Data-quality notes" in html["en"] and "Data note" in html["en"]


def test_each_shortfall_counts_once_in_its_latest_period(data, html):
    shortfalls = {s.flag.indicator: s for s in cluster_shortfalls(data, "lifestyle-design")}
    assert set(shortfalls) == {"private_cofinancing_share", "equity_ratio", "liquidity_months"}
    assert shortfalls["private_cofinancing_share"].flag.period == "2026"
    assert shortfalls["private_cofinancing_share"].also == ("2023", "2024", "2025")
    assert shortfalls["liquidity_months"].flag.period == "2026"
    assert _counts(_flagged_row(html["da"], "Lifestyle and Design Cluster")) == (3, 0, 0)  # not 6 + 1
    assert "Også flaget for 2023, 2024, 2025." in html["da"]


def test_an_earlier_shortfall_that_is_over_does_not_count(data, html):
    shortfalls = cluster_shortfalls(data, "censec")
    # Liquidity: 2026 is on track, so the 2025 flag is history. Turnover: the "all" row counts.
    assert [(s.flag.indicator, s.flag.period) for s in shortfalls] == [("turnover_effect_2y", "all")]
    assert shortfalls[0].also == ("2025",)
    assert _counts(_flagged_row(html["da"], "CenSec")) == (0, 1, 0)
    assert verdict_of(shortfalls, True) == "behind"


def test_size_is_the_relative_gap_to_the_rules_level(data):
    sizes = {
        (s.flag.indicator): s.size
        for cid in ("lifestyle-design", "censec", "copenhagen-fintech")
        for s in cluster_shortfalls(data, cid)
    }
    assert sizes["private_cofinancing_share"] == pytest.approx((0.45 - 0.40) / 0.45)  # Fintech
    assert sizes["liquidity_months"] == pytest.approx((3 - 0.6) / 3)  # 3 months: where "behind" ends
    assert sizes["equity_ratio"] == pytest.approx(0.806)  # level 0: the gap itself
    assert sizes["turnover_effect_2y"] == pytest.approx((0.07 - 0.035) / 0.07)  # the 7 % figure
    assert sizes["smes_concepts"] == pytest.approx((27 - 19) / 27)  # expected now
    lifestyle = {s.flag.indicator: s for s in cluster_shortfalls(data, "lifestyle-design")}
    assert lifestyle["private_cofinancing_share"].size == pytest.approx((0.40 - 0.140) / 0.40)
    # The most serious of Lifestyle's three critical shortfalls is the largest: equity 0.806 >
    # liquidity 0.8 > co-financing 0.65.
    assert [s.flag.indicator for s in cluster_shortfalls(data, "lifestyle-design")] == [
        "equity_ratio", "liquidity_months", "private_cofinancing_share"]


def test_a_hidden_figure_has_no_size(data):
    row = data.get("copenhagen-fintech", "smes_concepts", "to_date")
    assert shortfall_size(row.hidden(), data.thresholds) is None


def test_the_english_report_gives_the_size_in_english(html):
    assert "30% below the level expected now (27)" in html["en"]
    assert "negative equity equal to 80.6% of total assets" in html["en"]


def test_verdict_without_any_figure_is_no_data() -> None:
    assert verdict_of([], False) == "no_data"


def test_flagged_clusters_are_those_with_a_counted_shortfall(data: ReportData) -> None:
    """CenSec's 2025 liquidity is over but its turnover effect ('all') counts; DigitalLead has
    data notes only; the most serious severity of each, ERROR first."""
    from reports.shortfalls import flagged_clusters

    assert flagged_clusters(data) == [
        ("lifestyle-design", "ERROR"), ("odense-robotics", "ERROR"),
        ("censec", "WARN"), ("copenhagen-fintech", "WARN"),
    ]
