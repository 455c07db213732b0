"""View helpers shared by the report's sections: value texts and statuses with disclosure control,
flags as sentences (shortfalls with their size, data notes labelled as such), headline counts with
their trend and projection, yearly tables, and the book that collects the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.core.catalogue import catalogue
from reports import figures as F
from reports import trend
from reports.data import Flag, Indicator, ReportData, row_indicator
from reports.i18n import Formatter
from reports.shortfalls import Shortfall, cluster_shortfalls, data_notes


@dataclass
class FigureBook:
    """Collects the figures of one report; the template draws each one by its id."""

    figures: list[dict[str, str]] = field(default_factory=list)

    def add(self, figure: F.FigureDict, title: str) -> dict[str, str]:
        fig_id = f"fig-{len(self.figures) + 1}"
        entry = {"id": fig_id, "title": title, "json": F.to_safe_json(figure)}
        self.figures.append(entry)
        return entry


def value_text(fmt: Formatter, row: Indicator | None, min_firms: int) -> str:
    if row is None:
        return fmt.t("no_data")
    if row.suppressed:
        return fmt.t("suppressed_secondary") if row.secondary else fmt.t("suppressed", n=min_firms)
    if row.value is None:
        return fmt.t("no_data")
    return fmt.value(row.indicator, row.value)


def status_of(row: Indicator | None) -> str:
    if row is None:
        return "no_data"
    if row.suppressed:
        return "suppressed"
    if row.value is None:
        return "no_data"
    return row.status


def flag_sentence(flag: Flag, data: ReportData, fmt: Formatter) -> str:
    """A flag in plain language, built from the indicator row it points at where there is one."""
    row = data.get(flag.cluster_id, flag.indicator, flag.period)
    if flag.indicator not in catalogue():
        # A data note: a known code in plain language, else the pipeline's message itself.
        known = fmt.dq(flag.indicator)
        if known:
            dated = flag.period.isdigit() or flag.period == "all"  # a year, or all cohorts
            return f"{known} ({fmt.period(flag.period)})." if dated else f"{known}."
        return flag.message or flag.indicator
    label = fmt.indicator(row_indicator(flag.indicator))
    period = fmt.period(flag.period)
    if flag.suppressed or (row is not None and row.suppressed):
        if row is not None and row.secondary:
            return fmt.t("flag_suppressed_secondary", label=label, period=period)
        return fmt.t("flag_suppressed", label=label, period=period, n=data.min_firms)
    if row is None or row.value is None:
        return fmt.t("flag_other", label=label, period=period)
    value = fmt.value(row.indicator, row.value)
    sentence = fmt.sentence(
        flag.indicator,
        label=label,
        period=period,
        value=value,
        number=fmt.plain(row.indicator, row.value),
        expected=fmt.plain(row.indicator, row.expected),
        target=fmt.plain(row.indicator, row.target),
    )
    return sentence or fmt.t("flag_generic", label=label, period=period, value=value)


def size_text(shortfall: Shortfall, fmt: Formatter) -> str:
    """The size of a shortfall in words ("30 % under det forventede niveau nu (27)"); empty where
    it is unknown or the figure is hidden."""
    if shortfall.size is None or shortfall.level is None:
        return ""
    code = shortfall.flag.indicator
    key = f"size_{shortfall.rule}" if fmt.has_text(f"size_{shortfall.rule}") else "size_generic"
    places = 1 if shortfall.rule == "equity" else 0
    return fmt.t(key, gap=fmt.percent(shortfall.size, places), level=fmt.plain(code, shortfall.level))


def shortfall_view(shortfall: Shortfall, data: ReportData, fmt: Formatter) -> dict[str, Any]:
    """A counted performance shortfall: severity, sentence, size, and other flagged periods."""
    flag = shortfall.flag
    also = [fmt.period(p) for p in shortfall.also]
    return {
        "kind": "shortfall",
        "severity": flag.severity,
        "severity_label": fmt.severity(flag.severity),
        "css": "critical" if flag.severity == "ERROR" else "behind",
        "text": flag_sentence(flag, data, fmt),
        "size": size_text(shortfall, fmt),
        "also": fmt.t("also_flagged", periods=", ".join(also)) if also else "",
    }


def note_view(flag: Flag, data: ReportData, fmt: Formatter) -> dict[str, Any]:
    """A data note: labelled as such, never with a severity colour."""
    return {
        "kind": "note",
        "severity": "NOTE",
        "severity_label": fmt.t("note_label"),
        "css": "note",
        "text": flag_sentence(flag, data, fmt),
        "size": "",
        "also": "",
    }


def flags_view(data: ReportData, fmt: Formatter, cluster_id: str) -> dict[str, Any]:
    """A cluster's (or ``ALL``'s) counted shortfalls, most serious first, and its data notes."""
    return {
        "shortfalls": [shortfall_view(s, data, fmt) for s in cluster_shortfalls(data, cluster_id)],
        "notes": [note_view(f, data, fmt) for f in data_notes(data, cluster_id)],
    }


def change_text(fmt: Formatter, code: str, path: list[Indicator]) -> str:
    """"+412 siden 30. juni 2026" (or "Uændret siden ..."); empty without a comparable earlier
    figure."""
    delta = trend.change(path)
    if delta is None:
        return ""
    date = fmt.date(delta.previous.as_of) if delta.previous.as_of else ""
    change = fmt.change(code, delta.delta)
    if not any(digit in change for digit in "123456789"):  # "+0,0 pct.-point" reads "unchanged"
        return fmt.t("unchanged_since", date=date)
    return fmt.t("change_since", change=change, date=date)


def projection_view(fmt: Formatter, data: ReportData, cluster_id: str, code: str) -> dict[str, str] | None:
    """The projection of an SME count at today's pace, in words."""
    p = trend.projection(data, cluster_id, code)
    if p is None:
        return None
    if p.already:
        reach = fmt.t("reach_already")
    elif p.reached_on is not None:
        reach = fmt.t("reach_month", month=fmt.month_year(p.reached_on))
    else:
        reach = fmt.t("reach_never", end=fmt.date(p.end))
    return {
        "text": fmt.t("projection", value=fmt.integer(p.at_end), end=fmt.month_year(p.end),
                      target=fmt.integer(p.target)),
        "reach": reach,
        "reaches": "yes" if p.already or p.reached_on is not None else "no",
    }


def kpi(fmt: Formatter, data: ReportData, cluster_id: str, code: str, fallback: float) -> dict[str, Any]:
    """A headline count: actual vs expected now vs 2028 target (bar geometry in %), its change
    since the previous reporting date, its path and its projection at today's pace."""
    row = data.get(cluster_id, code, "to_date")
    path = data.path(cluster_id, code)
    target = row.target if row and row.target is not None else fallback
    expected = row.expected if row else None
    actual = row.value if row else None
    scale = max([v for v in (target, expected, actual) if v is not None] or [1.0]) or 1.0
    return {
        "code": code,
        "label": fmt.indicator(code),
        "status": status_of(row),
        "status_label": fmt.status(status_of(row)),
        "value_text": value_text(fmt, row, data.min_firms),
        "expected_text": fmt.integer(expected) if expected is not None else "–",
        "target_text": fmt.integer(target),
        "actual_pct": 0 if actual is None else round(100 * actual / scale, 1),
        "expected_pct": None if expected is None else round(100 * expected / scale, 1),
        "target_pct": round(100 * target / scale, 1),
        "progress_text": (
            fmt.t("progress_vs_expected", pct=fmt.percent(actual / expected, 0))
            if actual is not None and expected else ""
        ),
        "of_target_text": (
            fmt.t("of_target", pct=fmt.percent(actual / target, 0))
            if actual is not None and target else ""
        ),
        "change_text": change_text(fmt, code, path),
        "projection": projection_view(fmt, data, cluster_id, code),
        "mini": F.mini_trajectory(data, fmt, cluster_id, code),
    }


def year_table(
    data: ReportData, fmt: Formatter, cluster_id: str, codes: tuple[str, ...]
) -> dict[str, Any]:
    """Rows = periods (years), columns = indicators; each cell text + status css class."""
    periods = sorted({r.period for code in codes for r in data.series(cluster_id, code)})
    rows = []
    for period in periods:
        cells = []
        for code in codes:
            row = data.get(cluster_id, code, period)
            status = status_of(row)
            text = value_text(fmt, row, data.min_firms) if row else "–"
            note = ""
            if row and code == "private_cofinancing_share" and row.target is not None:
                note = f"{fmt.t('promised')}: {fmt.percent(row.target)}"
            cells.append({"text": text, "status": status, "note": note,
                          "status_label": fmt.status(status)})
        rows.append({"period": period, "cells": cells})
    return {"headers": [fmt.indicator(c) for c in codes], "rows": rows}


def interval_view(fmt: Formatter, row: Indicator | None) -> dict[str, Any]:
    """An effect's interval in words: ``95 %-interval: -1,2 % til +5,3 %`` and, where it spans 0,
    "ikke statistisk sikker"; empty texts where the row has no interval."""
    uncertain = row.spans_zero if row is not None else None
    if uncertain is None or row is None:
        return {"text": "", "uncertain": False, "certainty": ""}
    code = row.indicator
    return {
        "text": fmt.t("interval_text", low=fmt.value(code, row.ci_low), high=fmt.value(code, row.ci_high)),
        "uncertain": uncertain,
        "certainty": fmt.t("not_certain") if uncertain else fmt.t("certain"),
    }
