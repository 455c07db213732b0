"""What the clusters did (issue 19, point 5): per cluster the five activities with the most SMEs,
the title as text only (untrusted input), the theme in the report's language, the start date and
the SMEs, suppressed below the threshold while the title is still shown."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable
from pathlib import Path

from pipelines.core.warehouse import connect_writer
from tests.report import fixture_data as fx
from tests.report.helpers import without_plotly

Render = Callable[..., tuple[Path, str]]


def _activities(body: str, cluster_id: str) -> str:
    section = body[body.index(f'data-cluster="{cluster_id}"'):]
    section = section[section.index('class="data compact stack top-activities"'):]
    return section[: section.index("</table>")]


def test_every_activity_title_is_escaped(render: Render, warehouse: Path) -> None:
    with connect_writer(warehouse) as con:
        titles = [t for (t,) in con.execute(
            "SELECT title FROM marts.top_activities WHERE as_of = ?", [fx.AS_OF]).fetchall()]
    for lang in ("da", "en"):
        _, text = render(lang=lang)
        body = without_plotly(text)
        assert fx.ACTIVITY_XSS not in text and "<img" not in body and "<b>Workshop" not in body
        shown = re.findall(r'<span class="title-text">(.*?)</span>', body)
        assert len(shown) == len(titles) == 11 * 5
        # Every title is shown as text: no markup in the cell, and unescaped it is the title again.
        assert all("<" not in cell and ">" not in cell for cell in shown)
        assert sorted(html_lib.unescape(cell) for cell in shown) == sorted(titles)
        assert text.count("<script") == text.count("<script type=\"application/json\" data-figure=") + 2


def test_five_activities_per_cluster_with_theme_start_and_smes(render: Render) -> None:
    _, da = render()
    table = _activities(without_plotly(da), "clean")
    rows = table.split("<tr>")[2:]
    assert len(rows) == 5
    assert "Aktivitet 2 i clean" in rows[1] and "Kunstig intelligens" in rows[1]
    assert "10.2.2026" in rows[1] and ">30</td>" in rows[1]  # 40 - 5 x 2 SMEs
    assert "Grøn omstilling" in rows[0] and "Kollektiv aktivitet" in rows[0]
    assert "Innovationssamarbejde" in rows[4]
    _, en = render(lang="en")
    table = _activities(without_plotly(en), "clean")
    assert "Artificial intelligence" in table and "Green transition" in table and "10 Feb 2026" in table
    assert "Innovation collaboration" in table


def test_a_small_count_is_suppressed_and_its_title_still_shown(render: Render) -> None:
    _, da = render()
    table = _activities(without_plotly(da), "censec")
    last = table.split("<tr>")[-1]
    assert fx.SMALL_ACTIVITY_TITLE in last
    assert re.search(r'class="num suppressed"[^>]*>Diskretioneret</td>', last)
    assert ">3</td>" not in last
