"""Section "Clusters flagged, worst first": one line per flagged cluster (and the national level)
with its counted shortfalls, its data notes and its most serious issue.

Counted as in :mod:`reports.shortfalls`: each indicator's shortfall once (its latest period), the
most serious issue = the most severe, then largest, counted shortfall; data notes are counted
apart and never stand as the most serious issue.
"""

from __future__ import annotations

from typing import Any

from reports.data import ReportData
from reports.i18n import Formatter
from reports.shortfalls import cluster_shortfalls, data_notes
from reports.view import shortfall_view


def context(data: ReportData, fmt: Formatter, anchors: dict[str, str]) -> dict[str, Any]:
    names = {c.cluster_id: c.organisation for c in data.clusters}
    flagged = []
    for cid in dict.fromkeys(f.cluster_id for f in data.flags):
        shortfalls = cluster_shortfalls(data, cid)
        notes = data_notes(data, cid)
        if not shortfalls and not notes:
            continue  # only earlier periods were flagged: nothing stands today
        flagged.append({
            "name": fmt.t("national") if cid == "ALL" else names.get(cid, cid),
            "anchor": anchors.get(cid, "national"),
            "errors": sum(s.flag.severity == "ERROR" for s in shortfalls),
            "warnings": sum(s.flag.severity == "WARN" for s in shortfalls),
            "notes": len(notes),
            "worst": shortfall_view(shortfalls[0], data, fmt) if shortfalls else None,
            "worst_size": shortfalls[0].size if shortfalls and shortfalls[0].size is not None else -1.0,
            "is_cluster": cid != "ALL",
        })
    flagged.sort(key=lambda r: (-r["errors"], -r["warnings"], -r["worst_size"], -r["notes"], r["name"].lower()))
    return {"flagged": flagged}
