"""Plotly figure builders for the board report.

Every builder returns a plain figure dict (``{"data": ..., "layout": ...}``) that the page draws
with the one embedded copy of plotly.js. Rules kept here:

* Text that comes from input (cluster names) is HTML-escaped before it goes into a figure, because
  Plotly renders a subset of HTML in labels; escaped entities are shown as plain text.
* Hover texts are pre-formatted in Python with :class:`reports.i18n.Formatter`, so that charts
  and prose format numbers the same way (``7,0 %``), and suppressed figures never reach the chart
  data: the loader has already replaced their values with ``None``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from typing import Any

import plotly.graph_objects as go

from reports.data import FUNDING_COLUMNS, PRIVATE_COLUMNS, PUBLIC_COLUMNS, ReportData
from reports.i18n import Formatter

STATUS_COLOURS: dict[str, str] = {
    "on_track": "#1a7f37",
    "behind": "#d4a72c",
    "critical": "#cf222e",
    "no_target": "#57606a",
    "suppressed": "#afb8c1",
    "no_data": "#afb8c1",
}
NAVY = "#12355b"
EXPECTED_COLOUR = "#24292f"
TARGET_COLOUR = "#d0d7de"
# Private funding lines in blues, public ones in oranges (the contract says which is which).
FUNDING_COLOURS: dict[str, str] = dict(
    zip(PRIVATE_COLUMNS, ("#0b4f8a", "#2f81c7", "#6cb4ee", "#a8d1f5"), strict=False)
) | dict(zip(PUBLIC_COLUMNS, ("#c2571a", "#f0a56b"), strict=False))
SERIES_COLOURS = ("#0b4f8a", "#c2571a", "#1a7f37", "#8250df")
# The strategic signals of the board decision, in the order they are drawn.
SIGNALS = ("activities_defence_share", "activities_ai_share")

FigureDict = dict[str, Any]


def esc(text: object) -> str:
    """Escape text from input for use inside a Plotly label (Plotly decodes the entities)."""
    return html.escape(str(text), quote=True)


def to_safe_json(figure: FigureDict) -> str:
    """JSON for a ``<script type="application/json">`` block that cannot break out of it.

    ``<``, ``>`` and ``&`` only occur inside JSON strings, where ``\\u003c`` etc. mean the same
    character; U+2028/2029 are escaped for old parsers.
    """
    text = json.dumps(figure, ensure_ascii=False, separators=(",", ":"), default=str)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _finish(fig: go.Figure, fmt: Formatter, height: int = 320, **layout: Any) -> FigureDict:
    """Apply the report's house style and return the figure as a plain dict."""
    base: dict[str, Any] = {
        "template": "none",
        "height": height,
        "separators": fmt.plotly_separators,
        "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
                 "size": 12, "color": "#24292f"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 60, "r": 20, "t": 20, "b": 50},
        "legend": {"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0, "font": {"size": 11}},
        "hoverlabel": {"font": {"size": 12}},
    }
    fig.update_xaxes(showgrid=False, linecolor="#8c959f", ticks="outside", tickcolor="#8c959f",
                     automargin=True)
    fig.update_yaxes(gridcolor="#eaeef2", zeroline=True, zerolinecolor="#8c959f", automargin=True)
    base.update(layout)
    fig.update_layout(**base)
    out = fig.to_plotly_json()
    out["layout"].pop("template", None)
    return out


def _expected_path(
    data: ReportData, cluster_id: str, grant_type: str, fallback_target: float
) -> tuple[list[str], list[float]]:
    """The prorated target over time: Σ target × elapsed fraction, evaluated at breakpoints."""
    grants = [
        g for g in data.grants
        if g.grant_type == grant_type and (cluster_id == "ALL" or g.cluster_id == cluster_id)
        and g.period_end > g.period_start
    ]
    if not grants:
        start, end = dt.date(2025, 1, 1), dt.date(2028, 12, 31)
        return [start.isoformat(), end.isoformat()], [0.0, float(fallback_target)]
    points = sorted({g.period_start for g in grants} | {g.period_end for g in grants} | {data.as_of})
    values = []
    for t in points:
        total = 0.0
        for g in grants:
            frac = (t - g.period_start).days / (g.period_end - g.period_start).days
            total += g.target_smes * min(max(frac, 0.0), 1.0)
        values.append(total)
    return [p.isoformat() for p in points], values


def trajectory(
    data: ReportData, fmt: Formatter, cluster_id: str, indicator: str, grant_type: str,
    fallback_target: float,
) -> FigureDict:
    """Actual count at ``as_of`` against the prorated path and the 2028 target."""
    row = data.get(cluster_id, indicator, "to_date")
    target = row.target if row and row.target is not None else fallback_target
    xs, ys = _expected_path(data, cluster_id, grant_type, target)
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines", name=esc(fmt.t("expected_path")),
        line={"color": EXPECTED_COLOUR, "dash": "dot", "width": 2},
        customdata=[fmt.integer(v) for v in ys],
        hovertemplate=("%{x|%d.%m.%Y}" if fmt.lang == "da" else "%{x|%Y-%m-%d}")
        + ": %{customdata}<extra>" + esc(fmt.t("expected_path")) + "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[xs[0], xs[-1]], y=[target, target], mode="lines", name=esc(fmt.t("target_2028")),
        line={"color": NAVY, "width": 1.5, "dash": "dash"},
        customdata=[fmt.integer(target)] * 2,
        hovertemplate="%{customdata}<extra>" + esc(fmt.t("target_2028")) + "</extra>",
    ))
    if row is not None and row.value is not None:
        fig.add_trace(go.Scatter(
            x=[data.as_of.isoformat()], y=[row.value], mode="markers+text",
            name=esc(fmt.t("actual")),
            marker={"size": 14, "color": STATUS_COLOURS.get(row.status, NAVY),
                    "line": {"color": "#ffffff", "width": 2}},
            text=[fmt.integer(row.value)], textposition="middle left",
            textfont={"size": 13, "color": STATUS_COLOURS.get(row.status, NAVY)},
            customdata=[fmt.integer(row.value)],
            hovertemplate="%{customdata}<extra>" + esc(fmt.t("actual")) + "</extra>",
        ))
    return _finish(
        fig, fmt, height=300,
        xaxis={"type": "date", "tickformat": "%Y", "dtick": "M12"},
        yaxis={"rangemode": "tozero", "tickformat": ",d"},
    )


def bullet(data: ReportData, fmt: Formatter, cluster_id: str) -> FigureDict:
    """Horizontal bullet chart: 2028 target (band), expected now (tick), actual (status bar)."""
    labels, targets, actuals, expecteds, colours = [], [], [], [], []
    t_hover, a_hover, e_hover = [], [], []
    for code in ("smes_concepts", "smes_collective"):
        row = data.get(cluster_id, code, "to_date")
        labels.append(esc(fmt.short(code)))
        targets.append(row.target if row else None)
        expecteds.append(row.expected if row else None)
        actuals.append(row.value if row else None)
        status = "suppressed" if row and row.suppressed else (row.status if row else "no_data")
        colours.append(STATUS_COLOURS.get(status, NAVY))
        t_hover.append(fmt.integer(row.target) if row and row.target is not None else "–")
        e_hover.append(fmt.integer(row.expected) if row and row.expected is not None else "–")
        if row and row.suppressed:
            a_hover.append(esc(fmt.t("suppressed", n=data.min_firms)))
        else:
            a_hover.append(fmt.integer(row.value) if row and row.value is not None else "–")
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=labels, x=targets, orientation="h", name=esc(fmt.t("target_2028")),
        marker={"color": TARGET_COLOUR}, width=0.7, customdata=t_hover,
        hovertemplate="%{customdata}<extra>" + esc(fmt.t("target_2028")) + "</extra>",
    ))
    fig.add_trace(go.Bar(
        y=labels, x=actuals, orientation="h", name=esc(fmt.t("actual")),
        marker={"color": colours}, width=0.34, customdata=a_hover,
        text=a_hover, textposition="outside", cliponaxis=False,
        hovertemplate="%{customdata}<extra>" + esc(fmt.t("actual")) + "</extra>",
    ))
    fig.add_trace(go.Scatter(
        y=labels, x=expecteds, mode="markers", name=esc(fmt.t("expected_short")),
        marker={"symbol": "line-ns", "size": 30, "line": {"width": 3, "color": EXPECTED_COLOUR}},
        customdata=e_hover,
        hovertemplate="%{customdata}<extra>" + esc(fmt.t("expected_short")) + "</extra>",
    ))
    return _finish(
        fig, fmt, height=220, barmode="overlay",
        margin={"l": 10, "r": 40, "t": 10, "b": 40},
        xaxis={"rangemode": "tozero", "tickformat": ",d", "showgrid": True, "gridcolor": "#eaeef2"},
        legend={"orientation": "h", "yanchor": "top", "y": -0.25, "x": 0},
    )


def cofinancing(data: ReportData, fmt: Formatter, cluster_id: str) -> FigureDict:
    """Private co-financing share per fiscal year (bars by status) against the promised share."""
    rows = data.series(cluster_id, "private_cofinancing_share")
    years = [r.period for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=years, y=[r.value for r in rows], name=esc(fmt.t("actual")),
        marker={"color": [STATUS_COLOURS.get(r.status, NAVY) for r in rows]},
        text=[fmt.percent(r.value) for r in rows], textposition="inside",
        insidetextanchor="start", textfont={"color": "#ffffff", "size": 13},
        customdata=[fmt.percent(r.value) for r in rows],
        hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.t("actual")) + "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=years, y=[r.target for r in rows], mode="lines+markers", name=esc(fmt.t("promised")),
        line={"color": EXPECTED_COLOUR, "dash": "dot", "width": 2},
        marker={"symbol": "diamond", "size": 9, "color": EXPECTED_COLOUR},
        customdata=[fmt.percent(r.target) for r in rows],
        hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.t("promised")) + "</extra>",
    ))
    top = max([v for r in rows for v in (r.value, r.target) if v is not None] or [0.5])
    return _finish(
        fig, fmt, height=280,
        xaxis={"type": "category"},
        yaxis={"tickformat": ".0%", "range": [0, min(1.0, top * 1.25) or 1.0]},
    )


def funding_mix(data: ReportData, fmt: Formatter, cluster_id: str) -> FigureDict:
    """Stacked funding sources per fiscal year, in millions of DKK."""
    rows = data.accounts.get(cluster_id, [])
    years = [str(int(r["fiscal_year"])) for r in rows]
    fig = go.Figure()
    for col in FUNDING_COLUMNS:
        values = [r[col] / 1e6 for r in rows]
        fig.add_trace(go.Bar(
            x=years, y=values, name=esc(fmt.funding(col)),
            marker={"color": FUNDING_COLOURS[col]},
            customdata=[fmt.mdkk(r[col]) for r in rows],
            hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.funding(col)) + "</extra>",
        ))
    return _finish(
        fig, fmt, height=300, barmode="stack",
        xaxis={"type": "category"},
        yaxis={"title": {"text": esc(fmt.t("funding_unit"))}, "tickformat": ",.0f"},
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.15, "x": 0, "font": {"size": 10}},
    )


def network(data: ReportData, fmt: Formatter, cluster_id: str) -> FigureDict:
    """Network density, SME-knowledge ties and demand-offering match per survey year (0..1)."""
    codes = ("network_density", "sme_knowledge_ties_share", "demand_offering_match")
    years = sorted({r.period for code in codes for r in data.series(cluster_id, code)})
    fig = go.Figure()
    for colour, code in zip(SERIES_COLOURS, codes, strict=False):
        by_year = {r.period: r for r in data.series(cluster_id, code)}
        vals = [by_year[y].value if y in by_year else None for y in years]
        fig.add_trace(go.Bar(
            x=years, y=vals, name=esc(fmt.indicator(code)), marker={"color": colour},
            customdata=[fmt.value(code, v) if v is not None else "–" for v in vals],
            hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.indicator(code)) + "</extra>",
        ))
    return _finish(
        fig, fmt, height=300, barmode="group",
        xaxis={"type": "category"},
        yaxis={"range": [0, 1], "tickformat": ".1f"},
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 10}},
    )


def signals_national(data: ReportData, fmt: Formatter) -> FigureDict:
    """Defence and AI shares of the activities per start year, nationally."""
    fig = go.Figure()
    for colour, code in zip(SERIES_COLOURS, SIGNALS, strict=False):
        rows = data.series("ALL", code)
        fig.add_trace(go.Scatter(
            x=[r.period for r in rows], y=[r.value for r in rows], mode="lines+markers+text",
            name=esc(fmt.short(code)), line={"color": colour, "width": 3}, marker={"size": 9},
            text=[fmt.percent(r.value) for r in rows], textposition="top center",
            customdata=[fmt.percent(r.value) for r in rows],
            hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.short(code)) + "</extra>",
        ))
    return _finish(
        fig, fmt, height=300,
        xaxis={"type": "category"},
        yaxis={"tickformat": ".0%", "rangemode": "tozero"},
        margin={"l": 60, "r": 30, "t": 30, "b": 50},
    )


def signals_by_cluster(data: ReportData, fmt: Formatter, year: str) -> FigureDict:
    """Defence and AI shares per cluster for one start year (grouped horizontal bars)."""
    names = [esc(c.organisation) for c in data.clusters]
    fig = go.Figure()
    for colour, code in zip(SERIES_COLOURS, SIGNALS, strict=False):
        vals = []
        for c in data.clusters:
            row = data.get(c.cluster_id, code, year)
            vals.append(row.value if row else None)
        fig.add_trace(go.Bar(
            y=names, x=vals, orientation="h", name=esc(fmt.short(code)), marker={"color": colour},
            customdata=[fmt.percent(v) for v in vals],
            hovertemplate="%{y}: %{customdata}<extra>" + esc(fmt.short(code)) + "</extra>",
        ))
    return _finish(
        fig, fmt, height=max(320, 34 * len(names) + 80), barmode="group",
        xaxis={"tickformat": ".0%", "rangemode": "tozero", "showgrid": True,
               "gridcolor": "#eaeef2"},
        yaxis={"autorange": "reversed", "zeroline": False},
        margin={"l": 10, "r": 20, "t": 10, "b": 40},
    )
