"""Section "Are we on track for 2028?": the national SME counts against their path and target,
private co-financing against the promise, and the turnover effect against the expected 7 %."""

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
from reports.view import FigureBook, kpi, status_of, value_text, verdict, year_table


def context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    national_kpis = [
        kpi(fmt, data, "ALL", "smes_collective", NATIONAL_TARGET_SMES_COLLECTIVE),
        kpi(fmt, data, "ALL", "smes_concepts", NATIONAL_TARGET_SMES_CONCEPTS),
    ]
    national_figs = [
        book.add(F.trajectory(data, fmt, "ALL", "smes_collective", "cluster",
                              NATIONAL_TARGET_SMES_COLLECTIVE), fmt.t("trajectory_path")),
        book.add(F.trajectory(data, fmt, "ALL", "smes_concepts", "innovation",
                              NATIONAL_TARGET_SMES_CONCEPTS), fmt.t("trajectory_path")),
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
        "table": year_table(data, fmt, "ALL", ("private_cofinancing_share",)),
    }
    trow = data.get("ALL", "turnover_effect_2y", "all")
    turnover = {
        "value_text": value_text(fmt, trow, data.min_firms),
        "target_text": fmt.percent(trow.target if trow and trow.target is not None else EXPECTED_TURNOVER_EFFECT),
        "status": status_of(trow),
        "status_label": fmt.status(status_of(trow)),
        "n_text": fmt.t("based_on_firms", n=fmt.integer(trow.n_firms)) if trow and trow.n_firms else "",
        "not_yet": trow is None or (trow.value is None and not trow.suppressed),
    }
    # Overall: the worst of the SME counts, the latest co-financing year and the turnover effect.
    national_verdict = verdict(
        [k["status"] for k in national_kpis] + [cofinancing["status"], turnover["status"]]
    )
    return {
        "national_kpis": national_kpis,
        "national_figs": national_figs,
        "national_verdict": national_verdict,
        "national_verdict_label": fmt.t(f"verdict_{national_verdict}"),
        "cofinancing": cofinancing,
        "turnover": turnover,
    }
