"""Section "Are we on track for 2028?": the national SME counts against their path, target and
projection, private co-financing against the promise, the turnover effect against the 7 %
experience figure, and every national figure's path over the reporting dates."""

from __future__ import annotations

from typing import Any

from pipelines.core.config import (
    EXPECTED_TURNOVER_EFFECT,
    NATIONAL_TARGET_SMES_COLLECTIVE,
    NATIONAL_TARGET_SMES_CONCEPTS,
)
from reports import figures as F
from reports.data import ReportData
from reports.i18n import Formatter
from reports.shortfalls import cluster_shortfalls, verdict_of
from reports.view import (
    FigureBook,
    change_text,
    flags_view,
    interval_view,
    kpi,
    status_of,
    value_text,
    year_table,
)

# The national figures whose path over the reporting dates the section shows, in this order.
NATIONAL_TREND = (
    "smes_collective",
    "smes_concepts",
    "smes_collective_unique",
    "sme_share",
    "private_cofinancing_share",
    "turnover_effect_2y",
)


def trend_rows(data: ReportData, fmt: Formatter, codes: tuple[str, ...] = NATIONAL_TREND) -> list[dict[str, Any]]:
    """One row per national figure: its latest value, its change since the previous reporting date
    and its path (a sparkline), for the figures the warehouse has."""
    rows = []
    for code in codes:
        path = data.path("ALL", code)
        now = data.headline("ALL", code)
        if now is None:
            continue
        period = f" ({fmt.period(now.period)})" if now.period.isdigit() else ""
        rows.append({
            "label": fmt.indicator(code) + period,
            "now": value_text(fmt, now, data.min_firms),
            "change": change_text(fmt, code, path) or (fmt.t("trend_first") if len(path) < 2 else "–"),
            "spark": F.sparkline(fmt, code, path),
        })
    return rows


def context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    national_kpis = [
        kpi(fmt, data, "ALL", "smes_collective", NATIONAL_TARGET_SMES_COLLECTIVE),
        kpi(fmt, data, "ALL", "smes_concepts", NATIONAL_TARGET_SMES_CONCEPTS),
    ]
    national_figs = [
        book.add(F.trajectory(data, fmt, "ALL", "smes_collective", NATIONAL_TARGET_SMES_COLLECTIVE),
                 fmt.t("trajectory_path")),
        book.add(F.trajectory(data, fmt, "ALL", "smes_concepts", NATIONAL_TARGET_SMES_CONCEPTS),
                 fmt.t("trajectory_path")),
    ]
    cof_rows = data.series("ALL", "private_cofinancing_share")
    cof_latest = cof_rows[-1] if cof_rows else None
    cofinancing = {
        "figure": book.add(F.cofinancing(data, fmt, "ALL"), fmt.t("cofinancing_heading")) if cof_rows else None,
        "latest_period": cof_latest.period if cof_latest else "",
        "latest_text": value_text(fmt, cof_latest, data.min_firms),
        "latest_target": fmt.percent(cof_latest.target) if cof_latest and cof_latest.target is not None else "–",
        "status": status_of(cof_latest),
        "status_label": fmt.status(status_of(cof_latest)),
        "change_text": change_text(fmt, "private_cofinancing_share",
                                   data.path("ALL", "private_cofinancing_share")),
        "table": year_table(data, fmt, "ALL", ("private_cofinancing_share",)),
    }
    trow = data.get("ALL", "turnover_effect_2y", "all")
    turnover = {
        "value_text": value_text(fmt, trow, data.min_firms),
        "target_text": fmt.percent(trow.target if trow and trow.target is not None else EXPECTED_TURNOVER_EFFECT),
        "status": status_of(trow),
        "status_label": fmt.status(status_of(trow)),
        "n_text": fmt.t("based_on_firms", n=fmt.integer(trow.n_firms)) if trow and trow.n_firms else "",
        "interval": interval_view(fmt, trow),
        "not_yet": trow is None or (trow.value is None and not trow.suppressed),
        "change_text": change_text(fmt, "turnover_effect_2y", data.path("ALL", "turnover_effect_2y")),
    }
    # Overall: from the national level's counted shortfalls (data notes never enter).
    any_figure = any(k["status"] not in ("no_data", "suppressed") for k in national_kpis) or (
        cofinancing["status"] not in ("no_data", "suppressed")
    )
    national_verdict = verdict_of(cluster_shortfalls(data, "ALL"), any_figure)
    return {
        "national_kpis": national_kpis,
        "national_figs": national_figs,
        "national_verdict": national_verdict,
        "national_verdict_label": fmt.t(f"verdict_{national_verdict}"),
        "national_flags": flags_view(data, fmt, "ALL"),
        "cofinancing": cofinancing,
        "turnover": turnover,
        "trend_rows": trend_rows(data, fmt),
    }
