"""Where a figure is heading: its path over the reporting dates, its change since the previous
one, and for the SME counts the projection to the end of the grants at today's pace.

The expected path is the contract's prorated target as a function of time,
E(t) = Σ target_smes × clamp((t − period_start) / (period_end − period_start), 0, 1) over the
grants of the count's type (one cluster's, or all for ``ALL``); it is piecewise linear between the
grants' start and end dates. "Today's pace" is progress p = value / expected at ``as_of``; a count
at that pace is p × E(t), so it ends at value / (expected / target) (the elapsed fraction of the
target is expected / target) and reaches the target on the first day E(t) ≥ target / p.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from pipelines.core.catalogue import catalogue
from reports.data import Grant, Indicator, ReportData

PathPoints = list[tuple[dt.date, float]]


def grants_for(data: ReportData, cluster_id: str, grant_type: str) -> list[Grant]:
    """The grants of ``grant_type`` behind a cluster's count (all of them for ``ALL``)."""
    return [
        g for g in data.grants
        if g.grant_type == grant_type and (cluster_id == "ALL" or g.cluster_id == cluster_id)
        and g.period_end > g.period_start
    ]


def expected_at(grants: list[Grant], when: dt.date) -> float:
    """E(when): Σ target × elapsed fraction (in days, clamped to 0..1)."""
    total = 0.0
    for g in grants:
        frac = (when - g.period_start).days / (g.period_end - g.period_start).days
        total += g.target_smes * min(max(frac, 0.0), 1.0)
    return total


def expected_path(grants: list[Grant], extra: tuple[dt.date, ...] = ()) -> PathPoints:
    """E(t) at its breakpoints (every grant start and end) and at ``extra`` dates, in date order."""
    points = sorted({g.period_start for g in grants} | {g.period_end for g in grants} | set(extra))
    return [(t, expected_at(grants, t)) for t in points]


def first_day_reaching(path: PathPoints, level: float) -> dt.date | None:
    """The first day on which the piecewise-linear ``path`` reaches ``level``; None if never."""
    for (t0, v0), (t1, v1) in zip(path, path[1:], strict=False):
        if v0 >= level:
            return t0
        if v1 >= level and v1 > v0:
            days = (t1 - t0).days * (level - v0) / (v1 - v0)
            return t0 + dt.timedelta(days=math.ceil(days - 1e-9))
    if path and path[-1][1] >= level:
        return path[-1][0]
    return None


@dataclass(frozen=True)
class Projection:
    """A count's projection at today's pace (p = value / expected)."""

    pace: float
    target: float
    at_end: float  # the count at the end of the grants: value / (expected / target)
    end: dt.date  # the last grant end
    reached_on: dt.date | None  # the day the target is reached at that pace (None: not by `end`)
    already: bool  # the count has reached the target already
    path: PathPoints  # p × E(t) from as_of to the end


def projection(data: ReportData, cluster_id: str, code: str) -> Projection | None:
    """The projection of a count held against a grant type's targets; None where its figure is
    hidden or missing, or nothing is expected yet (expected 0 or no grants)."""
    entry = catalogue()[code]
    row = data.get(cluster_id, code, "to_date")
    if (
        entry.grant_type is None or row is None or row.value is None or row.suppressed
        or not row.expected or not row.target
    ):
        return None
    grants = grants_for(data, cluster_id, entry.grant_type)
    if not grants:
        return None
    pace = row.value / row.expected
    end = max(g.period_end for g in grants)
    path = [(t, pace * v) for t, v in expected_path(grants, (data.as_of,)) if t >= data.as_of]
    already = row.value >= row.target
    reached = data.as_of if already else (
        first_day_reaching(expected_path(grants, (data.as_of,)), row.target / pace) if pace > 0 else None
    )
    if reached is not None and reached < data.as_of:
        reached = data.as_of
    return Projection(
        pace=pace,
        target=row.target,
        at_end=row.value * row.target / row.expected,
        end=end,
        reached_on=reached,
        already=already,
        path=path,
    )


@dataclass(frozen=True)
class Change:
    """The change of a headline figure since the previous reporting date that has it."""

    delta: float
    previous: Indicator


def change(path: list[Indicator]) -> Change | None:
    """Latest minus previous point of a path; None with fewer than two points or where either
    figure is hidden (a difference would reveal it) or missing."""
    if len(path) < 2:
        return None
    now, before = path[-1], path[-2]
    if now.value is None or before.value is None or now.suppressed or before.suppressed:
        return None
    return Change(now.value - before.value, before)
