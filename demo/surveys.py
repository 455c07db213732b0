"""The yearly member surveys: demand for themes and collaboration networks (2025 and 2026).

Demand: respondents are drawn from each cluster's participating firms; each rates 3-7 themes
(drawn without replacement, weighted by the cluster's *demand* profile — close to, but not the
same as, what the cluster offers) on 1..5, higher for the themes the cluster is about.

Network: respondents (member firms plus a couple of knowledge institutions) name 1..~10 partners:
other members (often other respondents, and some ties are reported from both ends: A-B and B-A),
knowledge institutions (``DTU``, ``AU``, ``KU``, ``SDU``, ``AAU``, ...), public bodies and other
organisations. 2026 keeps ~75 % of the 2025 ties and adds new ones. A few self-relations are
planted (the indicator ignores them).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipelines.core.contract import THEMES

from . import vocab
from .programme import Cluster, largest_remainder
from .register import Register, org_types

DEMAND_ROWS_PER_SCALE = {2025: 3_200, 2026: 3_500}
NETWORK_ROWS_PER_SCALE = 4_400
NETWORK_KEEP_SHARE = 0.75
NETWORK_NEW_SHARE = 0.35

_KI_BASE = {
    "DTU": 3,
    "AU": 2,
    "KU": 1.5,
    "SDU": 1.5,
    "AAU": 1.5,
    "CBS": 1,
    "RUC": 0.5,
    "ITU": 0.7,
    "TI": 2,
    "FORCE": 1,
}
_KI_BOOST = {
    "odense-robotics": {"SDU": 5},
    "food-bio-cluster": {"AU": 4, "KU": 2},
    "copenhagen-fintech": {"CBS": 5, "ITU": 3},
    "clean": {"DTU": 2, "AAU": 3},
    "danish-life-science": {"KU": 4},
    "digitallead": {"ITU": 3, "AAU": 2},
    "lifestyle-design": {"RUC": 2},
}


def demand_frame(
    rng: np.random.Generator,
    clusters: list[Cluster],
    members: dict[str, np.ndarray],
    cvr_text: np.ndarray,
    scale: int,
) -> pl.DataFrame:
    """Demand rows for 2025 and 2026 (clean)."""
    weights = [c.recommended_dkk for c in clusters]
    parts = []
    for year, per_scale in DEMAND_ROWS_PER_SCALE.items():
        for c, rows in zip(clusters, largest_remainder(per_scale * scale, weights), strict=True):
            tilt = dict(vocab.DEMAND_TILT)
            for theme, factor in vocab.DEMAND_MISMATCH.get(c.cluster_id, {}).items():
                tilt[theme] = tilt.get(theme, 1.0) * factor
            w = np.array(vocab.theme_weights(c.cluster_id, tilt))
            pool = members[c.cluster_id]
            n_resp = min(round(rows / 5), len(pool))
            resp = rng.choice(pool, n_resp, replace=False)
            k = rng.integers(3, 8, n_resp)
            keys = np.log(w)[None, :] + rng.gumbel(size=(n_resp, len(THEMES)))
            order = np.argsort(-keys, axis=1, kind="stable")[:, :7]
            theme_idx = order[np.arange(7)[None, :] < k[:, None]]
            resp_rep = np.repeat(resp, k)
            score = 1.5 + 3.5 * w[theme_idx] / w.max() + rng.normal(0.0, 0.8, len(theme_idx))
            parts.append(
                pl.DataFrame(
                    {
                        "survey_year": pl.Series(np.full(len(theme_idx), year, dtype=np.int64)),
                        "cluster_id": [c.cluster_id] * len(theme_idx),
                        "respondent_cvr": pl.Series(cvr_text[resp_rep], dtype=pl.String),
                        "theme": pl.Series(np.array(THEMES)[theme_idx], dtype=pl.String),
                        "demand": pl.Series(np.clip(np.round(score), 1, 5).astype(np.int64)),
                    }
                )
            )
    return pl.concat(parts)


def network_frame(
    rng: np.random.Generator,
    clusters: list[Cluster],
    members: dict[str, np.ndarray],
    cvr_text: np.ndarray,
    reg: Register,
    scale: int,
) -> pl.DataFrame:
    """Network rows for 2025 and 2026 (clean, self-relations included on purpose)."""
    alloc = largest_remainder(NETWORK_ROWS_PER_SCALE * scale, [c.recommended_dkk for c in clusters])
    parts = []
    for c, rows in zip(clusters, alloc, strict=True):
        pool = members[c.cluster_id]
        reg_idx = np.where(pool < reg.n, pool, -1)
        ids = cvr_text[pool]
        types = org_types(reg, reg_idx)
        y2025 = _ties(rng, c.cluster_id, ids, types, rows)
        keep = y2025.filter(pl.Series(rng.random(y2025.height) < NETWORK_KEEP_SHARE))
        new = _ties(rng, c.cluster_id, ids, types, round(rows * NETWORK_NEW_SHARE))
        y2026 = pl.concat([keep, new]).unique(
            ["org_id", "partner_id"], keep="first", maintain_order=True
        )
        parts.append(
            y2025.with_columns(
                pl.lit(2025, dtype=pl.Int64).alias("survey_year"),
                pl.lit(c.cluster_id).alias("cluster_id"),
            )
        )
        parts.append(
            y2026.with_columns(
                pl.lit(2026, dtype=pl.Int64).alias("survey_year"),
                pl.lit(c.cluster_id).alias("cluster_id"),
            )
        )
    frame = pl.concat(parts).select(
        "survey_year", "cluster_id", "org_id", "org_type", "partner_id", "partner_type"
    )
    # A few self-relations (kept in the file, ignored by the network indicators).
    firm_rows = np.flatnonzero((frame["org_type"] == "sme").to_numpy())
    picks = rng.choice(firm_rows, 4, replace=False)
    selfies = frame[picks].with_columns(
        pl.col("org_id").alias("partner_id"), pl.col("org_type").alias("partner_type")
    )
    return pl.concat([frame, selfies])


def _ties(
    rng: np.random.Generator, cluster_id: str, ids: np.ndarray, types: np.ndarray, rows: int
) -> pl.DataFrame:
    """About ``rows`` reported ties for one cluster and year (self-relations removed, deduplicated)."""
    ki = np.array(vocab.KNOWLEDGE_INSTITUTIONS)
    ki_w = np.array([_KI_BASE.get(k, 1.0) * _KI_BOOST.get(cluster_id, {}).get(k, 1.0) for k in ki])
    ki_w = ki_w / ki_w.sum()
    n_resp = max(5, min(round(rows / 4.0), len(ids)))
    resp = rng.choice(len(ids), n_resp, replace=False)
    ki_resp = rng.choice(len(ki), 2, replace=False, p=ki_w)
    k_firm = 1 + rng.poisson(3.0, n_resp)
    k_ki = 3 + rng.poisson(4.0, 2)
    org_id = np.concatenate([np.repeat(ids[resp], k_firm), np.repeat(ki[ki_resp], k_ki)])
    org_type = np.concatenate(
        [np.repeat(types[resp], k_firm), np.repeat(np.array(["knowledge_institution"] * 2), k_ki)]
    )
    n = len(org_id)
    kind = rng.choice(4, n, p=[0.55, 0.28, 0.10, 0.07])
    kind[len(org_id) - k_ki.sum() :] = 0  # institutions name firms
    from_resp = rng.random(n) < 0.4
    firm_pick = np.where(from_resp, resp[rng.integers(0, n_resp, n)], rng.integers(0, len(ids), n))
    ki_pick = rng.choice(len(ki), n, p=ki_w)
    pub = np.array(vocab.PUBLIC_BODIES)[rng.integers(0, len(vocab.PUBLIC_BODIES), n)]
    oth = np.array(vocab.OTHER_ORGS)[rng.integers(0, len(vocab.OTHER_ORGS), n)]
    partner_id = np.select(
        [kind == 0, kind == 1, kind == 2], [ids[firm_pick], ki[ki_pick], pub], oth
    )
    partner_type = np.select(
        [kind == 0, kind == 1, kind == 2],
        [types[firm_pick], "knowledge_institution", "public"],
        "other",
    )
    frame = pl.DataFrame(
        {
            "org_id": pl.Series(org_id, dtype=pl.String),
            "org_type": pl.Series(org_type, dtype=pl.String),
            "partner_id": pl.Series(partner_id, dtype=pl.String),
            "partner_type": pl.Series(partner_type, dtype=pl.String),
        }
    ).filter(pl.col("org_id") != pl.col("partner_id"))
    # Some firm-firm ties between respondents are reported from both ends (A-B and B-A).
    resp_ids = pl.Series(ids[resp], dtype=pl.String)
    both = frame.filter(
        (pl.col("partner_type") != "knowledge_institution")
        & pl.col("partner_id").is_in(resp_ids.implode())
        & pl.Series(rng.random(frame.height) < 0.3)
    )
    reverse = both.select(
        pl.col("partner_id").alias("org_id"),
        pl.col("partner_type").alias("org_type"),
        pl.col("org_id").alias("partner_id"),
        pl.col("org_type").alias("partner_type"),
    )
    return pl.concat([frame, reverse]).unique(
        ["org_id", "partner_id"], keep="first", maintain_order=True
    )
