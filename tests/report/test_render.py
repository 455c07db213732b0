"""The board report rendered from a small fixture warehouse."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from pipelines.core.config import deployment_paths
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_writer
from reports import render_report, render_report_result
from reports.render import MAX_REPORT_BYTES
from tests.report import fixture_data as fx
from tests.report.helpers import settings_for, without_plotly

Render = Callable[..., tuple[Path, str]]
JSON_BLOCK = re.compile(r'<script type="application/json" data-figure="([^"]+)">(.*?)</script>', re.S)


def test_writes_dated_and_latest_files_atomically(render: Render) -> None:
    path, text = render()
    assert path.name == "impact_report_2026-11-30.html"
    latest = path.parent / "impact_report.html"
    assert latest.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "impact_report.html",
        "impact_report_2026-11-30.html",
    ]
    assert path.stat().st_size < MAX_REPORT_BYTES


def test_failed_write_leaves_no_temp_file_and_keeps_the_old_report(
    render: Render, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, before = render()

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        render(reports=path.parent)
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "impact_report.html",
        "impact_report_2026-11-30.html",
    ]
    assert path.read_text(encoding="utf-8") == before


def test_plotly_is_embedded_once_and_nothing_is_fetched(render: Render) -> None:
    _, text = render()
    assert text.count("* plotly.js (basic - minified) v") == 1
    assert text.count('<script id="plotly-js">') == 1
    body = without_plotly(text)
    assert "cdn.plot.ly" not in body
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"?(https?:)?//", body)


def test_the_embedded_bundle_is_plotly_pys_version_and_draws_every_figure(render: Render) -> None:
    """The basic bundle (reports/vendor) is the plotly.js version plotly.py builds the figures
    for, and holds every trace type the figures use."""
    from plotly.offline import get_plotlyjs

    from reports.render import PLOTLY_BUNDLE, PLOTLY_TRACE_TYPES

    version = re.compile(r"plotly\.js(?: \(basic - minified\))? (v[0-9.]+)")
    assert version.search(PLOTLY_BUNDLE.read_text(encoding="utf-8")[:200]).group(1) == version.search(
        get_plotlyjs()[:200]).group(1)
    _, text = render()
    types = {trace.get("type", "scatter") for _, blob in JSON_BLOCK.findall(text) for trace in json.loads(blob)["data"]}
    assert types and types <= PLOTLY_TRACE_TYPES


def test_danish_numbers_and_headings(render: Render) -> None:
    _, text = render()
    body = without_plotly(text)
    assert '<html lang="da">' in text
    assert "Er vi på sporet mod 2028?" in body
    for expected in ("2.480", "2.762", "5.562", "683", "+7,1 %", "7,0 %", "33,2 %", "35,0 %",
                     "baseret på 212 virksomheder", "30. november 2026", "29,8 mio. kr."):
        assert expected in body, expected
    # No English-style thousands or decimals for the headline figures.
    assert "2,480" not in body and "7.1%" not in body


def test_all_granted_clusters_have_a_section(render: Render, warehouse: Path) -> None:
    _, text = render()
    with connect_writer(warehouse) as con:
        clusters = con.execute("SELECT cluster_id, organisation FROM reference.clusters").fetchall()
    assert len(clusters) == 11
    assert text.count('<section class="section cluster"') == 11
    for cluster_id, organisation in clusters:
        assert f'data-cluster="{cluster_id}"' in text
        assert html_lib.escape(organisation) in text


def test_flagged_clusters_worst_first(render: Render) -> None:
    _, text = render()
    table = text[text.index('<table class="data flagged'):]
    table = table[: table.index("</table>")]
    rows = re.findall(
        r'count-errors[^"]*">(\d+)</span>.*?count-warnings[^"]*">(\d+)</span>.*?count-notes[^"]*">(\d+)</span>',
        table, re.S,
    )
    counts = [(int(e), int(w), int(n)) for e, w, n in rows]
    assert counts, "no flagged clusters listed"
    assert [c[:2] for c in counts] == sorted((c[:2] for c in counts), key=lambda c: (-c[0], -c[1]))


def test_small_figures_are_suppressed_everywhere(render: Render) -> None:
    _, text = render()
    body = without_plotly(text)
    assert "Diskretioneret (&lt; 5 virksomheder)" in body
    for leak in ("8765", "87,7", "87.7"):
        assert leak not in body, leak
    # Not in any figure's data either.
    for _, blob in JSON_BLOCK.findall(text):
        assert "0.876" not in blob


def test_only_rows_up_to_the_runs_as_of(warehouse: Path, tmp_path: Path) -> None:
    """Earlier reporting dates are the trend; a later one never shows, nor an earlier date's flags."""
    with connect_writer(warehouse) as con:
        fx.add_later_run(con)
        path = render_report(con, settings_for(warehouse, tmp_path / "out"))
    body = without_plotly(path.read_text(encoding="utf-8"))
    assert "9.876" not in body and "9876" not in body
    assert "from an old run" not in body and "from a later run" not in body
    assert "+412 siden 30. juni 2026" in body  # 2.480 now, 2.068 on 30 June 2026


def test_input_text_is_escaped(warehouse: Path, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    with connect_writer(warehouse) as con:
        con.execute(
            "UPDATE reference.board_decision SET organisation = ? WHERE cluster_id = 'am-hub'", [evil]
        ).fetchall()
        fx.build_report_side_marts(con)  # as the next run's models would
        path = render_report(con, settings_for(warehouse, tmp_path / "out"))
    text = path.read_text(encoding="utf-8")
    assert evil not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text  # name and flag message, as text
    # Only our own script elements: the figure data, plotly.js and the drawing script.
    blocks = JSON_BLOCK.findall(text)
    assert text.count("<script") == len(blocks) + 2
    for _, blob in blocks:
        assert "<" not in blob and ">" not in blob
        json.loads(blob)
    # In the charts the name is HTML-escaped too (Plotly renders a subset of HTML in labels).
    assert any("&lt;script&gt;" in json.loads(blob).__repr__() for _, blob in blocks)


def test_english_on_request(render: Render) -> None:
    _, text = render(lang="en")
    body = without_plotly(text)
    assert '<html lang="en">' in text
    assert "Are we on track for 2028?" in body
    for expected in ("2,480", "5,562", "+7.1%", "7.0%", "Suppressed (&lt; 5 firms)", "30 November 2026"):
        assert expected in body, expected
    assert "Diskretioneret" not in body


def test_figures_are_valid_json_and_counted(render: Render) -> None:
    _, text = render()
    blocks = JSON_BLOCK.findall(text)
    assert len(blocks) >= 11 * 2 + 3  # funding and network per cluster, the national charts
    assert f'data-figures="{len(blocks)}"' in text
    for fig_id, blob in blocks:
        figure = json.loads(blob)
        assert figure["data"] and "layout" in figure, fig_id
        assert f'id="{fig_id}"' in text
        assert figure["layout"]["separators"] == ",."


def test_renders_an_empty_warehouse(tmp_path: Path) -> None:
    from assets.models.models import run_all

    with connect_writer(tmp_path / "empty.duckdb") as con:
        run_all(con, fx.AS_OF)  # a first run on an empty inbox builds every model, then the report
        result = render_report_result(con, settings_for(tmp_path / "empty.duckdb", tmp_path / "out"))
    text = result.path.read_text(encoding="utf-8")
    assert text.count('<section class="section cluster"') == 11
    with connect_writer(tmp_path / "empty.duckdb") as con:
        flags = con.execute("SELECT DISTINCT indicator FROM marts.flags").fetchall()
    assert flags == [("dq_missing_grant",)]  # no grants registered yet: every cluster is told so
    assert result.flagged_clusters == 0  # a data note never makes a cluster flagged


def test_dagster_asset_materialises(warehouse: Path, tmp_path: Path) -> None:
    from assets.report.definitions import defs, impact_report

    assert impact_report.key == dg.AssetKey(["reports", "impact_report"])
    spec = next(iter(impact_report.specs))
    assert spec.group_name == "report"
    assert set(spec.kinds) == {"html", "plotly"}
    assert {d.asset_key for d in spec.deps} == {  # the models of the marts it reads, no others
        dg.AssetKey(["marts", name])
        for name in ("indicators", "flags", "programme", "cluster_accounts", "data_quality", "top_activities")
    }
    assert impact_report in list(defs.assets or [])
    resource = WarehouseResource(as_of=fx.AS_OF.isoformat())
    with deployment_paths(warehouse=warehouse, reports=tmp_path / "dagster"):
        result = dg.materialize([impact_report], resources={"warehouse": resource})
    assert result.success
    (mat,) = result.asset_materializations_for_node("reports__impact_report")
    meta = mat.metadata
    assert Path(meta["path"].value).name == "impact_report_2026-11-30.html"
    assert meta["size_bytes"].value == Path(meta["path"].value).stat().st_size
    assert meta["n_figures"].value > 0
    assert meta["flagged_clusters"].value >= 1


def test_a_backfill_writes_its_dated_report_and_leaves_the_latest_alone(warehouse, tmp_path):
    from pipelines.core.config import load_settings
    from pipelines.core.warehouse import connect_writer
    from reports.render import render_report_result
    from tests.report import fixture_data

    out = tmp_path / "reports"
    with connect_writer(warehouse) as con:
        newest = render_report_result(
            con, load_settings(warehouse=warehouse, reports=out, as_of=fixture_data.AS_OF)
        )
        backfill = render_report_result(
            con, load_settings(warehouse=warehouse, reports=out, as_of=fixture_data.OLD_AS_OF)
        )
    assert fixture_data.OLD_AS_OF < fixture_data.AS_OF
    assert newest.latest_path == out / "impact_report.html"
    assert backfill.latest_path is None
    assert backfill.path == out / f"impact_report_{fixture_data.OLD_AS_OF.isoformat()}.html"
    assert backfill.path.exists()
    assert (out / "impact_report.html").read_bytes() == newest.path.read_bytes()


def test_neither_report_repeats_the_pipelines_flag_messages(warehouse, tmp_path):
    """A known flag is a sentence in the report's language only: the pipeline's English messages
    (Danish number style, firm counts of data-quality messages) stay in marts.flags."""
    from pipelines.core.warehouse import connect_writer
    from reports.render import render_report_result
    from tests.report import fixture_data
    from tests.report.helpers import settings_for

    with connect_writer(warehouse) as con:
        con.execute(
            "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) VALUES "
            "('clean', 'dq_unknown_theme', 'to_date', 'WARN', 'Clean: 2 activities with unknown theme codes (quantum)', ?)",
            [fixture_data.AS_OF],
        ).fetchall()
        english_status = con.execute(
            "SELECT message FROM marts.flags WHERE as_of = ? AND indicator = 'liquidity_months' LIMIT 1",
            [fixture_data.AS_OF],
        ).fetchall()[0][0]
        html = {
            lang: render_report_result(con, settings_for(warehouse, tmp_path / lang, lang)).path.read_text(
                encoding="utf-8"
            )
            for lang in ("da", "en")
        }
    dq_message = "2 activities with unknown theme codes (quantum)"
    for lang in ("da", "en"):
        assert english_status not in html[lang] and dq_message not in html[lang]
    assert "Aktiviteter med ukendte temakoder er talt med som" in html["da"]  # its Danish sentence
    assert "Activities with unknown theme codes are counted as" in html["en"]


def test_the_report_reads_the_marts_only(warehouse: Path, tmp_path: Path) -> None:
    """With every table outside ``marts`` dropped (staging, meta, quality, reference, ...), the
    report renders the same page: it reads nothing but the marts its asset depends on."""
    from reports.data import REPORT_TABLES

    with connect_writer(warehouse) as con:
        full = render_report_result(con, settings_for(warehouse, tmp_path / "full"))
        objects = con.execute(
            "SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name <> 'marts' "
            "UNION ALL SELECT schema_name, view_name, 'VIEW' FROM duckdb_views() "
            "WHERE NOT internal AND schema_name <> 'marts'"
        ).fetchall()
        assert any(s == "staging" for s, _, _ in objects)
        for schema, name, kind in objects:
            con.execute(f'DROP {kind} "{schema}"."{name}" CASCADE').fetchall()
        marts = {f"marts.{t}" for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()}
        assert set(REPORT_TABLES) <= marts
        alone = render_report_result(con, settings_for(warehouse, tmp_path / "alone"))
    strip = lambda text: re.sub(r'<p class="generated">.*?</p>', "", text)  # noqa: E731
    assert strip(alone.path.read_text(encoding="utf-8")) == strip(full.path.read_text(encoding="utf-8"))


def test_a_free_liquidity_flag_is_a_sentence_in_the_reports_language(warehouse, tmp_path):
    """free_liquidity_months (added November 2026) is flagged with its catalogue sentence; the
    pipeline's English message stays out of the Danish report."""
    from pipelines.core.warehouse import connect_writer
    from reports.render import render_report_result
    from tests.report import fixture_data
    from tests.report.helpers import settings_for

    message = "Odense Robotics: cash net of unspent advance payments equals -0,4 months of costs in 2026"
    with connect_writer(warehouse) as con:
        con.execute(
            "INSERT INTO marts.indicators (cluster_id, indicator, period, value, status, as_of) "
            "VALUES ('odense-robotics', 'free_liquidity_months', '2026', -0.36, 'critical', ?)",
            [fixture_data.AS_OF],
        ).fetchall()
        con.execute(
            "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) "
            "VALUES ('odense-robotics', 'free_liquidity_months', '2026', 'ERROR', ?, ?)",
            [message, fixture_data.AS_OF],
        ).fetchall()
        html = {
            lang: render_report_result(con, settings_for(warehouse, tmp_path / lang, lang)).path.read_text(
                encoding="utf-8"
            )
            for lang in ("da", "en")
        }
    assert "Likviditeten uden forskud i 2026 svarer til -0,4 måneders drift." in html["da"]
    assert message not in html["da"]
    assert "Liquidity without advances in 2026 covers -0.4 months of operation." in html["en"]



def test_a_pretrend_flag_is_suppressed_with_its_placebo_row(warehouse: Path, tmp_path: Path) -> None:
    """dq_pretrend is raised on a turnover_pretrend row (catalogue: its ``indicator``). On a row of
    fewer than 5 firms the flag is suppressed with it: its message (which quotes the placebo and
    its interval) appears in no report; on a row of 900 firms the catalogue's sentence is shown and
    the English report adds the message."""
    small = "Censec: in the year before taking part, the firms of all cohorts already grew 87,7 % more"
    large = "All clusters: in the year before taking part, the firms of all cohorts already grew 3,1 % more"
    with connect_writer(warehouse) as con:
        for cluster, value, n_firms, message in (("censec", 0.8765, 3, small), ("ALL", 0.031, 900, large)):
            con.execute(
                "INSERT INTO marts.indicators (cluster_id, indicator, period, value, target, expected, "
                "n_firms, status, as_of, ci_low, ci_high) VALUES (?, 'turnover_pretrend', 'all', ?, NULL, "
                "NULL, ?, 'no_target', ?, ?, ?)",
                [cluster, value, n_firms, fx.AS_OF, value / 2, value * 2],
            ).fetchall()
            con.execute(
                "INSERT INTO marts.flags (cluster_id, indicator, period, severity, message, as_of) "
                "VALUES (?, 'dq_pretrend', 'all', 'WARN', ?, ?)",
                [cluster, message, fx.AS_OF],
            ).fetchall()
        html = {
            lang: render_report_result(con, settings_for(warehouse, tmp_path / lang, lang)).path.read_text(
                encoding="utf-8"
            )
            for lang in ("da", "en")
        }
    for lang in ("da", "en"):
        assert small not in html[lang] and "87,7" not in without_plotly(html[lang])
    # no pipeline message in either report (the analysts have marts.flags): the sentence instead
    assert large not in html["en"] and large not in html["da"]
    assert "effektestimatet kan være skævt (alle kohorter)." in html["da"]  # the period is named
    assert "Participants already grew differently from the control group" in html["en"]


def test_every_section_is_on_the_page_and_in_the_contents(render: Render) -> None:
    from reports.i18n import Formatter
    from reports.sections import SECTIONS

    _, text = render()
    toc = text[text.index('<nav class="toc"'):]
    toc = toc[: toc.index("</nav>")]
    for section in SECTIONS:
        assert f'id="{section.anchor}"' in text, section
        assert f'href="#{section.anchor}">{html_lib.escape(Formatter("da").t(section.heading))}</a>' in toc
