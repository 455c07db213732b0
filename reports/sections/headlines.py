"""Section "The six guiding headlines" (pejlemærker a-f): a cluster x headline table of the
comparable measures, each cell marked by its position among the clusters, with a short explanation
of each headline. No composite score: the headlines guide a dialogue, they are not a ranking.

The columns come from the catalogue (each indicator's ``headlines`` letters, in catalogue order).
A measure by year is compared in one year for every cluster: the year most clusters' latest
figure is from (ties: the later), shown in the column head, so that no cluster is compared on an
older year than the others. Position = tertile among the clusters with a shown figure (lower,
middle, upper third), by rank with ties sharing the lower rank; not marked with fewer than 3
figures. The position is told in text as well as colour and says nothing of better or worse.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pipelines.core.catalogue import HEADLINES, catalogue
from reports.data import Indicator, ReportData
from reports.i18n import Formatter
from reports.view import value_text

POSITIONS = ("low", "mid", "high")
MIN_FOR_POSITION = 3


@dataclass(frozen=True)
class Column:
    headline: str
    code: str
    period: str


def tertiles(values: dict[str, float]) -> dict[str, str]:
    """Key -> ``low``/``mid``/``high``: the third of the sorted values the key's value falls in.

    rank = the number of values strictly below it (ties share the lower rank); position =
    floor(3 x rank / n). Empty with fewer than :data:`MIN_FOR_POSITION` values.
    """
    n = len(values)
    if n < MIN_FOR_POSITION:
        return {}
    ordered = sorted(values.values())
    out = {}
    for key, v in values.items():
        rank = sum(1 for w in ordered if w < v)
        out[key] = POSITIONS[min(2, 3 * rank // n)]
    return out


def comparison_period(data: ReportData, code: str) -> str | None:
    """The period a measure is compared in: its ``to_date`` row, else the year most clusters'
    latest figure (shown or suppressed) is from, ties to the later year."""
    latest = [row.period for c in data.clusters if (row := data.headline(c.cluster_id, code)) is not None]
    if not latest:
        return None
    if any(p in ("to_date", "all") for p in latest):
        return next(p for p in latest if p in ("to_date", "all"))
    counts = Counter(latest)
    return max(counts, key=lambda p: (counts[p], p))


def columns(data: ReportData) -> list[Column]:
    """Every (headline, measure) pair of the catalogue, in headline then catalogue order."""
    out = []
    for letter, codes in catalogue().by_headline().items():
        for code in codes:
            period = comparison_period(data, code)
            out.append(Column(letter, code, period or ""))
    return out


def cell(fmt: Formatter, data: ReportData, row: Indicator | None, position: str | None) -> dict[str, Any]:
    return {
        "text": value_text(fmt, row, data.min_firms) if row is not None else "–",
        "position": position or "none",
        "position_label": fmt.t(f"position_{position}_short") if position else "",
        "suppressed": bool(row and row.suppressed),
    }


def context(data: ReportData, fmt: Formatter) -> dict[str, Any]:
    cols = columns(data)
    positions: dict[str, dict[str, str]] = {}
    for col in cols:
        shown = {
            c.cluster_id: row.value
            for c in data.clusters
            if (row := data.get(c.cluster_id, col.code, col.period)) is not None and row.value is not None
        }
        positions[col.code] = tertiles(shown)
    rows = [
        {
            "name": c.organisation,
            "national": False,
            "cells": [
                cell(fmt, data, data.get(c.cluster_id, col.code, col.period),
                     positions[col.code].get(c.cluster_id))
                for col in cols
            ],
        }
        for c in data.clusters
    ]
    national = [data.get("ALL", col.code, col.period) for col in cols]
    if any(r is not None for r in national):
        rows.append({"name": fmt.t("national"), "national": True,
                     "cells": [cell(fmt, data, r, None) for r in national]})
    groups = [
        {"letter": letter, "title": fmt.t(f"headline_{letter}_title"), "text": fmt.t(f"headline_{letter}_text"),
         "short": fmt.t(f"headline_{letter}_short"),
         "span": sum(1 for c in cols if c.headline == letter),
         "measures": [fmt.indicator(c.code) for c in cols if c.headline == letter]}
        for letter in HEADLINES
    ]
    return {
        "groups": [g for g in groups if g["span"]],
        "all_groups": groups,
        "columns": [
            {"letter": c.headline, "label": fmt.short(c.code),
             "period": fmt.period(c.period) if c.period.isdigit() else "",
             "data_label": f"{c.headline}) {fmt.short(c.code)}" + (f" {c.period}" if c.period.isdigit() else "")}
            for c in cols
        ],
        "rows": rows,
    }
