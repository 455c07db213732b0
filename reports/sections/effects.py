"""Section "Effects on the firms": every matched effect with its 95 % interval drawn, the words
"ikke statistisk sikker" where the interval spans 0, and the pre-trend (placebo) warning where
``marts.flags`` has one.

What is shown follows from the catalogue: the effects are the indicators with ``interval = true``
that no data-quality flag is raised on; the placebo is the indicator a data-quality flag is raised
on (``dq_pretrend`` on ``turnover_pretrend``), and that flag is the warning.
"""

from __future__ import annotations

from typing import Any

from pipelines.core.catalogue import catalogue
from reports import figures as F
from reports.data import Indicator, ReportData
from reports.i18n import Formatter
from reports.view import FigureBook, interval_view, status_of, value_text

PERIOD = "all"  # the effect over all matured cohorts; single cohorts are listed nationally


def placebo_flags() -> dict[str, str]:
    """Data-quality flag code -> the interval indicator it is raised on (the placebo)."""
    return {
        f.code: f.indicator
        for f in catalogue().data_quality_flags.values()
        if f.indicator and catalogue()[f.indicator].interval
    }


def effect_codes() -> tuple[str, ...]:
    """The matched effects: interval indicators that are not a placebo, in catalogue order."""
    placebos = set(placebo_flags().values())
    return tuple(c for c in catalogue().codes_where(interval=True) if c not in placebos)


def placebo_codes() -> tuple[str, ...]:
    return tuple(dict.fromkeys(placebo_flags().values()))


def warned(data: ReportData) -> set[tuple[str, str]]:
    """(cluster, period) pairs with a shown placebo warning (a flag suppressed with its row is not
    shown: its figure would be disclosed by it)."""
    codes = placebo_flags()
    return {(f.cluster_id, f.period) for f in data.flags if f.indicator in codes and not f.suppressed}


def cell(fmt: Formatter, data: ReportData, row: Indicator | None, placebo: bool = False) -> dict[str, Any]:
    """One effect of one cluster: its value, interval and certainty. For the placebo an interval
    spanning 0 is the good case: it reads "no certain difference before taking part"."""
    view = interval_view(fmt, row)
    if placebo and view["uncertain"]:
        view["certainty"] = fmt.t("placebo_passes")
    n = fmt.t("n_firms_short", n=fmt.integer(row.n_firms)) if row is not None and row.n_firms else ""
    return {
        "value": value_text(fmt, row, data.min_firms) if row is not None else "–",
        "status": status_of(row),
        "placebo": placebo,
        "suppressed": bool(row and row.suppressed),
        "detail": " · ".join(t for t in (view["text"], n) if t),
        **view,
    }


def context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    effects = effect_codes()
    placebos = placebo_codes()
    columns = (*effects, *placebos)
    warnings = warned(data)
    units = [("ALL", fmt.t("national"))] + [(c.cluster_id, c.organisation) for c in data.clusters]
    names = dict(units)
    rows = []
    for cid, name in units:
        cells = [cell(fmt, data, data.get(cid, code, PERIOD), code in placebos) for code in columns]
        if all(c["value"] == "–" for c in cells):
            continue
        rows.append({
            "name": name,
            "national": cid == "ALL",
            "cells": cells,
            "warning": (cid, PERIOD) in warnings,
        })
    # The national figure per cohort year (the 'all' row is in the table above).
    years = sorted({r.period for code in columns for r in data.series("ALL", code)})
    cohorts = [
        {
            "period": y,
            "cells": [cell(fmt, data, data.get("ALL", code, y), code in placebos) for code in columns],
            "warning": ("ALL", y) in warnings,
        }
        for y in years
    ]
    any_figure = any(r.value is not None for (c, code, p), r in data.indicators.items()
                     if code in effects)
    figures = [
        book.add(F.effect_intervals(data, fmt, code, PERIOD), fmt.indicator(code))
        for code in effects
        if any(data.get(cid, code, PERIOD) and data.get(cid, code, PERIOD).value is not None
               for cid, _ in units)
    ]
    return {
        "headers": [fmt.short(code) for code in columns],
        "placebo_index": len(effects),
        "rows": rows,
        "cohorts": cohorts,
        "figures": figures,
        "any_figure": any_figure,
        "warning_text": " ".join(fmt.dq(code) or code for code in placebo_flags()),
        "warning_where": ", ".join(
            f"{names.get(cid, cid)} ({fmt.period(period)})" for cid, period in sorted(
                warnings, key=lambda w: (w[0] != "ALL", names.get(w[0], w[0]).lower(), w[1]))
        ),
        "any_warning": bool(warnings),
    }
