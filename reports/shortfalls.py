"""What the flags of ``marts.flags`` mean for the board: performance shortfalls and data notes.

* A **shortfall** is a flag on a row of a catalogue indicator (its status rule made it ``behind``
  or ``critical``). Each indicator's shortfall counts once per cluster: only the flag on its
  *counting period* counts, the latest period the indicator has a figure for (``to_date`` or
  ``all`` where the indicator has such a row, else its latest year). A flag on an earlier year is
  history: listed with the counted one, never counted itself (so is a single cohort's flag where
  the ``all`` row counts); if the latest year is fine, the
  shortfall is over.
* Its **size** is the relative gap to the level its status rule compares the value with
  (:func:`shortfall_size`), so that shortfalls of different indicators can be ranked.
* A **data note** is any other flag (``dq_*`` codes and codes not in the catalogue): something a
  reader must know about the data, never a verdict on a cluster's performance.

The verdict and the "most serious issue" of a cluster come from its counted shortfalls only:
the most severe, then the largest (:func:`cluster_shortfalls` sorts them so).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from pipelines.core.catalogue import catalogue
from pipelines.core.config import Thresholds
from reports.data import SEVERITY_RANK as SEVERITY_ORDER
from reports.data import Flag, Indicator, ReportData

# The level each status rule holds a value against (the line between "on track" and not).
# A new status rule needs one entry here to get a size; without one its size is unknown.
REFERENCE_LEVELS: dict[str, Callable[[Indicator, Thresholds], float | None]] = {
    "trajectory": lambda row, th: row.expected,
    "cofinancing": lambda row, th: row.target,
    "effect": lambda row, th: row.target if row.target is not None else th.expected_turnover_effect,
    "liquidity": lambda row, th: th.liquidity_behind_months,
    "free_liquidity": lambda row, th: th.free_liquidity_behind_months,
    "equity": lambda row, th: 0.0,
}


def is_data_note(flag: Flag) -> bool:
    """A flag that is not about an indicator of the catalogue (``dq_*`` and unknown codes)."""
    return flag.indicator not in catalogue()


@dataclass(frozen=True)
class Shortfall:
    """A counted performance shortfall: the flag, its indicator row, its size and reference level.

    ``also`` are the indicator's other flagged periods (earlier years, single cohorts): listed
    with it, not counted.
    """

    flag: Flag
    row: Indicator | None
    size: float | None
    level: float | None
    also: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        return catalogue()[self.flag.indicator].status_rule


def reference_level(row: Indicator, thresholds: Thresholds) -> float | None:
    """The level the row's status rule compares its value with (None if unknown)."""
    rule = catalogue()[row.indicator].status_rule
    level = REFERENCE_LEVELS.get(rule)
    return level(row, thresholds) if level else None


def shortfall_size(row: Indicator | None, thresholds: Thresholds) -> float | None:
    """How far the value falls short of its reference level L, relative to it: (L − v) / |L|.

    Trajectory: against the expected level now (1 − progress); co-financing: against the promised
    share; turnover effect: against the 7 % experience figure; liquidity: against the 3 months
    below which it is flagged; liquidity without advances: against its 1 month. Where L is 0 (negative equity) the gap itself, L − v (the equity
    ratio below 0). None where the figure is hidden or missing or the rule has no level.
    """
    if row is None or row.value is None or row.suppressed:
        return None
    level = reference_level(row, thresholds)
    if level is None:
        return None
    gap = level - row.value
    return gap if level == 0 else gap / abs(level)


def counting_period(data: ReportData, cluster_id: str, indicator: str) -> str | None:
    """The period whose row counts for ``indicator`` of ``cluster_id``: its headline row's
    (``to_date``/``all`` where there is such a row with a figure, else the latest year with a
    figure, shown or suppressed)."""
    row = data.headline(cluster_id, indicator)
    return row.period if row else None


def _sort_key(s: Shortfall) -> tuple[int, float, str]:
    return (s.flag.rank, -(s.size if s.size is not None else float("-inf")), s.flag.indicator)


def cluster_shortfalls(data: ReportData, cluster_id: str) -> list[Shortfall]:
    """The counted shortfalls of one cluster (or ``ALL``), most serious first: severity, then
    size (unknown sizes last), then indicator code."""
    by_indicator: dict[str, list[Flag]] = defaultdict(list)
    for f in data.flags:
        if f.cluster_id == cluster_id and not is_data_note(f):
            by_indicator[f.indicator].append(f)
    out = []
    for indicator, flags in by_indicator.items():
        period = counting_period(data, cluster_id, indicator)
        counted = [f for f in flags if f.period == period]
        if not counted:
            continue  # only earlier periods were short: the shortfall is over
        flag = min(counted, key=lambda f: f.rank)
        row = data.get(cluster_id, indicator, flag.period)
        also = tuple(sorted({f.period for f in flags if f.period != flag.period}))
        out.append(Shortfall(
            flag, row, shortfall_size(row, data.thresholds),
            None if row is None or row.suppressed else reference_level(row, data.thresholds),
            also,
        ))
    return sorted(out, key=_sort_key)


def data_notes(data: ReportData, cluster_id: str) -> list[Flag]:
    """The data notes of one cluster (or ``ALL``), by code and period."""
    return sorted(
        (f for f in data.flags if f.cluster_id == cluster_id and is_data_note(f)),
        key=lambda f: (f.indicator, f.period),
    )


def verdict_of(shortfalls: list[Shortfall], any_figure: bool) -> str:
    """``critical`` with a counted ERROR, ``behind`` with a counted WARN, else ``on_track`` when
    there is any figure to judge, else ``no_data``. Data notes never enter."""
    severities = {s.flag.severity for s in shortfalls}
    if "ERROR" in severities:
        return "critical"
    if "WARN" in severities:
        return "behind"
    return "on_track" if any_figure else "no_data"


def flagged_clusters(data: ReportData) -> list[tuple[str, str]]:
    """The granted clusters with at least one counted performance shortfall, and the severity of
    the most serious one (``ERROR``/``WARN``), most severe first, then by cluster id. Data notes
    never make a cluster flagged; the national level (``ALL``) is not a cluster."""
    out = []
    for cluster_id in sorted({f.cluster_id for f in data.flags if f.cluster_id != "ALL"}):
        shortfalls = cluster_shortfalls(data, cluster_id)
        if shortfalls:
            out.append((cluster_id, shortfalls[0].flag.severity))
    return sorted(out, key=lambda c: (SEVERITY_ORDER.get(c[1], 2), c[0]))
