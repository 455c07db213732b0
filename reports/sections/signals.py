"""Section "Strategic signals": the shares of activities on defence and on artificial intelligence,
nationally per year and per cluster for the latest year."""

from __future__ import annotations

from typing import Any

from reports import figures as F
from reports.data import ReportData
from reports.figures import SIGNALS
from reports.i18n import Formatter
from reports.view import FigureBook, value_text


def context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    names = {c.cluster_id: c.organisation for c in data.clusters}
    years = sorted({r.period for code in SIGNALS for c in ["ALL", *names] for r in data.series(c, code)})
    latest = years[-1] if years else ""

    def cell(cid: str, code: str, year: str) -> str:
        row = data.get(cid, code, year)
        return value_text(fmt, row, data.min_firms) if row else "–"

    return {
        "national": book.add(F.signals_national(data, fmt), fmt.t("signals_national"))
        if any(data.series("ALL", code) for code in SIGNALS)
        else None,
        "by_cluster": book.add(F.signals_by_cluster(data, fmt, latest),
                               f"{fmt.t('signals_by_cluster')} {latest}")
        if latest else None,
        "year": latest,
        "years": years,
        "codes": SIGNALS,
        "table": [
            {
                "name": names[cid],
                "cells": [{code: cell(cid, code, y) for code in SIGNALS} for y in years],
            }
            for cid in names
        ],
    }
