"""The report's sections: each module builds the context of one template partial.

:data:`SECTIONS` lists them in page order; the page's contents links and its body follow from it.
:func:`build_context` assembles their contexts into everything the templates need, numbers already
formatted and figures collected in the :class:`~reports.view.FigureBook`.

A new section is one module here with ``context(data, fmt, book) -> dict`` (reading the catalogue for what to show, e.g.
the indicators with ``interval = true`` or a ``headlines`` field), its context under its name in
:func:`build_context`, one partial ``templates/partials/_<name>.html.j2`` (a ``<section>`` with the
section's anchor as id), its texts in both ``locales/*.toml`` (``<name>_heading`` at least), and
one :class:`Section` line in :data:`SECTIONS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pipelines.core.config import TIMEZONE
from reports.data import ReportData
from reports.i18n import Formatter
from reports.sections import clusters, effects, flags, headlines, money, national, quality, signals
from reports.view import FigureBook


@dataclass(frozen=True)
class Section:
    """One section of the page: its anchor (``<section id>``), the locale key of its heading (the
    contents link) and its partial (``templates/partials/_<name>.html.j2``)."""

    name: str
    anchor: str

    @property
    def heading(self) -> str:
        return f"{self.name}_heading"

    @property
    def partial(self) -> str:
        return f"partials/_{self.name}.html.j2"


SECTIONS: tuple[Section, ...] = (
    Section("national", "national"),
    Section("money", "money"),
    Section("effects", "effects"),
    Section("headlines", "headlines"),
    Section("clusters", "clusters"),
    Section("signals", "signals"),
    Section("quality", "quality"),
)

def build_context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    """Everything the templates need, with numbers already formatted."""
    anchors = {c.cluster_id: f"klynge-{i + 1}" for i, c in enumerate(data.clusters)}
    now = dt.datetime.now(TIMEZONE)
    return {
        "lang": fmt.lang,
        "fmt": fmt,
        "t": fmt.t,
        "sections": SECTIONS,
        "as_of_text": fmt.date(data.as_of),
        "as_of_iso": data.as_of.isoformat(),
        "generated_text": fmt.t("generated", date=fmt.date(now.date()), time=fmt.clock(now),
                                as_of=fmt.date(data.as_of)),
        "min_firms": data.min_firms,
        **national.context(data, fmt, book),
        **flags.context(data, fmt, anchors),
        "money": money.context(data, fmt, book),
        "effects": effects.context(data, fmt, book),
        "headlines": headlines.context(data, fmt),
        "clusters": clusters.context(data, fmt, book, anchors),
        "signals": signals.context(data, fmt, book),
        "quality": quality.context(data, fmt),
        "figures": book.figures,
    }
