"""Participation in activities and the outcomes of innovation collaborations.

Collective activities (cluster grants)
-------------------------------------
For each cluster the generator first fixes its *distinct* participating SMEs: ``target x pace``
of them (x ``scale``), where the pace is 1.08..1.30 for clusters on track and 0.72 for the one
cluster that is behind (not multiplied by scale, so it stays behind at any scale). Each such firm
gets a first activity drawn uniformly from the cluster's collective activities, which start
uniformly over 2025-2028 — so by a reporting date the number of distinct SMEs is about
``pace x elapsed fraction x target``: on track at every ``as_of``. Clusters draw their SMEs from
disjoint parts of the register, except for a planted overlap (:func:`collective_smes`: two
related clusters share many, every cluster a few). A few large firms (many for one cluster,
``vocab.LARGE_FIRM_CLUSTER``) and a handful of firms without a register row (``unverified``) join
as well. The rest of the cluster's rows are
repeat participations of the same firms (some firms much more active than others) in activities
at or after their first one, mostly soon after, so repeats never move a firm's first date
earlier. A cluster gets rows in proportion to its activities, capped at 8 per participating firm
(this binds only for the cluster that is behind, at large scales; its spare rows go elsewhere).
First activities and activity start dates are stratified draws, so counts by any date are steady.

Innovation collaborations (innovation grants)
--------------------------------------------
~2,200 x scale rows, about 8 % of the firms in two collaborations. Participants are drawn with
weights (:func:`demo.register.innovation_weights`) from the SME pool plus 3 % large firms. A
firm's cohort year — the year of its first innovation participation — is returned so the planted
turnover effect can be applied from that year on.

Outcomes
--------
90 % of innovation participations report an outcome. Concept dates fall 2-24 months after the
participation. Per cluster, the number of concepts dated by the reference date 2026-11-23 is set
to ``pace x elapsed fraction x target`` (pace 1.10..1.30, or 0.72 for the cluster behind on
concepts), and the same concept rate is used for the later outcomes.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from . import vocab
from .programme import PERIOD_END, PERIOD_START, Cluster, day, largest_remainder, stratified
from .register import LARGE, Register, innovation_weights

ROWS_PER_SCALE = 20_000
INNOVATION_ROWS_PER_SCALE = 2_200
LARGE_SHARE = 0.03
UNVERIFIED_PER_SCALE = 6
#: At most this many collective participations per participating firm and cluster (over 4 years).
MAX_ROWS_PER_MEMBER = 8
#: The reporting date the demo's trajectories are tuned for ("today" when it was written).
REFERENCE_AS_OF = dt.date(2026, 11, 23)
BEHIND_PACE = 0.72


def elapsed_fraction(as_of: dt.date) -> float:
    """The output contract's elapsed fraction of a 2025-2028 grant at ``as_of``."""
    frac = (as_of - PERIOD_START).days / (PERIOD_END - PERIOD_START).days
    return min(max(frac, 0.0), 1.0)


def to_year(days: np.ndarray) -> np.ndarray:
    """Calendar year of day numbers (days since 1970-01-01)."""
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def weighted_sample(
    rng: np.random.Generator, pool: np.ndarray, weights: np.ndarray, k: int
) -> np.ndarray:
    """``k`` items of ``pool`` without replacement, with probability ~ weights (Efraimidis-Spirakis)."""
    k = min(k, len(pool))
    keys = np.log(rng.random(len(pool))) / np.maximum(weights, 1e-12)
    top = np.argpartition(-keys, k - 1)[:k] if k else np.array([], dtype=np.int64)
    return pool[top[np.argsort(-keys[top], kind="stable")]]


def _dedup(act: np.ndarray, firm: np.ndarray, n_firms: int) -> tuple[np.ndarray, np.ndarray]:
    """Drop repeated (activity, firm) pairs, keeping the first occurrence and the order."""
    key = act.astype(np.int64) * (n_firms + 1) + firm
    _, first = np.unique(key, return_index=True)
    first.sort()
    return act[first], firm[first]


def _activity_arrays(acts: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ids = acts["activity_id"].to_numpy()
    start = acts["start_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    end = (
        acts["end_date"]
        .cast(pl.Int32)
        .fill_null(acts["start_date"].cast(pl.Int32))
        .to_numpy()
        .astype(np.int64)
    )
    return ids, start, end


def make_participation(
    rng: np.random.Generator,
    clusters: list[Cluster],
    activities: pl.DataFrame,
    reg: Register,
    n_unverified: int,
    scale: int,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Clean participation rows and each register firm's cohort year (0 = no innovation).

    Firms are numbered globally: ``0..reg.n-1`` are register rows, ``reg.n..`` are the
    unverified firms. The frame has the contract columns except ``cvr`` and ``firm_name`` (added
    by the caller from the firm index) plus ``cluster_id``, ``grant_type`` and ``firm``.
    """
    n_all = reg.n + n_unverified
    sme_pool = np.flatnonzero((reg.size_class != LARGE) & (reg.founded <= 2025))
    large_pool = np.flatnonzero(reg.size_class == LARGE)
    weights = innovation_weights(reg)[sme_pool]
    by_cluster = {
        key: frame.sort("start_date", "activity_id", maintain_order=True)
        for key, frame in activities.group_by(["cluster_id", "grant_type"], maintain_order=True)
    }
    n_coll = [by_cluster[(c.cluster_id, "cluster")].height for c in clusters]
    n_inn = [by_cluster[(c.cluster_id, "innovation")].height for c in clusters]
    total_innov = INNOVATION_ROWS_PER_SCALE * scale
    innov_rows = largest_remainder(total_innov, n_inn)
    unverified_cluster = rng.integers(0, len(clusters), n_unverified)
    # Distinct collective participants per cluster, fixed before any rows are drawn.
    n_smes = []
    for c in clusters:
        behind = c.cluster_id == vocab.BEHIND_COLLECTIVE
        pace = BEHIND_PACE if behind else float(rng.uniform(1.08, 1.30))
        n_smes.append(
            min(round(c.target_collective * pace * (1 if behind else scale)), len(sme_pool))
        )
    n_large = [
        min(round(_large_share(c.cluster_id) * n), len(large_pool))
        for c, n in zip(clusters, n_smes, strict=True)
    ]
    sme_sets = collective_smes(rng, clusters, n_smes, sme_pool)
    n_members = [
        s + lg + int((unverified_cluster == ci).sum())
        for ci, (s, lg) in enumerate(zip(n_smes, n_large, strict=True))
    ]
    coll_rows = _collective_rows(ROWS_PER_SCALE * scale - total_innov, n_coll, n_members)

    parts: list[pl.DataFrame] = []
    for ci, c in enumerate(clusters):
        # --- collective activities -------------------------------------------------------
        ids, start, end = _activity_arrays(by_cluster[(c.cluster_id, "cluster")])
        smes = sme_sets[ci]
        large = rng.choice(large_pool, n_large[ci], replace=False)
        unverified = reg.n + np.flatnonzero(unverified_cluster == ci)
        members = np.concatenate([smes, large, unverified])
        first = (stratified(rng, len(members)) * len(ids)).astype(np.int64)
        # Repeats: drawn until the cluster's rows are filled (a repeat that hits a firm's
        # activity twice is dropped).
        activity = rng.lognormal(0.0, 1.0, len(members))
        act, firm = first, members
        for _ in range(20):
            missing = coll_rows[ci] - len(act)
            if missing <= 0:
                break
            who = rng.choice(len(members), int(missing * 1.5) + 20, p=activity / activity.sum())
            later = _later(rng, first[who], len(ids))
            act, firm = _dedup(
                np.concatenate([act, later]), np.concatenate([firm, members[who]]), n_all
            )
        act, firm = act[: coll_rows[ci]], firm[: coll_rows[ci]]
        span = end[act] - start[act] + 1
        date = start[act] + (rng.random(len(act)) * span).astype(np.int64)
        parts.append(_part(ids[act], firm, date, c.cluster_id, "cluster"))
        # --- innovation collaborations ---------------------------------------------------
        ids, start, end = _activity_arrays(by_cluster[(c.cluster_id, "innovation")])
        rows = innov_rows[ci]
        n_firms = round(rows / 1.08)
        n_inn_large = min(round(LARGE_SHARE * n_firms), len(large_pool))
        firms = np.concatenate(
            [
                weighted_sample(rng, sme_pool, weights, n_firms - n_inn_large),
                rng.choice(large_pool, n_inn_large, replace=False),
            ]
        )
        rng.shuffle(firms)
        a1 = rng.integers(0, len(ids), len(firms))
        n2 = rows - len(firms)
        a2 = (a1[:n2] + 1 + rng.integers(0, max(len(ids) - 1, 1), n2)) % len(ids)
        act, firm = _dedup(np.concatenate([a1, a2]), np.concatenate([firms, firms[:n2]]), n_all)
        date = np.minimum(start[act] + rng.integers(0, 31, len(act)), end[act])
        parts.append(_part(ids[act], firm, date, c.cluster_id, "innovation"))

    participation = pl.concat(parts)
    inn = participation.filter(pl.col("grant_type") == "innovation")
    firm = inn["firm"].to_numpy()
    year = to_year(inn["participation_date"].cast(pl.Int32).to_numpy())
    cohort = np.full(reg.n, 9999, dtype=np.int64)
    np.minimum.at(cohort, firm, year)
    cohort[cohort == 9999] = 0
    return participation, cohort


def _large_share(cluster_id: str) -> float:
    return vocab.LARGE_FIRM_SHARE if cluster_id == vocab.LARGE_FIRM_CLUSTER else LARGE_SHARE


def collective_smes(
    rng: np.random.Generator, clusters: list[Cluster], n_smes: list[int], sme_pool: np.ndarray
) -> list[np.ndarray]:
    """Each cluster's distinct SMEs in collective activities (``n_smes`` of them), overlapping
    as the story has it.

    Every cluster first gets SMEs of its own (disjoint slices of the shuffled pool). Then the
    smaller of the two related clusters takes ``RELATED_OVERLAP`` of its SMEs from the other's,
    and every cluster takes ``BASELINE_OVERLAP`` of its SMEs from the other clusters' own SMEs,
    so that a few firms everywhere also take part elsewhere. The replaced own SMEs stay out.
    """
    order = rng.permutation(sme_pool)
    if sum(n_smes) > len(order):  # a register too small for disjoint slices: reuse the pool
        order = np.resize(order, sum(n_smes))
    bounds = np.cumsum([0, *n_smes])
    own = [order[bounds[i] : bounds[i + 1]] for i in range(len(clusters))]
    sets = [o.copy() for o in own]
    index = {c.cluster_id: i for i, c in enumerate(clusters)}
    a, b = (index.get(cid) for cid in vocab.RELATED_CLUSTERS)
    taken = [0] * len(clusters)  # how many of each set's first members were replaced so far
    if a is not None and b is not None:
        small, big = (a, b) if n_smes[a] <= n_smes[b] else (b, a)
        k = round(vocab.RELATED_OVERLAP * n_smes[small])
        sets[small][:k] = rng.choice(own[big], k, replace=False)
        taken[small] = k
    for ci in range(len(clusters)):
        others = np.concatenate([own[j] for j in range(len(clusters)) if j != ci] or [own[ci][:0]])
        others = np.setdiff1d(others, sets[ci])  # a firm counts once per cluster
        k = min(round(vocab.BASELINE_OVERLAP * n_smes[ci]), len(others), n_smes[ci] - taken[ci])
        if k > 0:
            sets[ci][taken[ci] : taken[ci] + k] = rng.choice(others, k, replace=False)
    return sets


def _collective_rows(total: int, n_activities: list[int], n_members: list[int]) -> list[int]:
    """Collective rows per cluster: in proportion to its activities, but at most
    ``MAX_ROWS_PER_MEMBER`` per participating firm (the cluster that is behind keeps its few firms
    at any scale); rows a capped cluster cannot take go to the others."""
    rows = largest_remainder(total, n_activities)
    cap = [MAX_ROWS_PER_MEMBER * m for m in n_members]
    capped = [r > k for r, k in zip(rows, cap, strict=True)]
    if not any(capped):
        return rows
    spill = sum(r - k for r, k, x in zip(rows, cap, capped, strict=True) if x)
    open_ = [i for i, x in enumerate(capped) if not x]
    extra = largest_remainder(spill, [n_activities[i] for i in open_])
    rows = [min(r, k) for r, k in zip(rows, cap, strict=True)]
    for i, e in zip(open_, extra, strict=True):
        rows[i] += e
    return rows


def _later(rng: np.random.Generator, first: np.ndarray, n_act: int) -> np.ndarray:
    """A repeat's activity index: at or after the firm's first, mostly soon after (a gap of about
    a fifth of the programme on average), so participation grows over the years without piling
    up at the end."""
    gap = rng.exponential(0.2 * n_act, len(first)).astype(np.int64)
    uniform = first + (rng.random(len(first)) * (n_act - first)).astype(np.int64)
    return np.where(first + gap < n_act, first + gap, uniform)


def _part(
    ids: np.ndarray, firm: np.ndarray, date: np.ndarray, cluster_id: str, grant_type: str
) -> pl.DataFrame:
    n = len(ids)
    return pl.DataFrame(
        {
            "activity_id": pl.Series(ids, dtype=pl.String),
            "participation_date": pl.Series(date.astype(np.int32)).cast(pl.Date),
            "cluster_id": [cluster_id] * n,
            "grant_type": [grant_type] * n,
            "firm": pl.Series(firm.astype(np.int64)),
        }
    )


def make_outcomes(
    rng: np.random.Generator,
    clusters: list[Cluster],
    participation: pl.DataFrame,
    reg: Register,
    scale: int,
) -> pl.DataFrame:
    """Outcome rows (clean) for 90 % of the innovation participations; see the module docstring.

    The concepts dated by the reference date are drawn among SME firms, one row per firm, so
    their number is the number of distinct SMEs the indicator will count.
    """
    inn = participation.filter(pl.col("grant_type") == "innovation")
    inn = inn.filter(pl.Series(rng.random(inn.height) < 0.9))
    part_day = inn["participation_date"].cast(pl.Int32).to_numpy().astype(np.int64)
    lag = 60 + rng.gamma(2.0, 110.0, inn.height).astype(np.int64)
    concept_day = np.maximum(
        np.minimum(part_day + np.minimum(lag, 720), day(dt.date(2028, 12, 20))), part_day + 1
    )
    cluster = inn["cluster_id"].to_numpy()
    firm = inn["firm"].to_numpy()
    is_sme = np.zeros(inn.height, dtype=bool)
    known = firm < reg.n
    is_sme[known] = reg.size_class[firm[known]] != LARGE
    developed = np.zeros(inn.height, dtype=bool)
    ref = day(REFERENCE_AS_OF)
    frac = elapsed_fraction(REFERENCE_AS_OF)
    for c in clusters:
        rows = np.flatnonzero(cluster == c.cluster_id)
        before, after = rows[concept_day[rows] <= ref], rows[concept_day[rows] > ref]
        _, first_of_firm = np.unique(firm[before], return_index=True)
        candidates = before[np.sort(first_of_firm)]
        candidates = candidates[is_sme[candidates]]
        behind = c.cluster_id == vocab.BEHIND_CONCEPTS
        pace = BEHIND_PACE if behind else float(rng.uniform(1.10, 1.30))
        n_before = min(
            round(c.target_concepts * pace * frac * (1 if behind else scale)),
            int(0.9 * len(candidates)),
        )
        rate = n_before / max(len(before), 1)
        developed[rng.choice(candidates, n_before, replace=False)] = True
        developed[rng.choice(after, min(round(rate * len(after)), len(after)), replace=False)] = (
            True
        )
    return inn.select("activity_id", "firm", "cluster_id").with_columns(
        pl.Series("concept_developed", developed),
        pl.Series("concept_date", np.where(developed, concept_day, np.nan))
        .fill_nan(None)
        .cast(pl.Int32)
        .cast(pl.Date),
    )
