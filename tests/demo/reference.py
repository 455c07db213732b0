"""Independent reference computations on the demo's clean frames (for the tests only).

They follow the output contract's definitions in a simplified form (the demo's SMEs are SMEs in
every year, so the register row of the event year is enough), to check that the generated data
tells the intended story: trajectories on track or behind, recoverable effects on turnover,
employment and gross profit, and no pre-trend.
"""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

EUR = 7.46
PERIOD_START = dt.date(2025, 1, 1)
PERIOD_END = dt.date(2028, 12, 31)


def elapsed(as_of: dt.date) -> float:
    return min(max((as_of - PERIOD_START).days / (PERIOD_END - PERIOD_START).days, 0.0), 1.0)


def sme_expr() -> pl.Expr:
    turnover_ok = pl.col("turnover_dkk").is_null() | (pl.col("turnover_dkk") <= 50e6 * EUR)
    assets_ok = pl.col("total_assets_dkk").is_null() | (pl.col("total_assets_dkk") <= 43e6 * EUR)
    both_null = pl.col("turnover_dkk").is_null() & pl.col("total_assets_dkk").is_null()
    financial = both_null | (
        pl.when(pl.col("turnover_dkk").is_null())
        .then(assets_ok)
        .when(pl.col("total_assets_dkk").is_null())
        .then(turnover_ok)
        .otherwise(turnover_ok | assets_ok)
    )
    return (pl.col("employees") < 250) & financial


def _with_sme(frame: pl.DataFrame, firms: pl.DataFrame, date_col: str) -> pl.DataFrame:
    reg = firms.select(pl.col("cvr").cast(pl.String).str.zfill(8), "year", sme_expr().alias("sme"))
    return frame.with_columns(pl.col(date_col).dt.year().cast(pl.Int64).alias("year")).join(
        reg, on=["cvr", "year"], how="left"
    )


def smes_collective(data, as_of: dt.date) -> pl.DataFrame:  # noqa: ANN001
    """Per cluster: distinct SMEs in collective activities by ``as_of``, expected, progress."""
    part = data.participation.filter(
        (pl.col("grant_type") == "cluster") & (pl.col("participation_date") <= as_of)
    )
    part = _with_sme(part, data.firms, "participation_date").filter(pl.col("sme").fill_null(False))
    value = part.group_by("cluster_id").agg(pl.col("cvr").n_unique().alias("value"))
    targets = pl.DataFrame(
        {
            "cluster_id": [c.cluster_id for c in data.clusters],
            "target": [c.target_collective for c in data.clusters],
        }
    )
    return _progress(targets.join(value, on="cluster_id", how="left"), as_of)


def smes_concepts(data, as_of: dt.date) -> pl.DataFrame:  # noqa: ANN001
    out = data.outcomes.filter(pl.col("concept_developed") & (pl.col("concept_date") <= as_of))
    out = _with_sme(out, data.firms, "concept_date").filter(pl.col("sme").fill_null(False))
    value = out.group_by("cluster_id").agg(pl.col("cvr").n_unique().alias("value"))
    targets = pl.DataFrame(
        {
            "cluster_id": [c.cluster_id for c in data.clusters],
            "target": [c.target_concepts for c in data.clusters],
        }
    )
    return _progress(targets.join(value, on="cluster_id", how="left"), as_of)


def _progress(frame: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    frac = elapsed(as_of)
    return (
        frame.with_columns(
            pl.col("value").fill_null(0),
            (pl.col("target") * frac).alias("expected"),
        )
        .with_columns(
            (pl.col("value") / pl.col("expected")).alias("progress"),
        )
        .with_columns(
            pl.when(pl.col("progress") >= 0.9)
            .then(pl.lit("on_track"))
            .when(pl.col("progress") >= 0.6)
            .then(pl.lit("behind"))
            .otherwise(pl.lit("critical"))
            .alias("status")
        )
    )


def band(emp: pl.Expr) -> pl.Expr:
    return pl.when(emp < 10).then(0).when(emp < 50).then(1).when(emp < 250).then(2).otherwise(None)


#: The outcome of each matched effect: the register column whose t-1 -> t+2 growth is compared.
#: ``pretrend`` is the placebo: turnover t-2 -> t-1, for the firms and controls of the turnover effect.
OUTCOMES = {
    "turnover_effect_2y": "turnover_dkk",
    "employment_effect_2y": "employees",
    "gross_profit_effect_2y": "gross_profit_dkk",
    "turnover_pretrend": "turnover_dkk",
}
Z = 1.96


def matched_effect(data, effect: str, as_of_year: int = 2028) -> dict[str, float]:  # noqa: ANN001
    """The output contract's matched DiD for ``effect`` (ALL, all cohorts), its 95 % interval and,
    for comparison, a naive difference against all non-participants.

    Polars on the generator's clean frames, written apart from the SQL: the cohort year is the
    year of the firm's first innovation participation, SME judged on the row of that year only.
    """
    x = OUTCOMES[effect]
    placebo = effect == "turnover_pretrend"
    firms = data.firms.with_columns(pl.col("cvr").cast(pl.String).str.zfill(8))
    part = data.participation.with_columns(
        pl.col("participation_date").dt.year().cast(pl.Int64).alias("py")
    )
    cohort = (
        part.filter(pl.col("grant_type") == "innovation")
        .group_by("cvr")
        .agg(pl.col("py").min().alias("t"))
        .filter(pl.col("t") + 2 <= as_of_year)
    )
    first_any = part.group_by("cvr").agg(pl.col("py").min().alias("first_any"))

    def at(offset: int, *cols: pl.Expr) -> pl.DataFrame:  # register row of year t + offset
        return firms.select("cvr", (pl.col("year") - offset).alias("t"), *cols)

    pre = at(
        -1,
        pl.col(x).alias("x_pre"),
        pl.col("turnover_dkk").alias("turnover_pre"),
        pl.col("nace_code").str.slice(0, 2).alias("nace2"),
        band(pl.col("employees")).alias("band"),
        "region",
    )
    post = at(2, pl.col(x).alias("x_post"))
    before = at(-2, pl.col("turnover_dkk").alias("turnover_t2"))
    at_t = at(0, sme_expr().alias("sme"))
    valid = (pl.col("x_pre") > 0) & (pl.col("x_post") > 0) & pl.col("band").is_not_null()
    if placebo:
        valid = valid & (pl.col("turnover_t2") > 0)
        y = (pl.col("turnover_pre") / pl.col("turnover_t2")).log()
    else:
        y = (pl.col("x_post") / pl.col("x_pre")).log()
    panel = pre.join(post, on=["cvr", "t"]).join(before, on=["cvr", "t"], how="left")
    treated = (
        cohort.join(at_t, on=["cvr", "t"])
        .filter(pl.col("sme"))
        .join(panel, on=["cvr", "t"])
        .filter(valid)
        .with_columns(y.alias("y"))
    )
    ctrl_pool = (
        panel.filter(valid)
        .join(first_any, on="cvr", how="left")
        .filter(pl.col("first_any").is_null() | (pl.col("first_any") > pl.col("t") + 2))
        .with_columns(y.alias("y"))
    )
    cell = ["t", "nace2", "band", "region"]
    ctrl_mean = ctrl_pool.group_by(cell).agg(pl.col("y").mean().alias("y_ctrl"))
    d = treated.join(ctrl_mean, on=cell, how="inner").select(pl.col("y") - pl.col("y_ctrl"))
    d = d.to_series()
    n, m, sd = d.len(), float(d.mean()), float(d.std(ddof=1))
    naive = (
        treated.group_by("t")
        .agg(pl.col("y").mean().alias("gt"))
        .join(ctrl_pool.group_by("t").agg(pl.col("y").mean().alias("gc")), on="t")
    )
    return {
        "effect": math.exp(m) - 1,
        "ci_low": math.exp(m - Z * sd / math.sqrt(n)) - 1,
        "ci_high": math.exp(m + Z * sd / math.sqrt(n)) - 1,
        "matched_firms": n,
        "naive": math.exp(float((naive["gt"] - naive["gc"]).mean())) - 1,
    }


def _participants(data, as_of: dt.date) -> pl.DataFrame:  # noqa: ANN001
    """Participations by ``as_of`` of firms with a register row, with the SME test of the event
    year (the demo's grants run 2025-2028 and its participations lie inside them)."""
    part = data.participation.filter(pl.col("participation_date") <= as_of)
    acts = data.activities.filter(pl.col("start_date") <= as_of).select("activity_id")
    part = _with_sme(part.join(acts, on="activity_id"), data.firms, "participation_date")
    return part.filter(pl.col("sme").is_not_null())


def core_theme_share(data, as_of: dt.date) -> dict[tuple[str, int], float]:  # noqa: ANN001
    """Per cluster and start year: share of its activities on one of its core themes."""
    import csv

    from pipelines.core.config import CORE_THEMES_CSV

    with CORE_THEMES_CSV.open(encoding="utf-8", newline="") as fh:
        core = pl.DataFrame(list(csv.DictReader(fh))).with_columns(pl.lit(True).alias("core"))
    acts = data.activities.filter(pl.col("start_date") <= as_of).join(
        core, on=["cluster_id", "theme"], how="left"
    )
    shares = acts.group_by("cluster_id", pl.col("start_date").dt.year().alias("year")).agg(
        pl.col("core").fill_null(False).mean()
    )
    return {(c, y): v for c, y, v in shares.iter_rows()}


def large_firm_share(data, as_of: dt.date) -> dict[str, float]:  # noqa: ANN001
    """Per cluster: verified participants never an SME at their participations / all of them."""
    firms = _participants(data, as_of).group_by("cluster_id", "cvr").agg(pl.col("sme").any())
    shares = firms.group_by("cluster_id").agg((~pl.col("sme")).mean())
    return dict(shares.iter_rows())


def multi_cluster_sme_share(data, as_of: dt.date) -> dict[str, float]:  # noqa: ANN001
    """Per cluster: of its SMEs in collective activities, the share also counted in another's."""
    smes = (
        _participants(data, as_of)
        .filter((pl.col("grant_type") == "cluster") & pl.col("sme"))
        .select("cluster_id", "cvr")
        .unique()
    )
    counted = smes.join(smes.group_by("cvr").len("n_clusters"), on="cvr")
    return dict(counted.group_by("cluster_id").agg((pl.col("n_clusters") >= 2).mean()).iter_rows())
