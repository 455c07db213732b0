"""Retention of the dated reports: the newest ``keep`` reporting dates stay, older ones go."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

DATED = re.compile(r"^impact_report_(\d{4}-\d{2}-\d{2})\.html$")


def prune_dated_reports(folder: Path, keep: int, current: dt.date) -> list[Path]:
    """Delete ``impact_report_<date>.html`` files beyond the ``keep`` newest dates; the run's own
    date (``current``, perhaps not yet renamed into place) counts as one of them and is never
    deleted. ``keep`` 0 keeps everything. The deleted files."""
    if keep <= 0 or not folder.is_dir():
        return []
    dated: dict[dt.date, Path] = {}
    for path in folder.iterdir():
        match = DATED.match(path.name)
        if match:
            try:
                dated[dt.date.fromisoformat(match.group(1))] = path
            except ValueError:
                continue
    dates = sorted(set(dated) | {current}, reverse=True)
    kept = set(dates[:keep]) | {current}
    removed = []
    for date, path in sorted(dated.items()):
        if date not in kept:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
