"""Secondary suppression (issue 19, point 7): no suppressed figure can be recovered from the
national total and the other clusters' figures. Applied at load time, per reporting date, for the
catalogue's ``summed`` indicators; each rule on hand-made marts rows."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from pathlib import Path

import pytest

from pipelines.core.catalogue import catalogue
from pipelines.core.warehouse import connect_writer
from reports.data import Indicator, ReportData, load_report_data, secondary_suppression
from reports.render import build_html
from tests.report import fixture_data as fx
from tests.report.helpers import without_plotly

JSON_BLOCK = re.compile(r'<script type="application/json" data-figure="[^"]+">(.*?)</script>', re.S)
D1, D2 = fx.OLD_AS_OF, fx.AS_OF


def row(cluster: str, value: float | None, suppressed: bool = False, as_of: dt.date = D2,
        code: str = "smes_collective") -> Indicator:
    if suppressed:
        return Indicator(cluster, code, "to_date", None, 100.0, 50.0, None, "on_track", True, as_of)
    return Indicator(cluster, code, "to_date", value, 100.0, 50.0, None if value is None else int(value),
                     "on_track", False, as_of)


def hidden(rows: list[Indicator]) -> set[str]:
    return {r.cluster_id for r in rows if r.suppressed}


def test_summed_indicators_are_the_catalogues() -> None:
    assert set(catalogue().codes_where(summed=True)) >= {"smes_collective", "smes_concepts"}


def test_one_suppressed_cluster_takes_the_next_smallest_with_it() -> None:
    rows = [row("ALL", 500), row("a", None, suppressed=True), row("b", 40), row("c", 12), row("d", 300)]
    out = secondary_suppression(rows)
    assert hidden(out) == {"a", "c"}  # c (12) is the smallest shown figure
    (c,) = [r for r in out if r.cluster_id == "c"]
    assert c.value is None and c.n_firms is None and c.secondary
    assert [r.cluster_id for r in out] == ["ALL", "a", "b", "c", "d"]  # order kept


def test_ties_are_broken_by_cluster_id() -> None:
    out = secondary_suppression([row("ALL", 100), row("z", None, True), row("y", 20), row("x", 20)])
    assert hidden(out) == {"z", "x"}


def test_two_suppressed_clusters_need_nothing_more() -> None:
    rows = [row("ALL", 500), row("a", None, True), row("b", None, True), row("c", 12)]
    assert hidden(secondary_suppression(rows)) == {"a", "b"}


def test_a_suppressed_national_figure_needs_nothing_more() -> None:
    rows = [row("ALL", None, True), row("a", None, True), row("c", 12)]
    assert hidden(secondary_suppression(rows)) == {"ALL", "a"}


def test_rows_without_a_figure_are_not_shown_figures() -> None:
    # b has no value (nothing measured): c is the only shown figure left, so c goes.
    rows = [row("ALL", 500), row("a", None, True), row("b", None), row("c", 200)]
    assert hidden(secondary_suppression(rows)) == {"a", "c"}
    # Without any other shown cluster figure the national one goes.
    rows = [row("ALL", 4), row("a", None, True), row("b", None)]
    assert hidden(secondary_suppression(rows)) == {"a", "ALL"}


def test_indicators_that_are_not_summed_are_left_alone() -> None:
    rows = [row("ALL", 0.5, code="sme_share"), row("a", None, True, code="sme_share"),
            row("b", 0.4, code="sme_share")]
    assert hidden(secondary_suppression(rows)) == {"a"}


def test_each_reporting_date_on_its_own() -> None:
    rows = [
        row("ALL", 500, as_of=D1), row("a", None, True, as_of=D1), row("b", 40, as_of=D1), row("c", 60, as_of=D1),
        row("ALL", 600, as_of=D2), row("a", 8, as_of=D2), row("b", 45, as_of=D2), row("c", 70, as_of=D2),
    ]
    out = secondary_suppression(rows)
    assert {(r.as_of, r.cluster_id) for r in out if r.suppressed} == {(D1, "a"), (D1, "b")}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> ReportData:
    """odense-robotics rests on 3 SMEs developing concepts on both dates; the smallest other
    figure is CLEAN's on 30 June (7) and Danish Life Science's now (9)."""
    path = fx.minimal(tmp_path_factory.mktemp("disclosure") / "w.duckdb")
    values = {
        D1: {"odense-robotics": 3, "clean": 7, "danish-life-science": 30, "censec": 11, "am-hub": 40},
        D2: {"odense-robotics": 3, "clean": 25, "danish-life-science": 9, "censec": 14, "am-hub": 52},
    }
    with connect_writer(path) as con:
        for cid in values[D2]:
            fx.add_grant(con, cid, "innovation", dt.date(2025, 1, 1), dt.date(2028, 12, 31), 60)
        fx.build_report_side_marts(con)
        for as_of, by_cluster in values.items():
            for cid, v in by_cluster.items():
                fx.add_indicator(con, cid, "smes_concepts", "to_date", v, 60, 30, v, "on_track", as_of=as_of)
            total = sum(by_cluster.values())
            fx.add_indicator(con, "ALL", "smes_concepts", "to_date", total, 300, 150, total, "on_track",
                             as_of=as_of)
        return load_report_data(con, D2, 5)


def test_the_report_hides_the_next_smallest_cluster_now_and_in_the_trend(data: ReportData) -> None:
    now = data.get("danish-life-science", "smes_concepts", "to_date")
    assert now.suppressed and now.secondary and now.value is None
    assert data.get("clean", "smes_concepts", "to_date").value == 25
    history = {r.as_of: r for r in data.history[("clean", "smes_concepts", "to_date")]}
    assert history[D1].suppressed and history[D2].value == 25
    assert data.get("ALL", "smes_concepts", "to_date").value == 3 + 25 + 9 + 14 + 52


def test_no_suppressed_figure_can_be_recovered_on_any_date(data: ReportData) -> None:
    groups: dict[tuple, list[Indicator]] = defaultdict(list)
    for rows in data.history.values():
        for r in rows:
            groups[(r.as_of, r.indicator, r.period)].append(r)
    for key, rows in groups.items():
        national = [r for r in rows if r.cluster_id == "ALL"]
        if national and not national[0].suppressed:
            assert sum(r.suppressed for r in rows if r.cluster_id != "ALL") != 1, key


def test_the_hidden_figures_are_nowhere_in_the_html(data: ReportData) -> None:
    for lang in ("da", "en"):
        html = build_html(data, lang)[0]
        body = without_plotly(html)
        section = body[body.index('data-cluster="danish-life-science"'):]
        section = section[: section.index("</section>")]
        assert re.search(r'kpi-value num">\s*(Diskretioneret|Suppressed)', section)
        assert ("så et andet tal ikke kan regnes ud" if lang == "da" else "cannot be worked out") in section
        for blob in JSON_BLOCK.findall(html):
            figure = json.loads(blob)
            assert ": 9<" not in json.dumps(figure)
        # No sparkline or path point shows the hidden values (9 now, 7 on 30 June for CLEAN).
        assert not re.search(r"<title>[^<]*: 9</title>", section)
        clean = body[body.index('data-cluster="clean"'):]
        clean = clean[: clean.index("</section>")]
        assert not re.search(r"<title>[^<]*: 7</title>", clean)
        assert re.search(r"<title>[^<]*: 25</title>", clean)


def test_the_fixture_report_suppresses_the_next_smallest_cluster(warehouse: Path) -> None:
    """In the standard fixture odense-robotics has 3 SMEs developing concepts: one more cluster
    goes, the one with the fewest."""
    with connect_writer(warehouse) as con:
        data = load_report_data(con, fx.AS_OF, 5)
    shown = {c: data.get(c.cluster_id, "smes_concepts", "to_date") for c in data.clusters}
    suppressed = [c.cluster_id for c, r in shown.items() if r.suppressed]
    assert fx.SUPPRESSED_CONCEPTS_CLUSTER in suppressed and len(suppressed) == 2
    (other,) = [c for c in suppressed if c != fx.SUPPRESSED_CONCEPTS_CLUSTER]
    with connect_writer(warehouse) as con:
        raw = dict(con.execute(
            "SELECT cluster_id, value FROM marts.indicators WHERE indicator = 'smes_concepts' "
            "AND as_of = ? AND cluster_id NOT IN ('ALL', ?)", [fx.AS_OF, fx.SUPPRESSED_CONCEPTS_CLUSTER],
        ).fetchall())
    assert raw[other] == min(raw.values())
