"""Figure builders for the board report.

The Plotly builders return a plain figure dict (``{"data": ..., "layout": ...}``) that the page
draws with the one embedded copy of plotly.js. The small charts inside the headline cards (a
cluster's path to its target, a national figure's path over the reporting dates) are inline SVG:
:func:`mini_trajectory` and :func:`sparkline` return their geometry (numbers and our own texts
only) and the ``mini_chart`` macro draws it, so they need no script and print as drawn.
Rules kept here:

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

from pipelines.core.catalogue import catalogue
from reports import trend
from reports.data import FUNDING_COLUMNS, PRIVATE_COLUMNS, PUBLIC_COLUMNS, Indicator, ReportData
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


PROGRAMME = (dt.date(2025, 1, 1), dt.date(2028, 12, 31))  # the axis when no grant is known


def _expected_points(data: ReportData, cluster_id: str, code: str) -> trend.PathPoints:
    """The expected path of a count (the prorated target over time), incl. the reporting date."""
    grant_type = catalogue_grant_type(code)
    grants = trend.grants_for(data, cluster_id, grant_type) if grant_type else []
    return trend.expected_path(grants, (data.as_of,)) if grants else []


def catalogue_grant_type(code: str) -> str | None:
    return catalogue()[code].grant_type if code in catalogue() else None


def _date_hover(fmt: Formatter) -> str:
    return "%{x|%d.%m.%Y}" if fmt.lang == "da" else "%{x|%d %b %Y}"


def trajectory(
    data: ReportData, fmt: Formatter, cluster_id: str, indicator: str, fallback_target: float
) -> FigureDict:
    """A count over time: its value on each reporting date (the actual path), the expected path,
    the 2028 target and the projection at today's pace to the end of the grants."""
    row = data.get(cluster_id, indicator, "to_date")
    target = row.target if row and row.target is not None else fallback_target
    expected = _expected_points(data, cluster_id, indicator)
    if expected:
        xs, ys = [t.isoformat() for t, _ in expected], [v for _, v in expected]
    else:
        xs, ys = [PROGRAMME[0].isoformat(), PROGRAMME[1].isoformat()], [0.0, float(target)]
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="lines", name=esc(fmt.t("expected_path")),
        line={"color": EXPECTED_COLOUR, "dash": "dot", "width": 2},
        customdata=[fmt.integer(v) for v in ys],
        hovertemplate=_date_hover(fmt) + ": %{customdata}<extra>" + esc(fmt.t("expected_path")) + "</extra>",
    ))
    fig.add_trace(go.Scatter(
        x=[xs[0], xs[-1]], y=[target, target], mode="lines", name=esc(fmt.t("target_2028")),
        line={"color": NAVY, "width": 1.5, "dash": "dash"},
        customdata=[fmt.integer(target)] * 2,
        hovertemplate="%{customdata}<extra>" + esc(fmt.t("target_2028")) + "</extra>",
    ))
    colour = STATUS_COLOURS.get(row.status, NAVY) if row else NAVY
    projection = trend.projection(data, cluster_id, indicator)
    if projection is not None and len(projection.path) > 1:
        px = [t.isoformat() for t, _ in projection.path]
        fig.add_trace(go.Scatter(
            x=px, y=[v for _, v in projection.path], mode="lines", name=esc(fmt.t("projection_path")),
            line={"color": colour, "dash": "dash", "width": 2},
            customdata=[fmt.integer(v) for _, v in projection.path],
            hovertemplate=_date_hover(fmt) + ": %{customdata}<extra>" + esc(fmt.t("projection_path"))
            + "</extra>",
        ))
    points = [r for r in data.path(cluster_id, indicator) if r.value is not None and r.as_of]
    if points:
        fig.add_trace(go.Scatter(
            x=[r.as_of.isoformat() for r in points], y=[r.value for r in points],
            mode="lines+markers", name=esc(fmt.t("actual_path")),
            line={"color": NAVY, "width": 2},
            marker={"size": [8] * (len(points) - 1) + [14],
                    "color": [NAVY] * (len(points) - 1) + [colour],
                    "line": {"color": "#ffffff", "width": 2}},
            customdata=[f"{fmt.date(r.as_of)}: {fmt.integer(r.value)}" for r in points],
            hovertemplate="%{customdata}<extra>" + esc(fmt.t("actual")) + "</extra>",
        ))
    return _finish(
        fig, fmt, height=300,
        xaxis={"type": "date", "tickformat": "%Y", "dtick": "M12"},
        yaxis={"rangemode": "tozero", "tickformat": ",d"},
    )


# -- inline SVG mini charts ---------------------------------------------------------------------

MINI_W, MINI_H = 320, 96
_PAD_L, _PAD_R, _PAD_T, _PAD_B = 4, 8, 10, 18


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: round(a + (v - lo) / span * (b - a), 1)


def _days(d: dt.date) -> float:
    return float(d.toordinal())


def mini_trajectory(data: ReportData, fmt: Formatter, cluster_id: str, code: str) -> dict[str, Any] | None:
    """A count's path in a headline card: expected path, target, the values on the reporting
    dates and the projection at today's pace. None without grants of the count's type."""
    expected = _expected_points(data, cluster_id, code)
    row = data.get(cluster_id, code, "to_date")
    if not expected or row is None or not row.target:
        return None
    projection = trend.projection(data, cluster_id, code)
    points = [r for r in data.path(cluster_id, code) if r.value is not None and r.as_of]
    x0 = _days(min([expected[0][0], *(r.as_of for r in points)]))
    x1 = _days(max([expected[-1][0], *(r.as_of for r in points)]))
    top = max([row.target, *(r.value for r in points), *(v for _, v in (projection.path if projection else []))])
    sx = _scale(x0, x1, _PAD_L, MINI_W - _PAD_R)
    sy = _scale(0.0, top * 1.08, MINI_H - _PAD_B, _PAD_T)

    def line(pts: list[tuple[float, float]]) -> str:
        return " ".join(f"{sx(x)},{sy(y)}" for x, y in pts)

    status = "suppressed" if row.suppressed else row.status
    lines = [
        {"css": "mc-target", "points": line([(x0, row.target), (x1, row.target)])},
        {"css": "mc-expected", "points": line([(_days(t), v) for t, v in expected])},
    ]
    if projection is not None and len(projection.path) > 1:
        lines.append({"css": f"mc-projection s-{status}",
                      "points": line([(_days(t), v) for t, v in projection.path])})
    if len(points) > 1:
        lines.append({"css": "mc-actual", "points": line([(_days(r.as_of), r.value) for r in points])})
    dots = [
        {"x": sx(_days(r.as_of)), "y": sy(r.value), "r": 4.5 if i == len(points) - 1 else 3,
         "css": f"s-{status}" if i == len(points) - 1 else "mc-past",
         "title": f"{fmt.date(r.as_of)}: {fmt.integer(r.value)}"}
        for i, r in enumerate(points)
    ]
    years = range(dt.date.fromordinal(int(x0)).year, dt.date.fromordinal(int(x1)).year + 1)
    ticks = [
        {"x": sx(_days(dt.date(y, 1, 1))), "text": str(y)}
        for y in years if x0 <= _days(dt.date(y, 1, 1)) <= x1
    ]
    return {
        "w": MINI_W, "h": MINI_H, "lines": lines, "dots": dots, "ticks": ticks,
        "tick_y": MINI_H - 4,
        "title": fmt.t("trajectory_path"),
        "target": {"y": sy(row.target), "text": fmt.t("target_2028")},
    }


def sparkline(fmt: Formatter, code: str, path: list[Indicator]) -> dict[str, Any] | None:
    """A figure's values on the reporting dates (hidden ones left out), oldest first."""
    points = [r for r in path if r.value is not None and r.as_of]
    if not points:
        return None
    w, h = 160, 40
    xs = [_days(r.as_of) for r in points]
    vs = [r.value for r in points]
    lo, hi = min(vs), max(vs)
    if hi == lo:
        lo, hi = lo - 1.0, hi + 1.0
    sx = _scale(min(xs), max(xs), 6, w - 6) if len(points) > 1 else (lambda _x: w / 2)
    sy = _scale(lo, hi, h - 6, 6)
    coords = [(sx(x), sy(v)) for x, v in zip(xs, vs, strict=True)]
    return {
        "w": w, "h": h, "ticks": [], "tick_y": 0, "target": None,
        "lines": [{"css": "mc-actual", "points": " ".join(f"{x},{y}" for x, y in coords)}]
        if len(coords) > 1 else [],
        "dots": [
            {"x": x, "y": y, "r": 3.5 if i == len(coords) - 1 else 2.5,
             "css": "mc-now" if i == len(coords) - 1 else "mc-past",
             "title": f"{fmt.date(r.as_of)}: {fmt.value(code, r.value)}"
             + (f" ({fmt.period(r.period)})" if r.period.isdigit() else "")}
            for i, ((x, y), r) in enumerate(zip(coords, points, strict=True))
        ],
        "title": fmt.t("path_title"),
    }


def cofinancing(data: ReportData, fmt: Formatter, cluster_id: str) -> FigureDict:
    """Private co-financing share per fiscal year (bars by status) against the promised share."""
    rows = data.series(cluster_id, "private_cofinancing_share")
    years = [r.period for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        x=years, y=[r.value for r in rows], name=esc(fmt.t("actual")),
        marker={"color": [STATUS_COLOURS.get(r.status, NAVY) for r in rows]},
        text=[fmt.percent(r.value) for r in rows], textposition="inside",
        insidetextanchor="start", textangle=0, textfont={"color": "#ffffff", "size": 13},
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
    """SME-knowledge ties and demand-offering match per survey year (shares, left axis) and the
    network density (a much smaller number, ~0.01, on its own right axis)."""
    shares = ("sme_knowledge_ties_share", "demand_offering_match")
    codes = (*shares, "network_density")
    years = sorted({r.period for code in codes for r in data.series(cluster_id, code)})
    fig = go.Figure()
    for colour, code in zip(SERIES_COLOURS[1:], shares, strict=False):
        by_year = {r.period: r for r in data.series(cluster_id, code)}
        vals = [by_year[y].value if y in by_year else None for y in years]
        fig.add_trace(go.Bar(
            x=years, y=vals, name=esc(fmt.indicator(code)), marker={"color": colour},
            customdata=[fmt.value(code, v) if v is not None else "–" for v in vals],
            hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.indicator(code)) + "</extra>",
        ))
    by_year = {r.period: r for r in data.series(cluster_id, "network_density")}
    density = [by_year[y].value if y in by_year else None for y in years]
    fig.add_trace(go.Scatter(
        x=years, y=density, yaxis="y2", mode="lines+markers", name=esc(fmt.indicator("network_density")),
        line={"color": SERIES_COLOURS[0], "width": 2}, marker={"size": 9, "symbol": "diamond"},
        customdata=[fmt.value("network_density", v) if v is not None else "–" for v in density],
        hovertemplate="%{x}: %{customdata}<extra>" + esc(fmt.indicator("network_density")) + "</extra>",
    ))
    top = max([v for v in density if v is not None] or [0.0])
    return _finish(
        fig, fmt, height=300, barmode="group",
        xaxis={"type": "category"},
        yaxis={"range": [0, 1], "tickformat": ".0%", "title": {"text": esc(fmt.t("share_axis"))}},
        yaxis2={"overlaying": "y", "side": "right", "rangemode": "tozero", "showgrid": False,
                "range": [0, top * 1.25 if top > 0 else 1], "tickformat": ".3~f",
                "tickmode": "auto", "nticks": 4,
                "title": {"text": esc(fmt.t("density_axis"))}, "zeroline": False},
        margin={"l": 50, "r": 50, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.2, "x": 0, "font": {"size": 10}},
    )


def signals_national(data: ReportData, fmt: Formatter) -> FigureDict:
    """Defence and AI shares of the activities per start year, nationally."""
    series = {code: {r.period: r.value for r in data.series("ALL", code)} for code in SIGNALS}
    fig = go.Figure()
    for colour, code in zip(SERIES_COLOURS, SIGNALS, strict=False):
        rows = data.series("ALL", code)
        # The label goes above the point of the higher line and below that of the lower one, so
        # that two close values never print on top of each other.
        others = [c for c in SIGNALS if c != code]
        positions = [
            "top center" if all((r.value or 0) >= (series[o].get(r.period) or 0) for o in others)
            else "bottom center"
            for r in rows
        ]
        fig.add_trace(go.Scatter(
            x=[r.period for r in rows], y=[r.value for r in rows], mode="lines+markers+text",
            name=esc(fmt.short(code)), line={"color": colour, "width": 3}, marker={"size": 9},
            text=[fmt.percent(r.value) for r in rows], textposition=positions, cliponaxis=False,
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


UNCERTAIN_COLOUR = "#8c959f"


def effect_intervals(data: ReportData, fmt: Formatter, code: str, period: str) -> FigureDict:
    """Dot and whisker: an effect (``period``: ``all`` = every matured cohort) nationally and per
    cluster, each with its 95 % interval; grey where the interval spans 0 (not statistically
    certain), with 0 and, where the effect has one, the experience figure as vertical lines.
    Suppressed figures have no value here (the loader hid them), so they draw nothing."""
    units = [("ALL", fmt.t("national"))] + [(c.cluster_id, c.organisation) for c in data.clusters]
    names = [esc(name) for _, name in units]
    fig = go.Figure()
    for uncertain, colour, label in ((False, NAVY, "certain"), (True, UNCERTAIN_COLOUR, "not_certain")):
        xs, ys, lo, hi, hover = [], [], [], [], []
        for (cid, _), name in zip(units, names, strict=True):
            row = data.get(cid, code, period)
            if row is None or row.value is None or bool(row.spans_zero) != uncertain:
                continue
            xs.append(row.value)
            ys.append(name)
            lo.append(row.value - row.ci_low if row.ci_low is not None else 0.0)
            hi.append(row.ci_high - row.value if row.ci_high is not None else 0.0)
            interval = (fmt.t("interval_text", low=fmt.value(code, row.ci_low), high=fmt.value(code, row.ci_high))
                        if row.ci_low is not None and row.ci_high is not None else "")
            hover.append(esc(" · ".join(t for t in (fmt.value(code, row.value), interval,
                                                     fmt.t("n_firms_short", n=fmt.integer(row.n_firms))
                                                     if row.n_firms else "") if t)))
        if not xs:
            continue
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="markers", name=esc(fmt.t(label)),
            marker={"color": colour, "size": 10, "line": {"color": "#ffffff", "width": 1}},
            error_x={"type": "data", "symmetric": False, "array": hi, "arrayminus": lo,
                     "color": colour, "thickness": 2, "width": 5},
            customdata=hover,
            hovertemplate="%{y}: %{customdata}<extra></extra>",
        ))
    reference = next((r.target for cid, _ in units
                      if (r := data.get(cid, code, period)) is not None and r.target is not None), None)
    if reference is not None:
        fig.add_trace(go.Scatter(
            x=[reference, reference], y=[names[0], names[-1]], mode="lines",
            name=esc(f"{fmt.t('experience_figure')} {fmt.plain(code, reference)}"),
            line={"color": EXPECTED_COLOUR, "dash": "dot", "width": 1.5}, hoverinfo="skip",
        ))
    return _finish(
        fig, fmt, height=max(260, 24 * len(names) + 90),
        xaxis={"tickformat": "+.0%", "rangemode": "tozero", "zeroline": True, "zerolinecolor": "#57606a", "zerolinewidth": 1.5,
               "showgrid": True, "gridcolor": "#eaeef2", "nticks": 5, "tickangle": 0},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": names,
               "autorange": "reversed", "zeroline": False, "showgrid": False},
        margin={"l": 10, "r": 16, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.08, "x": 0, "font": {"size": 11}},
    )


AT_RISK_COLOUR = "#cf222e"
SAFE_COLOUR = "#d0d7de"


def payout_at_risk(data: ReportData, fmt: Formatter, awarded: dict[str, float]) -> FigureDict:
    """Each cluster's awarded amount split into the payout at risk and the rest (stacked
    horizontal bars, millions of DKK), the clusters with most at risk first."""
    rows = []
    for c in data.clusters:
        row = data.get(c.cluster_id, "payout_at_risk_dkk", "to_date")
        total = awarded.get(c.cluster_id, 0.0)
        at_risk = row.value if row is not None and row.value is not None else None
        rows.append((esc(c.organisation), at_risk, total))
    rows.sort(key=lambda r: (-(r[1] or 0.0), r[0]))
    names = [r[0] for r in rows]
    risk = [r[1] for r in rows]
    rest = [max(0.0, r[2] - (r[1] or 0.0)) if r[2] else None for r in rows]
    share = [fmt.percent(r[1] / r[2]) if r[1] is not None and r[2] else "–" for r in rows]
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=names, x=[None if v is None else v / 1e6 for v in risk], orientation="h",
        name=esc(fmt.t("at_risk")), marker={"color": AT_RISK_COLOUR},
        customdata=[[fmt.dkk(v), s] for v, s in zip(risk, share, strict=True)],
        hovertemplate="%{y}: %{customdata[0]} (%{customdata[1]})<extra>" + esc(fmt.t("at_risk")) + "</extra>",
    ))
    fig.add_trace(go.Bar(
        y=names, x=[None if v is None else v / 1e6 for v in rest], orientation="h",
        name=esc(fmt.t("not_at_risk")), marker={"color": SAFE_COLOUR},
        customdata=[fmt.dkk(v) for v in rest],
        hovertemplate="%{y}: %{customdata}<extra>" + esc(fmt.t("not_at_risk")) + "</extra>",
    ))
    return _finish(
        fig, fmt, height=max(300, 30 * len(names) + 90), barmode="stack",
        xaxis={"tickformat": ",.0f", "rangemode": "tozero",
               "showgrid": True, "gridcolor": "#eaeef2"},
        yaxis={"autorange": "reversed", "zeroline": False},
        margin={"l": 10, "r": 16, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0, "font": {"size": 11}},
    )
