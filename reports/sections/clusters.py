"""Section "The clusters": one card per granted cluster with its verdict, SME counts, turnover
effect, funding mix, economic sustainability, network and flags."""

from __future__ import annotations

from typing import Any

from reports import figures as F
from reports.data import ReportData
from reports.i18n import Formatter
from reports.view import FigureBook, flag_view, kpi, status_of, value_text, verdict, year_table

SUSTAINABILITY = ("private_cofinancing_share", "equity_ratio", "liquidity_months", "deb_dependence")
NETWORK = ("network_density", "network_new_ties", "sme_knowledge_ties_share", "demand_offering_match")


def _cluster_verdict(severities: set[str], kpis: list[dict[str, Any]]) -> str:
    if "ERROR" in severities:
        return "critical"
    if "WARN" in severities:
        return "behind"
    if not any(k["status"] not in ("no_data", "suppressed") for k in kpis):
        return "no_data"
    return "on_track" if verdict([k["status"] for k in kpis]) != "no_data" else "no_data"


def context(
    data: ReportData, fmt: Formatter, book: FigureBook, anchors: dict[str, str]
) -> list[dict[str, Any]]:
    clusters = []
    for c in data.clusters:
        cid = c.cluster_id
        kpis = [kpi(fmt, data, cid, "smes_collective", 0.0), kpi(fmt, data, cid, "smes_concepts", 0.0)]
        cluster_verdict = _cluster_verdict({f.severity for f in data.flags_for(cid)}, kpis)
        trow_c = data.get(cid, "turnover_effect_2y", "all")
        clusters.append({
            "id": cid,
            "anchor": anchors[cid],
            "organisation": c.organisation,
            "business_area": c.business_area,
            "granted_text": fmt.mdkk(c.recommended_mdkk * 1e6) if c.recommended_mdkk else "–",
            "verdict": cluster_verdict,
            "verdict_label": fmt.t(f"cverdict_{cluster_verdict}"),
            "kpis": kpis,
            "turnover_text": value_text(fmt, trow_c, data.min_firms) if trow_c else fmt.t("no_data"),
            "turnover_status": status_of(trow_c),
            "turnover_status_label": fmt.status(status_of(trow_c)),
            "bullet": book.add(F.bullet(data, fmt, cid), fmt.t("trajectory")),
            "funding": (book.add(F.funding_mix(data, fmt, cid), fmt.t("funding_mix"))
                        if data.accounts.get(cid) else None),
            "sustainability": year_table(data, fmt, cid, SUSTAINABILITY),
            "network_table": year_table(data, fmt, cid, NETWORK),
            "flags": [flag_view(f, data, fmt) for f in data.flags_for(cid)],
        })
    for cl in clusters:
        cl["network"] = (book.add(F.network(data, fmt, cl["id"]), fmt.t("network"))
                         if cl["network_table"]["rows"] else None)
    return clusters
