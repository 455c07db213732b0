"""The programme side of the demo: granted clusters, their grants, accounts and activities.

Grants follow the board decision exactly: per granted cluster one cluster grant (collective
activities) and one innovation grant, 2025-01-01..2028-12-31, whose awards add up to the
recommended amount to the krone. The national SME targets (5,562 and 683) are split over the
clusters in proportion to the recommended amounts with largest-remainder rounding, so they sum to
the national figures exactly.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.core.config import (
    BOARD_DECISION_CSV,
    NATIONAL_TARGET_SMES_COLLECTIVE,
    NATIONAL_TARGET_SMES_CONCEPTS,
)
from pipelines.core.contract import THEMES

from . import vocab

PERIOD_START = dt.date(2025, 1, 1)
PERIOD_END = dt.date(2028, 12, 31)
#: Share of each cluster's recommended amount that goes to its innovation grant (the call had
#: DKK 230m for innovation grants out of DKK 662m recommended: ~35 %).
INNOVATION_SHARE = 0.35
#: Share of activities that are innovation collaborations (the rest are collective activities).
INNOVATION_ACTIVITY_SHARE = 0.15
ACTIVITIES_PER_SCALE = 2000

_EPOCH = dt.date(1970, 1, 1)


def day(value: dt.date) -> int:
    """Days since 1970-01-01 (the integer behind a Polars/Arrow date)."""
    return (value - _EPOCH).days


def largest_remainder(total: int, weights: list[float] | np.ndarray) -> list[int]:
    """Split the integer ``total`` in proportion to ``weights``; parts sum to ``total`` exactly.

    Each part gets the floor of its quota; the units left over go to the largest fractional
    remainders (ties to the earlier entry).
    """
    w = np.asarray(weights, dtype=float)
    quotas = total * w / w.sum()
    parts = np.floor(quotas).astype(int)
    left = total - int(parts.sum())
    order = sorted(range(len(w)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return [int(p) for p in parts]


@dataclass(frozen=True)
class Cluster:
    """A granted cluster and its two grants."""

    cluster_id: str
    organisation: str
    code: str
    recommended_dkk: int
    cluster_grant_id: str
    innovation_grant_id: str
    cluster_awarded_dkk: int
    innovation_awarded_dkk: int
    target_collective: int
    target_concepts: int
    committed_private_share: float


def read_board_decision(
    path: Path = BOARD_DECISION_CSV, granted_only: bool = True
) -> list[dict[str, str]]:
    """The rows of the board decision CSV (the granted ones unless ``granted_only`` is False), in
    file order."""
    with path.open(encoding="utf-8", newline="") as fh:
        return [
            row
            for row in csv.DictReader(fh)
            if not granted_only or row["decision"].strip() == "granted"
        ]


def innovation_part(amount_dkk: int) -> int:
    """The innovation grant's part of an amount (``INNOVATION_SHARE``, to the thousand kroner); the
    rest is the cluster grant's. Grants and applications are split alike."""
    return int(round(amount_dkk * INNOVATION_SHARE, -3))


def make_clusters(path: Path = BOARD_DECISION_CSV) -> list[Cluster]:
    """The granted clusters with awards and targets derived from the board decision."""
    rows = read_board_decision(path)
    recommended = [int(Decimal(r["recommended_mdkk"]) * 1_000_000) for r in rows]
    t_coll = largest_remainder(NATIONAL_TARGET_SMES_COLLECTIVE, recommended)
    t_conc = largest_remainder(NATIONAL_TARGET_SMES_CONCEPTS, recommended)
    clusters = []
    for i, (row, rec) in enumerate(zip(rows, recommended, strict=True)):
        cid = row["cluster_id"].strip()
        code = vocab.CLUSTER_CODES.get(cid, f"C{i + 1:02d}")
        innovation = innovation_part(rec)
        clusters.append(
            Cluster(
                cluster_id=cid,
                organisation=row["organisation"].strip(),
                code=code,
                recommended_dkk=rec,
                cluster_grant_id=f"KLY-2025-{code}",
                innovation_grant_id=f"INN-2025-{code}",
                cluster_awarded_dkk=rec - innovation,
                innovation_awarded_dkk=innovation,
                target_collective=t_coll[i],
                target_concepts=t_conc[i],
                committed_private_share=vocab.COMMITTED_PRIVATE_SHARE.get(cid, 0.33),
            )
        )
    return clusters


def grants_frame(clusters: list[Cluster]) -> pl.DataFrame:
    """Two grants per cluster, with an extra (ignored) column naming the grant in Danish."""
    rows = []
    for c in clusters:
        for gid, gtype, awarded, target, label in (
            (
                c.cluster_grant_id,
                "cluster",
                c.cluster_awarded_dkk,
                c.target_collective,
                "Klyngebevilling",
            ),
            (
                c.innovation_grant_id,
                "innovation",
                c.innovation_awarded_dkk,
                c.target_concepts,
                "Innovationsbevilling",
            ),
        ):
            rows.append(
                {
                    "grant_id": gid,
                    "cluster_id": c.cluster_id,
                    "grant_type": gtype,
                    "awarded_dkk": awarded,
                    "period_start": PERIOD_START,
                    "period_end": PERIOD_END,
                    "target_smes": target,
                    "committed_private_share": c.committed_private_share,
                    "bevilling": f"{label} 2025-2028 – {c.organisation}",
                }
            )
    return pl.DataFrame(rows)


# --- accounts --------------------------------------------------------------------------------------

ACCOUNT_YEARS = (2023, 2024, 2025, 2026)


def accounts_frame(rng: np.random.Generator, clusters: list[Cluster]) -> tuple[pl.DataFrame, int]:
    """Four fiscal years per cluster; returns the frame and the number of deliberately bad rows.

    Public money is DEB funding (a quarter of the grant per year from 2025, a little less from the
    previous programme before) plus other public funding; private cash is set so that the private
    share lands near the cluster's promise. Healthy clusters hold 3.5-6.5 months of costs in cash.
    The troubled cluster promises 40 % and delivers ~14 %, runs losses from 2025 that turn its
    equity negative in 2026, and ends 2026 with 0.6 months of cash (2.0 in 2025) while holding
    advances of 1.6 times that cash: its liquidity without advances is negative. One row's
    revenue total deliberately differs from its funding lines by ~6 % (kept, flagged), and one row
    is for a rejected applicant (``unknown_cluster``).
    """
    rows = []
    mismatch = (clusters[-1].cluster_id, 2024) if clusters else None
    for c in clusters:
        troubled = c.cluster_id == vocab.TROUBLED_CLUSTER
        if troubled:
            factor = 0.35
        elif c.cluster_id == vocab.BEHIND_COFINANCING:
            factor = 0.85
        else:
            factor = float(rng.uniform(1.04, 1.15))  # healthy: never below the promise
        equity = c.recommended_dkk / 4 * (0.12 if troubled else rng.uniform(0.10, 0.25))
        for year in ACCOUNT_YEARS:
            deb = c.recommended_dkk / 4 * (0.85 if year < 2025 else rng.uniform(0.92, 1.0))
            other_public = deb * rng.uniform(0.12, 0.30)
            public = deb + other_public
            share = min(0.8, c.committed_private_share * factor * rng.uniform(0.97, 1.03))
            private = public * share / (1 - share)
            split = rng.dirichlet([7, 2, 9, 2])
            membership, sponsor, user, other_private = (private * s for s in split)
            revenue = deb + other_public + private
            if troubled:  # fine before the programme, then losses: 6 % in 2025, 16 % in 2026
                costs = revenue * {2023: 0.99, 2024: 1.0, 2025: 1.06, 2026: 1.16}[year]
            else:
                costs = revenue * rng.uniform(0.96, 1.03)
            result = revenue - costs
            equity += result
            advance = deb * rng.uniform(0.05, 0.15)
            if troubled and year == 2026:
                months = 0.6
            elif troubled and year == 2025:
                months = 2.0
            else:
                months = rng.uniform(3.5, 6.5)
            cash = costs / 12 * months
            if c.cluster_id == vocab.LIVING_ON_ADVANCES and year == ACCOUNT_YEARS[-1]:
                # advances received and not yet spent exceed the cash: free liquidity 0.6 - 0.96
                # = -0.36 months (the draw above is kept so that the other figures stay put)
                advance = cash * 1.6
            receivables = revenue * rng.uniform(0.03, 0.08)
            payables = revenue * rng.uniform(0.05, 0.12)
            # The balance sheet: assets hold the cash; liabilities are advances, payables and
            # whatever else balances it (equity is the accumulated results).
            assets = max(cash + receivables, max(equity, 0.0) + advance + payables)
            reported_revenue = revenue * (1.06 if (c.cluster_id, year) == mismatch else 1.0)
            row = {
                "cluster_id": c.cluster_id,
                "fiscal_year": year,
                "revenue_total_dkk": reported_revenue,
                "deb_funding_dkk": deb,
                "other_public_funding_dkk": other_public,
                "membership_fees_dkk": membership,
                "sponsorships_dkk": sponsor,
                "user_payments_dkk": user,
                "other_private_cash_dkk": other_private,
                "private_in_kind_dkk": private * rng.uniform(0.3, 0.7),
                "costs_total_dkk": costs,
                "result_dkk": result,
                "equity_dkk": equity,
                "total_assets_dkk": assets,
                "cash_dkk": cash,
                "advance_payments_dkk": advance,
                "bemærkning": _account_note(troubled, year, equity),
            }
            rows.append(
                {k: float(v) if isinstance(v, np.floating | float) else v for k, v in row.items()}
            )
    bad = dict(rows[0]) if rows else None
    if bad is not None:  # a rejected applicant sends accounts anyway -> unknown_cluster
        bad.update(
            cluster_id="danish-sound",
            fiscal_year=2025,
            bemærkning="Afslået ansøger – sendt ved en fejl",
        )
        rows.append(bad)
    frame = pl.DataFrame(rows).with_columns(
        pl.col(c).round(2) for c in (r for r in rows[0] if r.endswith("_dkk"))
    )
    return frame, int(bad is not None)


def _account_note(troubled: bool, year: int, equity: float) -> str:
    if troubled and equity < 0:
        return "Egenkapitalen er tabt – bestyrelsen arbejder på en genopretningsplan"
    if troubled:
        return "Underskud; øget fokus på brugerbetaling og kontingenter"
    return (
        "Årsregnskab godkendt på generalforsamlingen"
        if year < 2026
        else "Foreløbigt regnskab (årsrapport følger)"
    )


# --- applications ----------------------------------------------------------------------------------


def applications_frame(
    rng: np.random.Generator, path: Path = BOARD_DECISION_CSV
) -> tuple[pl.DataFrame, int]:
    """The scored applications of the call: two per applicant of the board decision (all 14),
    and the number of deliberately bad rows.

    Applied amounts come from the board decision (``applied_mdkk``), split into the two grant
    types like the grants (``innovation_part``), so a cluster granted all it applied for has no
    headroom. Weighted scores (0..10, two decimals): 6.5-9.5 for the granted applicants, 4.0-6.4
    for the rejected ones. One row names a cluster that is no applicant (``unknown_cluster``).
    """
    rows = []
    for row in read_board_decision(path, granted_only=False):
        applied = int(Decimal(row["applied_mdkk"]) * 1_000_000)
        granted = row["decision"].strip() == "granted"
        innovation = innovation_part(applied)
        for grant_type, amount in (("cluster", applied - innovation), ("innovation", innovation)):
            score = rng.uniform(6.5, 9.5) if granted else rng.uniform(4.0, 6.4)
            rows.append(
                {
                    "cluster_id": row["cluster_id"].strip(),
                    "grant_type": grant_type,
                    "applied_dkk": float(amount),
                    "weighted_score": round(float(score), 2),
                }
            )
    # not an applicant of the board decision -> unknown_cluster
    rows.append(
        {
            "cluster_id": "nordic-quantum-cluster",
            "grant_type": "innovation",
            "applied_dkk": 25_000_000.0,
            "weighted_score": 7.1,
        }
    )
    return pl.DataFrame(rows), 1


# --- activities ------------------------------------------------------------------------------------


def activities_frame(
    rng: np.random.Generator, clusters: list[Cluster], scale: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Activities (clean) and the deliberately bad activity rows.

    Collective activities start uniformly between early January 2025 and November 2028 and mostly
    last a day; innovation collaborations start mostly early in the programme (2025: 35 %, 2026:
    30 %, 2027: 25 %, first half of 2028: 10 %) and run 6-24 months. Activities are numbered in
    start order within cluster and grant. Columns beyond the contract (``cluster_id``,
    ``grant_type``) are for the generator and are not written.
    """
    n_total = ACTIVITIES_PER_SCALE * scale
    n_innov = int(round(n_total * INNOVATION_ACTIVITY_SHARE))
    weights = [c.recommended_dkk for c in clusters]
    coll_counts = largest_remainder(n_total - n_innov, weights)
    innov_counts = largest_remainder(n_innov, weights)
    coll_titles = _title_table(vocab.TITLE_TEMPLATES_COLLECTIVE)
    innov_titles = _title_table(vocab.TITLE_TEMPLATES_INNOVATION)
    themes = np.array(THEMES)
    end_cap = day(PERIOD_END)
    parts = []
    for c, n_coll, n_inn in zip(clusters, coll_counts, innov_counts, strict=True):
        p = vocab.theme_weights(c.cluster_id)
        # collective activities
        lo, hi = day(dt.date(2025, 1, 6)), day(dt.date(2028, 11, 30))
        start = np.sort(lo + (stratified(rng, n_coll) * (hi - lo + 1)).astype(np.int64))
        kind = rng.random(n_coll)
        duration = np.where(
            kind < 0.7,
            0,
            np.where(kind < 0.9, rng.integers(1, 3, n_coll), rng.integers(7, 91, n_coll)),
        )
        end = np.minimum(start + duration, end_cap).astype(float)
        end[rng.random(n_coll) < 0.05] = np.nan  # end date is optional
        theme_idx = _theme_draws(rng, c.cluster_id, start, p)
        title = coll_titles[theme_idx, rng.integers(0, coll_titles.shape[1], n_coll)]
        parts.append(
            _activity_part(c.code, "K", c, "cluster", start, end, themes[theme_idx], title)
        )
        # innovation collaborations
        start = np.sort(_innovation_starts(stratified(rng, n_inn)))
        end = np.minimum(start + rng.integers(180, 721, n_inn), end_cap).astype(float)
        theme_idx = _theme_draws(rng, c.cluster_id, start, p)
        title = innov_titles[theme_idx, rng.integers(0, innov_titles.shape[1], n_inn)]
        parts.append(
            _activity_part(c.code, "I", c, "innovation", start, end, themes[theme_idx], title)
        )
    frame = pl.concat(parts)
    # Special titles and unknown theme codes on a few collective activities.
    coll_rows = np.flatnonzero((frame["grant_type"] == "cluster").to_numpy())
    picks = rng.choice(
        coll_rows, len(vocab.SPECIAL_TITLES) + len(vocab.UNKNOWN_THEMES), replace=False
    )
    titles = frame["title"].to_numpy().copy()
    theme_col = frame["theme"].to_numpy().copy()
    titles[picks[: len(vocab.SPECIAL_TITLES)]] = vocab.SPECIAL_TITLES
    theme_col[picks[len(vocab.SPECIAL_TITLES) :]] = vocab.UNKNOWN_THEMES
    frame = frame.with_columns(
        pl.Series("title", titles, dtype=pl.String), pl.Series("theme", theme_col, dtype=pl.String)
    )
    return frame, _bad_activities(clusters)


def _theme_draws(
    rng: np.random.Generator, cluster_id: str, start: np.ndarray, p: list[float]
) -> np.ndarray:
    """Theme indices for activities starting on the days ``start``: drawn with the cluster's
    weights ``p``, or for the drifting cluster with the weights of each start year."""
    if cluster_id != vocab.DRIFTING_CLUSTER:
        return rng.choice(len(THEMES), len(start), p=p)
    years = np.asarray(start, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    out = np.empty(len(start), dtype=np.int64)
    for year in np.unique(years):
        rows = np.flatnonzero(years == year)
        weights = vocab.theme_weights(cluster_id, year=int(year))
        out[rows] = rng.choice(len(THEMES), len(rows), p=weights)
    return out


def stratified(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` uniforms on [0, 1), one per equal stratum, shuffled (steady counts by any date)."""
    u = (np.arange(n) + rng.random(n)) / max(n, 1)
    rng.shuffle(u)
    return u


#: Innovation collaborations start mostly early: (first day, length in days, share) per year.
_INNOVATION_START_SEGMENTS = (
    (dt.date(2025, 1, 15), 330, 0.35),
    (dt.date(2026, 1, 15), 330, 0.30),
    (dt.date(2027, 1, 15), 330, 0.25),
    (dt.date(2028, 1, 15), 160, 0.10),
)


def _innovation_starts(u: np.ndarray) -> np.ndarray:
    """Start days from uniforms by the inverse CDF of the piecewise-uniform start distribution."""
    shares = np.array([s for _, _, s in _INNOVATION_START_SEGMENTS])
    upper = np.cumsum(shares)
    seg = np.minimum(np.searchsorted(upper, u, side="right"), len(shares) - 1)
    within = (u - (upper - shares)[seg]) / shares[seg]
    first = np.array([day(d) for d, _, _ in _INNOVATION_START_SEGMENTS])
    length = np.array([n for _, n, _ in _INNOVATION_START_SEGMENTS])
    return first[seg] + (within * length[seg]).astype(np.int64)


def _title_table(templates: tuple[str, ...]) -> np.ndarray:
    """Titles per theme: array (n_themes, n_templates * n_topics) of strings."""
    table = [[tpl.format(topic) for tpl in templates for topic in vocab.TOPICS[t]] for t in THEMES]
    return np.array(table, dtype=object)


def _activity_part(
    code: str,
    letter: str,
    cluster: Cluster,
    grant_type: str,
    start: np.ndarray,
    end: np.ndarray,
    theme: np.ndarray,
    title: np.ndarray,
) -> pl.DataFrame:
    n = len(start)
    grant_id = cluster.cluster_grant_id if grant_type == "cluster" else cluster.innovation_grant_id
    return pl.DataFrame(
        {
            "activity_id": pl.Series(np.arange(1, n + 1)).cast(pl.String).str.zfill(5),
            "grant_id": [grant_id] * n,
            "title": pl.Series(title, dtype=pl.String),
            "theme": pl.Series(theme, dtype=pl.String),
            "start_date": pl.Series(start.astype(np.int32)).cast(pl.Date),
            "end_date": pl.Series(end).fill_nan(None).cast(pl.Int32).cast(pl.Date),
            "cluster_id": [cluster.cluster_id] * n,
            "grant_type": [grant_type] * n,
        }
    ).with_columns((pl.lit(f"{code}-{letter}-") + pl.col("activity_id")).alias("activity_id"))


def _bad_activities(clusters: list[Cluster]) -> pl.DataFrame:
    """Unknown grant, end before start, missing title: one row each."""
    c = clusters[0]
    rows = [
        (
            "XXX-K-00001",
            "KLY-2025-XXX",
            "Aktivitet under ukendt bevilling",
            "digitalisation",
            dt.date(2025, 5, 1),
            dt.date(2025, 5, 1),
        ),
        (
            f"{c.code}-K-99901",
            c.cluster_grant_id,
            "Slutdato før startdato",
            "energy",
            dt.date(2026, 3, 10),
            dt.date(2026, 2, 10),
        ),
        (f"{c.code}-K-99902", c.cluster_grant_id, None, "finance", dt.date(2026, 4, 1), None),
    ]
    return pl.DataFrame(
        rows,
        schema={
            "activity_id": pl.String,
            "grant_id": pl.String,
            "title": pl.String,
            "theme": pl.String,
            "start_date": pl.Date,
            "end_date": pl.Date,
        },
        orient="row",
    ).with_columns(pl.lit(c.cluster_id).alias("cluster_id"), pl.lit("cluster").alias("grant_type"))
