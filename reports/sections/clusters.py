"""Section "The clusters": one card per granted cluster with its verdict, SME counts (path,
change, projection), turnover effect, flags (counted shortfalls and data notes), the five
activities with the most SMEs, funding mix, economic sustainability and network."""

from __future__ import annotations

from typing import Any

from reports import figures as F
from reports.data import Activity, ReportData
from reports.i18n import Formatter
from reports.shortfalls import cluster_shortfalls, verdict_of
from reports.view import (
    FigureBook,
    flags_view,
    interval_view,
    kpi,
    status_of,
    value_text,
    year_table,
)

SUSTAINABILITY = ("private_cofinancing_share", "equity_ratio", "liquidity_months", "deb_dependence")
NETWORK = ("network_density", "network_new_ties", "sme_knowledge_ties_share", "demand_offering_match")


def activity_view(a: Activity, fmt: Formatter) -> dict[str, Any]:
    """One of the top activities; the title stays plain text (the templates escape it)."""
    return {
        "title": a.title,
        "theme": fmt.theme(a.theme),
        "grant_type": fmt.grant_type(a.grant_type),
        "start": fmt.date_short(a.start_date),
        "smes": fmt.t("suppressed_short") if a.suppressed else fmt.integer(a.n_smes),
        "suppressed": a.suppressed,
    }


def context(
    data: ReportData, fmt: Formatter, book: FigureBook, anchors: dict[str, str]
) -> list[dict[str, Any]]:
    clusters = []
    for c in data.clusters:
        cid = c.cluster_id
        kpis = [kpi(fmt, data, cid, "smes_collective", 0.0), kpi(fmt, data, cid, "smes_concepts", 0.0)]
        any_figure = any(k["status"] not in ("no_data", "suppressed") for k in kpis)
        cluster_verdict = verdict_of(cluster_shortfalls(data, cid), any_figure)
        trow_c = data.get(cid, "turnover_effect_2y", "all")
        clusters.append({
            "id": cid,
            "anchor": anchors[cid],
            "organisation": c.organisation,
            "business_area": fmt.business_area(cid, c.business_area),
            "granted_text": fmt.mdkk(c.recommended_mdkk * 1e6) if c.recommended_mdkk else "–",
            "verdict": cluster_verdict,
            "verdict_label": fmt.t(f"cverdict_{cluster_verdict}"),
            "kpis": kpis,
            "turnover_text": value_text(fmt, trow_c, data.min_firms) if trow_c else fmt.t("no_data"),
            "turnover_status": status_of(trow_c),
            "turnover_interval": interval_view(fmt, trow_c),
            "turnover_n": fmt.t("based_on_firms", n=fmt.integer(trow_c.n_firms))
            if trow_c and trow_c.n_firms and not trow_c.suppressed else "",
            "turnover_status_label": fmt.status(status_of(trow_c)),
            "flags": flags_view(data, fmt, cid),
            "activities": [activity_view(a, fmt) for a in data.top_activities.get(cid, [])],
            "funding": (book.add(F.funding_mix(data, fmt, cid), fmt.t("funding_mix"))
                        if data.accounts.get(cid) else None),
            "sustainability": year_table(data, fmt, cid, SUSTAINABILITY),
            "network_table": year_table(data, fmt, cid, NETWORK),
        })
    for cl in clusters:
        cl["network"] = (book.add(F.network(data, fmt, cl["id"]), fmt.t("network"))
                         if cl["network_table"]["rows"] else None)
    return clusters
