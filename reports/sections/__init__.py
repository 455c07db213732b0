"""The report's sections: each module builds the context of one template partial.

:func:`build_context` assembles them into everything the templates need, numbers already
formatted and figures collected in the :class:`~reports.view.FigureBook`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pipelines.core.config import TIMEZONE
from reports.data import ReportData
from reports.i18n import Formatter
from reports.sections import clusters, flags, national, quality, signals
from reports.view import FigureBook


def build_context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    """Everything the templates need, with numbers already formatted."""
    anchors = {c.cluster_id: f"klynge-{i + 1}" for i, c in enumerate(data.clusters)}
    now = dt.datetime.now(TIMEZONE)
    return {
        "lang": fmt.lang,
        "fmt": fmt,
        "t": fmt.t,
        "as_of_text": fmt.date(data.as_of),
        "as_of_iso": data.as_of.isoformat(),
        "generated_text": fmt.t("generated", date=fmt.date(now.date()), time=fmt.clock(now),
                                as_of=fmt.date(data.as_of)),
        "min_firms": data.min_firms,
        **national.context(data, fmt, book),
        **flags.context(data, fmt, anchors),
        "clusters": clusters.context(data, fmt, book, anchors),
        "signals": signals.context(data, fmt, book),
        "quality": quality.context(data, fmt),
        "figures": book.figures,
    }
