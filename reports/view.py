"""View helpers shared by the report's sections: value texts and statuses with disclosure control,
flags as sentences, headline counts, yearly tables, and the book that collects the figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipelines.core.catalogue import catalogue
from reports import figures as F
from reports.data import Flag, Indicator, ReportData
from reports.i18n import Formatter

STATUS_ORDER = {"critical": 0, "behind": 1, "on_track": 2, "no_target": 3}


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
        return fmt.t("suppressed", n=min_firms)
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
    if flag.indicator not in catalogue() and not flag.suppressed:
        # A data-quality flag: a known code in plain language (the English report adds the
        # message as detail), else the pipeline's message itself.
        known = fmt.dq(flag.indicator)
        if known:
            return f"{known} ({fmt.period(flag.period)})." if flag.period.isdigit() else f"{known}."
        return flag.message or flag.indicator
    label = fmt.indicator(flag.indicator)
    period = fmt.period(flag.period)
    if flag.suppressed or (row is not None and row.suppressed):
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


def flag_detail(flag: Flag, fmt: Formatter) -> str:
    """The pipeline's own message (``marts.flags``, in English) under the sentence: English only.

    The Danish report (the default, "in Danish") gives every known flag as a Danish sentence and
    does not repeat the English message; the analysts have it in ``marts.flags``. That also keeps
    the firm counts of data-quality messages ("2 of 20 firms ...") out of the board's report. Never
    shown when the figure is suppressed (the message may quote it), nor where it is already the
    main text (an unknown data-quality code).
    """
    if flag.suppressed or fmt.lang != "en":
        return ""
    if flag.indicator in catalogue():
        return flag.message
    return flag.message if fmt.dq(flag.indicator) else ""


def flag_view(flag: Flag, data: ReportData, fmt: Formatter) -> dict[str, Any]:
    return {
        "severity": flag.severity,
        "severity_label": fmt.severity(flag.severity),
        "css": "critical" if flag.severity == "ERROR" else "behind",
        "text": flag_sentence(flag, data, fmt),
        "detail": flag_detail(flag, fmt),
    }


def kpi(fmt: Formatter, data: ReportData, cluster_id: str, code: str, fallback: float) -> dict[str, Any]:
    """A headline count: actual vs expected now vs 2028 target, with bar geometry in %."""
    row = data.get(cluster_id, code, "to_date")
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
    }


def verdict(statuses: list[str]) -> str:
    """The worst of the known statuses (``no_data`` when none is known)."""
    known = [s for s in statuses if s in ("critical", "behind", "on_track")]
    if not known:
        return "no_data"
    return min(known, key=lambda s: STATUS_ORDER[s])


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
