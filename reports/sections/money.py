"""Section "The money": payout at risk (nationally, per cluster and as a share of the awarded
amount), the private cash gap in kroner and the liquidity without advances, from the indicators
``payout_at_risk_dkk``, ``private_cash_gap_dkk`` and ``free_liquidity_months`` of ``marts.indicators``
and the awarded amounts of ``marts.grants``.

The awarded amount a payout at risk is held against is the sum of ``awarded_dkk`` over the
cluster's grants (all of them, as the indicator sums over them; nationally every granted
cluster's grants). Money figures rest on no firm counts, so disclosure control leaves them alone.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from reports import figures as F
from reports.data import Indicator, ReportData
from reports.i18n import Formatter
from reports.view import FigureBook, status_of, value_text

PAYOUT = "payout_at_risk_dkk"
CASH_GAP = "private_cash_gap_dkk"
COFINANCING = "private_cofinancing_share"
FREE_LIQUIDITY = "free_liquidity_months"


def awarded_by_cluster(data: ReportData) -> dict[str, float]:
    """Σ ``awarded_dkk`` of each granted cluster's grants, and ``ALL`` = the sum."""
    granted = {c.cluster_id for c in data.clusters}
    out: dict[str, float] = defaultdict(float)
    for g in data.grants:
        if g.cluster_id in granted:
            out[g.cluster_id] += g.awarded_dkk
    out["ALL"] = sum(out[c] for c in granted)
    return dict(out)


def share_at_risk(at_risk: Indicator | None, awarded: float) -> float | None:
    """Payout at risk as a share of the awarded amount (None without either)."""
    if at_risk is None or at_risk.value is None or awarded <= 0:
        return None
    return at_risk.value / awarded


def latest_with_value(data: ReportData, cluster_id: str, code: str) -> Indicator | None:
    """The latest year's row of ``code`` with a figure (shown or suppressed)."""
    rows = [r for r in data.series(cluster_id, code) if r.value is not None or r.suppressed]
    return rows[-1] if rows else None


def gap_text(fmt: Formatter, row: Indicator | None, min_firms: int) -> str:
    """The private cash gap in words: "3,2 mio. kr. under løftet" / "... over løftet"."""
    if row is None or row.value is None:
        return value_text(fmt, row, min_firms) if row is not None else "–"
    key = "gap_short" if row.value > 0 else "gap_ahead"
    return fmt.t(key, amount=fmt.dkk(abs(row.value)))


def gap_view(fmt: Formatter, data: ReportData, cluster_id: str) -> dict[str, Any]:
    row = latest_with_value(data, cluster_id, CASH_GAP)
    cof = data.get(cluster_id, COFINANCING, row.period) if row is not None else None
    status = status_of(cof) if row is not None and row.value is not None else status_of(row)
    return {
        "text": gap_text(fmt, row, data.min_firms),
        "period": row.period if row is not None else "",
        "status": status,
        "status_label": fmt.status(status),
    }


def liquidity_view(fmt: Formatter, data: ReportData, cluster_id: str) -> dict[str, Any]:
    row = latest_with_value(data, cluster_id, FREE_LIQUIDITY)
    return {
        "text": value_text(fmt, row, data.min_firms) if row is not None else "–",
        "period": row.period if row is not None else "",
        "status": status_of(row),
        "status_label": fmt.status(status_of(row)),
    }


def context(data: ReportData, fmt: Formatter, book: FigureBook) -> dict[str, Any]:
    awarded = awarded_by_cluster(data)
    national = data.get("ALL", PAYOUT, "to_date")
    national_share = share_at_risk(national, awarded.get("ALL", 0.0))
    rows = []
    for c in data.clusters:
        cid = c.cluster_id
        at_risk = data.get(cid, PAYOUT, "to_date")
        share = share_at_risk(at_risk, awarded.get(cid, 0.0))
        rows.append({
            "name": c.organisation,
            "awarded": fmt.dkk(awarded[cid]) if awarded.get(cid) else "–",
            "at_risk": value_text(fmt, at_risk, data.min_firms) if at_risk is not None else "–",
            "share": fmt.percent(share) if share is not None else "–",
            "gap": gap_view(fmt, data, cid),
            "liquidity": liquidity_view(fmt, data, cid),
        })
    national_gap = gap_view(fmt, data, "ALL")
    # The national sum nets the clusters ahead of their promise against those short of it: the
    # board also sees the shortfalls alone (each cluster's latest year with a gap).
    short = [r for c in data.clusters
             if (r := latest_with_value(data, c.cluster_id, CASH_GAP)) is not None
             and r.value is not None and r.value > 0]
    gap_years = [
        {"period": r.period, "text": gap_text(fmt, r, data.min_firms)}
        for r in data.series("ALL", CASH_GAP) if r.value is not None
    ]
    liquidity_counts = [
        {"status": s, "label": fmt.status(s), "count": sum(r["liquidity"]["status"] == s for r in rows)}
        for s in ("critical", "behind", "on_track")
    ]
    has_payout = any(data.get(c.cluster_id, PAYOUT, "to_date") is not None for c in data.clusters)
    return {
        "payout_text": value_text(fmt, national, data.min_firms) if national is not None else fmt.t("no_data"),
        "awarded_text": fmt.dkk(awarded.get("ALL")) if awarded.get("ALL") else "–",
        "share_text": fmt.percent(national_share) if national_share is not None else "–",
        "gap": national_gap,
        "gap_years": gap_years,
        "short_text": fmt.t("gap_short_clusters", n=len(short), total=len(data.clusters),
                            amount=fmt.dkk(sum(r.value or 0.0 for r in short))) if short else "",
        "rows": rows,
        "liquidity_counts": liquidity_counts,
        "liquidity_thresholds": fmt.t(
            "free_liquidity_rule",
            critical=fmt.decimal(data.thresholds.free_liquidity_critical_months, 0),
            behind=fmt.decimal(data.thresholds.free_liquidity_behind_months, 0),
        ),
        "figure": book.add(F.payout_at_risk(data, fmt, awarded), fmt.t("payout_by_cluster"))
        if has_payout else None,
    }
