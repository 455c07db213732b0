"""Section "Clusters flagged, worst first": one line per flagged cluster (and the national level)
with its counts and its most serious issue, plus the national flags."""

from __future__ import annotations

from typing import Any

from reports.data import Flag, ReportData
from reports.i18n import Formatter
from reports.view import flag_view


def context(data: ReportData, fmt: Formatter, anchors: dict[str, str]) -> dict[str, Any]:
    names = {c.cluster_id: c.organisation for c in data.clusters}
    by_cluster: dict[str, list[Flag]] = {}
    for f in data.flags:
        by_cluster.setdefault(f.cluster_id, []).append(f)
    flagged = []
    for cid, fl in by_cluster.items():
        fl = sorted(fl, key=lambda f: (f.rank, f.indicator, f.period))
        flagged.append({
            "name": fmt.t("national") if cid == "ALL" else names.get(cid, cid),
            "anchor": anchors.get(cid, "national"),
            "errors": sum(f.severity == "ERROR" for f in fl),
            "warnings": sum(f.severity == "WARN" for f in fl),
            "worst": flag_view(fl[0], data, fmt),
            "is_cluster": cid != "ALL",
        })
    flagged.sort(key=lambda r: (-r["errors"], -r["warnings"], r["name"].lower()))
    return {
        "flagged": flagged,
        "national_flags": [flag_view(f, data, fmt) for f in data.flags_for("ALL")],
    }
