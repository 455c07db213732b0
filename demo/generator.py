"""The demo inbox: a realistic, deterministic delivery of every dataset of the input contract.

``write_demo_inbox(out, scale=1, seed=2025)`` writes one sub-folder per dataset and returns a
summary per dataset. The same ``(scale, seed)`` gives byte-identical files.

The story the data tells
------------------------
- The 11 granted clusters of the board decision, each with a cluster grant and an innovation
  grant (65/35 split of the recommended amount, to the krone) for 2025-01-01..2028-12-31. Targets
  sum to the national 5,562 and 683 exactly.
- The scored applications of all 14 applicants (the optional dataset ``applications``): the
  applied amounts of the board decision split 65/35 like the grants, weighted scores 6.5-9.5 for
  the granted and 4.0-6.4 for the rejected; so ``impact reallocate`` has something to allocate.
- Mid-programme (the demo is tuned for ``as_of`` 2026-11-23) most clusters are on track on SMEs
  in collective activities and on SMEs developing concepts; lifestyle-design is behind on the
  former and copenhagen-fintech on the latter, at any scale. lifestyle-design's accounts are also
  in trouble (negative equity, under a month of cash, advances received and not yet spent that
  exceed its cash in 2026 so that its liquidity without advances is negative, private co-financing
  ~14 % against 40 % promised); censec's co-financing is a little short of its promise.
- The guiding headlines' comparable measures differ between clusters: we-build-denmark drifts off
  its core themes (``reference/core_themes.csv``: about two thirds of its 2025 activities, a
  third of 2026's, an eighth of 2028's); danish-life-science has many large firms among its
  participants (15 % of its SMEs' number against 3 % elsewhere); odense-robotics and am-hub share
  many SMEs (35 % of am-hub's), while every cluster shares a few (4 %) with the others.
- The programme is simulated to its end: activities, participations and concepts are dated through
  2028 and the register runs 2021..2028, so later ``as_of`` dates show the turnover cohorts mature.
- Innovation participants get planted effects on turnover, employment and gross profit
  (:data:`PLANTED_TURNOVER_EFFECT`, :data:`PLANTED_EMPLOYMENT_EFFECT`,
  :data:`PLANTED_GROSS_PROFIT_EFFECT`) and no pre-trend: a matched difference-in-differences over
  t-1..t+2 should recover each, and the placebo over t-2..t-1 should find 0; a naive comparison
  with all non-participants overstates the turnover effect, because participants come a little
  more often from fast-growing sectors (see :mod:`demo.register`).
- A few dozen deliberately bad rows (invalid CVR, unknown activity/grant/cluster, missing or
  unparseable values, out-of-range values, duplicate keys in a file, an outcome without a
  participation) give the quality appendix content; ``summary[dataset]["bad_rows"]`` counts the
  rows planted to be rejected per dataset. Not rejected but flagged: two unknown theme codes,
  one revenue total ~6 % off its funding lines, a handful of participating firms with no register
  row (unverified).

Formats (all the contract accepts): UTF-8 CSV, UTF-8 CSV with BOM, Danish Excel CSV (``;``,
decimal comma, ``.`` thousands, Danish dates) in Windows-1252 and in UTF-8, XLSX, Parquet (one with
the CVR stored as a number), and one file whose column names differ in case and white space.

Scale
-----
``scale`` multiplies the volumes: 20,000 firms x 8 years, 2,000 activities, 20,000 participations,
~2,000 outcomes, ~6,700 demand rows and ~10,000 network rows per unit. ``scale=15`` is national
size (2.4M register rows). Everything is vectorised numpy/Polars; the only Python loops run over
clusters or over the rows written to XLSX (grants, innovation activities, the 2025 demand survey).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from pipelines.core.contract import INGESTION_ORDER

from . import cvr as cvrmod
from . import writers
from .participation import UNVERIFIED_PER_SCALE, make_outcomes, make_participation
from .programme import (
    Cluster,
    accounts_frame,
    activities_frame,
    applications_frame,
    grants_frame,
    make_clusters,
)
from .register import Register, firm_names, make_register, panel_frame, plant_effect
from .surveys import demand_frame, network_frame

#: The true effect planted on innovation participants' turnover: for a firm whose first innovation
#: participation is in year t, turnover from t on is multiplied by 1 + effect, so
#: exp(mean[ln(T(t+2)/T(t-1)) - same for matched controls]) - 1 = 0.08 in expectation.
PLANTED_TURNOVER_EFFECT = 0.08
#: The same for employees (FTE) and gross profit; nothing is planted before t (no pre-trend).
PLANTED_EMPLOYMENT_EFFECT = 0.05
PLANTED_GROSS_PROFIT_EFFECT = 0.11
FIRMS_PER_SCALE = 20_000
DATASET_FOLDERS = INGESTION_ORDER  # one sub-folder per dataset of the input contract

# Independent random streams per component: changing one part of the demo leaves the others alone.
_STREAMS = {
    "cvr": 1,
    "names": 2,
    "register": 3,
    "accounts": 4,
    "activities": 5,
    "participation": 6,
    "outcomes": 7,
    "demand": 8,
    "network": 9,
    "bad": 10,
    "format": 11,
    "applications": 12,
}


Recorder = Callable[..., None]


def _rng(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAMS[name]])


@dataclass
class DemoData:
    """The generated datasets (clean rows, contract columns plus helper columns) and the bad rows."""

    clusters: list[Cluster]
    register: Register
    cohort_year: np.ndarray  # per register firm: first innovation participation year, 0 = none
    grants: pl.DataFrame
    accounts: pl.DataFrame
    activities: pl.DataFrame
    participation: pl.DataFrame
    outcomes: pl.DataFrame
    firms: pl.DataFrame
    demand: pl.DataFrame
    network: pl.DataFrame
    unverified_cvrs: np.ndarray
    applications: pl.DataFrame  # the scored applications, the bad row included (last)
    applications_bad_rows: int
    bad: dict[str, pl.DataFrame] = field(default_factory=dict)


def build_demo(scale: int = 1, seed: int = 2025) -> DemoData:
    """Generate every dataset in memory (no files)."""
    if scale < 1:
        raise ValueError(f"scale must be a positive integer, got {scale}")
    clusters = make_clusters()
    n_firms = FIRMS_PER_SCALE * scale
    n_unverified = UNVERIFIED_PER_SCALE * scale
    n_spare = 8  # valid CVRs for deliberately bad register rows
    cvrs = cvrmod.make_cvrs(_rng(seed, "cvr"), n_firms + n_unverified + n_spare)
    names = firm_names(_rng(seed, "names"), len(cvrs))
    reg = make_register(_rng(seed, "register"), cvrs[:n_firms], names.slice(0, n_firms))
    unverified = cvrs[n_firms : n_firms + n_unverified]
    spare = cvrs[n_firms + n_unverified :]
    all_cvr_text = cvrmod.as_text(np.concatenate([reg.cvr, unverified]))
    all_names = pl.concat([reg.names, names.slice(n_firms, n_unverified)])

    grants = grants_frame(clusters)
    accounts, _ = accounts_frame(_rng(seed, "accounts"), clusters)
    activities, bad_activities = activities_frame(_rng(seed, "activities"), clusters, scale)
    participation, cohort = make_participation(
        _rng(seed, "participation"), clusters, activities, reg, n_unverified, scale
    )
    participation = _with_firm(participation, all_cvr_text, all_names)
    plant_effect(
        reg,
        cohort,
        turnover=PLANTED_TURNOVER_EFFECT,
        employment=PLANTED_EMPLOYMENT_EFFECT,
        gross_profit=PLANTED_GROSS_PROFIT_EFFECT,
    )
    firms = panel_frame(reg)
    outcomes = _with_firm(
        make_outcomes(_rng(seed, "outcomes"), clusters, participation, reg, scale),
        all_cvr_text,
        None,
    )
    members = {
        cid: np.unique(frame["firm"].to_numpy())
        for (cid,), frame in participation.group_by(["cluster_id"], maintain_order=True)
    }
    demand = demand_frame(_rng(seed, "demand"), clusters, members, all_cvr_text, scale)
    network = network_frame(_rng(seed, "network"), clusters, members, all_cvr_text, reg, scale)
    applications, applications_bad = applications_frame(_rng(seed, "applications"))
    data = DemoData(
        clusters=clusters,
        register=reg,
        cohort_year=cohort,
        grants=grants,
        accounts=accounts,
        activities=activities,
        participation=participation,
        outcomes=outcomes,
        firms=firms,
        demand=demand,
        network=network,
        unverified_cvrs=unverified,
        applications=applications,
        applications_bad_rows=applications_bad,
    )
    data.bad = _bad_rows(_rng(seed, "bad"), data, bad_activities, spare)
    return data


def _with_firm(frame: pl.DataFrame, cvr_text: np.ndarray, names: pl.Series | None) -> pl.DataFrame:
    firm = frame["firm"].to_numpy()
    cols = [pl.Series("cvr", cvr_text[firm], dtype=pl.String)]
    if names is not None:
        cols.append(names.gather(firm).alias("firm_name"))
    return frame.with_columns(cols)


# --- deliberately bad rows -------------------------------------------------------------------------


def _bad_rows(
    rng: np.random.Generator, data: DemoData, bad_activities: pl.DataFrame, spare: np.ndarray
) -> dict[str, pl.DataFrame]:
    """Rows planted to be rejected, per dataset (and per participation file year)."""
    bad: dict[str, pl.DataFrame] = {"activities": bad_activities}
    part = data.participation
    coll = part.filter(pl.col("grant_type") == "cluster")
    code = data.clusters[0].code

    def sample(frame: pl.DataFrame, year: int, k: int) -> pl.DataFrame:
        rows = frame.filter(pl.col("participation_date").dt.year() == year)
        return rows[np.sort(rng.choice(rows.height, k, replace=False))]

    def p_rows(rows: list[tuple]) -> pl.DataFrame:
        return pl.DataFrame(
            rows,
            schema={
                "activity_id": pl.String,
                "cvr": pl.String,
                "participation_date": pl.String,
                "firm_name": pl.String,
            },
            orient="row",
        )

    def invalid(frame: pl.DataFrame) -> list[tuple]:
        broken = cvrmod.as_text(cvrmod.corrupt(frame["cvr"].cast(pl.Int64).to_numpy()))
        return [
            (a, c, d.isoformat(), n)
            for a, c, d, n in zip(
                frame["activity_id"],
                broken,
                frame["participation_date"],
                frame["firm_name"],
                strict=True,
            )
        ]

    for year in (2025, 2026, 2027, 2028):
        rows: list[tuple] = []
        src = sample(coll, year, 4)
        first = src.row(0, named=True)
        if year in (2025, 2026):
            rows += invalid(src[1:3])
        if year in (2026, 2027, 2028):
            rows.append(
                (f"{code}-K-{90000 + year}", first["cvr"], f"{year}-06-01", first["firm_name"])
            )
        if year in (2025, 2028):
            rows.append(
                (first["activity_id"], src.row(3, named=True)["cvr"], None, "Uden dato ApS")
            )
        if year == 2026:
            rows.append(
                (first["activity_id"], src.row(3, named=True)["cvr"], "31-02-2026", "Skæv Dato ApS")
            )
        if year in (2027, 2028):  # an exact duplicate key in the same file (earlier copy rejected)
            dup = part.filter(pl.col("participation_date").dt.year() == year).row(0, named=True)
            rows.append(
                (
                    dup["activity_id"],
                    dup["cvr"],
                    dup["participation_date"].isoformat(),
                    dup["firm_name"],
                )
            )
        bad[f"participation_{year}"] = p_rows(rows)

    # innovation_outcomes: no participation (2), concept without date (1), cluster-grant activity (1)
    out = data.outcomes
    inn = part.filter(pl.col("grant_type") == "innovation")
    participants = set(part["cvr"].to_list())
    outsiders = [c for c in cvrmod.as_text(data.register.cvr[:400]) if c not in participants][:2]
    no_outcome = inn.join(out.select("activity_id", "cvr"), on=["activity_id", "cvr"], how="anti")
    nd = no_outcome.row(0, named=True)
    cg = coll.row(1, named=True)
    acts = inn["activity_id"]
    bad["innovation_outcomes"] = pl.DataFrame(
        [
            (acts[0], outsiders[0], True, dt.date(2026, 3, 1)),
            (acts[len(acts) // 2], outsiders[1], False, None),
            (nd["activity_id"], nd["cvr"], True, None),
            (cg["activity_id"], cg["cvr"], True, dt.date(2026, 5, 1)),
        ],
        schema={
            "activity_id": pl.String,
            "cvr": pl.String,
            "concept_developed": pl.Boolean,
            "concept_date": pl.Date,
        },
        orient="row",
    )

    # firms: region out of range, unparseable NACE, negative employees, missing NACE
    spare_text = cvrmod.as_text(spare)
    bad["firms"] = pl.DataFrame(
        [
            (spare_text[0], 2025, 4.0, 2_100_000, 700_000, 900_000, "620100", "DK06"),
            (spare_text[1], 2025, 12.5, 9_800_000, 3_000_000, 5_000_000, "62O100", "DK01"),
            (spare_text[2], 2025, -3.0, 1_500_000, 500_000, 800_000, "431200", "DK04"),
            (spare_text[3], 2025, 7.0, None, 1_200_000, 2_000_000, None, "DK03"),
        ],
        schema={
            "cvr": pl.String,
            "year": pl.Int64,
            "employees": pl.Float64,
            "turnover_dkk": pl.Int64,
            "gross_profit_dkk": pl.Int64,
            "total_assets_dkk": pl.Int64,
            "nace_code": pl.String,
            "region": pl.String,
        },
        orient="row",
    )

    d = data.demand.filter(pl.col("survey_year") == 2026).head(3)
    bad["survey_demand"] = d.with_columns(
        pl.Series("demand", [7, 3, 4]),
        pl.Series("cluster_id", [d["cluster_id"][0], "danish-sound", d["cluster_id"][2]]),
        pl.Series(
            "respondent_cvr",
            [
                d["respondent_cvr"][0],
                d["respondent_cvr"][1],
                cvrmod.as_text(cvrmod.corrupt(d["respondent_cvr"][2:3].cast(pl.Int64).to_numpy()))[
                    0
                ],
            ],
        ),
    )
    n = data.network.filter(pl.col("survey_year") == 2026).head(2)
    bad["survey_network"] = n.with_columns(
        pl.Series("org_type", ["universitet", n["org_type"][1]]),
        pl.Series("partner_id", [n["partner_id"][0], None], dtype=pl.String),
    )
    return bad


# --- writing ---------------------------------------------------------------------------------------


def write_demo_inbox(out: Path, scale: int = 1, seed: int = 2025) -> dict[str, dict]:
    """Write the demo inbox under ``out`` and return ``{dataset: {files, rows, bad_rows}}``.

    ``files`` are paths relative to ``out``; ``rows`` counts data rows written (bad ones included);
    ``bad_rows`` counts the rows planted to be rejected. Existing files of the same names are
    overwritten; nothing else in ``out`` is touched.
    """
    out = Path(out)
    data = build_demo(scale, seed)
    fmt = _rng(seed, "format")
    summary: dict[str, dict] = {}
    for folder in DATASET_FOLDERS:
        (out / folder).mkdir(parents=True, exist_ok=True)

    def record(dataset: str, rel: str, rows: int, bad: int = 0) -> None:
        entry = summary.setdefault(dataset, {"files": [], "rows": 0, "bad_rows": 0})
        entry["files"].append(rel)
        entry["rows"] += rows
        entry["bad_rows"] += bad

    # grants: XLSX from the grant system
    writers.write_xlsx(data.grants, out / "grants/bevillinger_2025.xlsx", sheet="Bevillinger")
    record("grants", "grants/bevillinger_2025.xlsx", data.grants.height)

    # accounts: Danish Excel CSV in Windows-1252 with thousands separators
    amounts = [c for c in data.accounts.columns if c.endswith("_dkk")]
    acc = data.accounts.with_columns(writers.danish_amount(pl.col(c)).alias(c) for c in amounts)
    writers.write_danish_csv(acc, out / "accounts/regnskaber_2023-2026.csv", encoding="cp1252")
    record("accounts", "accounts/regnskaber_2023-2026.csv", acc.height, 1)

    # activities: cluster-grant activities as UTF-8 CSV with BOM, innovation ones as XLSX
    cols = ["activity_id", "grant_id", "title", "theme", "start_date", "end_date"]
    acts = data.activities
    coll = pl.concat(
        [
            acts.filter(pl.col("grant_type") == "cluster").select(cols),
            data.bad["activities"].select(cols),
        ]
    )
    writers.write_csv(coll, out / "activities/aktiviteter_klyngebevilling.csv", bom=True)
    record(
        "activities",
        "activities/aktiviteter_klyngebevilling.csv",
        coll.height,
        data.bad["activities"].height,
    )
    inn = acts.filter(pl.col("grant_type") == "innovation").select(cols)
    writers.write_xlsx(
        inn, out / "activities/aktiviteter_innovation.xlsx", sheet="Innovationssamarbejder"
    )
    record("activities", "activities/aktiviteter_innovation.xlsx", inn.height)

    _write_participation(data, out, fmt, record)
    _write_outcomes(data, out, record)

    # firms: Parquet (CVR as a number) for 2021-2024, UTF-8 CSV for 2025-2028
    firms = data.firms
    early = firms.filter(pl.col("year") <= 2024)
    writers.write_parquet(early, out / "firms/cvr_panel_2021-2024.parquet")
    record("firms", "firms/cvr_panel_2021-2024.parquet", early.height)
    late = pl.concat(
        [
            firms.filter(pl.col("year") >= 2025).with_columns(
                pl.col("cvr").cast(pl.String).str.zfill(8)
            ),
            data.bad["firms"],
        ]
    )
    writers.write_csv(late, out / "firms/cvr_panel_2025-2028.csv")
    record("firms", "firms/cvr_panel_2025-2028.csv", late.height, data.bad["firms"].height)
    del early, late

    # survey_demand: 2025 as XLSX from the survey tool, 2026 as UTF-8 CSV
    dem = data.demand
    d25 = dem.filter(pl.col("survey_year") == 2025)
    writers.write_xlsx(d25, out / "survey_demand/efterspoergsel_2025.xlsx", sheet="Svar")
    record("survey_demand", "survey_demand/efterspoergsel_2025.xlsx", d25.height)
    d26 = pl.concat([dem.filter(pl.col("survey_year") == 2026), data.bad["survey_demand"]])
    writers.write_csv(d26, out / "survey_demand/efterspoergsel_2026.csv")
    record(
        "survey_demand",
        "survey_demand/efterspoergsel_2026.csv",
        d26.height,
        data.bad["survey_demand"].height,
    )

    # survey_network: 2025 as Parquet, 2026 as UTF-8 CSV
    net = data.network
    n25 = net.filter(pl.col("survey_year") == 2025)
    writers.write_parquet(n25, out / "survey_network/netvaerk_2025.parquet")
    record("survey_network", "survey_network/netvaerk_2025.parquet", n25.height)
    n26 = pl.concat([net.filter(pl.col("survey_year") == 2026), data.bad["survey_network"]])
    writers.write_csv(n26, out / "survey_network/netvaerk_2026.csv")
    record(
        "survey_network",
        "survey_network/netvaerk_2026.csv",
        n26.height,
        data.bad["survey_network"].height,
    )
    # applications: the grant system's export of the scored applications, Danish Excel CSV in
    # UTF-8 (decimal comma, thousands separators on the amounts)
    apps = data.applications.with_columns(
        writers.danish_amount(pl.col("applied_dkk")).alias("applied_dkk")
    )
    rel = "applications/ansoegninger_klyngeprogram_2025-2028.csv"
    writers.write_danish_csv(apps, out / rel, encoding="utf-8")
    record("applications", rel, apps.height, data.applications_bad_rows)
    return summary


def _write_participation(
    data: DemoData, out: Path, fmt: np.random.Generator, record: Recorder
) -> None:
    """One file per year of participation, each in another format."""
    cols = ["activity_id", "cvr", "participation_date", "firm_name"]
    part = data.participation.select(cols).sort("participation_date", "activity_id", "cvr")
    year = pl.col("participation_date").dt.year()
    for y in (2025, 2026, 2027, 2028):
        rows = part.filter(year == y)
        bad = data.bad[f"participation_{y}"]
        if y == 2025:
            # UTF-8 CSV; CVRs sometimes written "DK12345678" or "1234 5678" (valid, normalised).
            u = pl.Series(fmt.random(rows.height))
            rows = rows.with_columns(
                pl.when(u < 0.01)
                .then(pl.lit("DK") + pl.col("cvr"))
                .when(u < 0.02)
                .then(pl.col("cvr").str.slice(0, 4) + pl.lit(" ") + pl.col("cvr").str.slice(4))
                .otherwise(pl.col("cvr"))
                .alias("cvr")
            )
            frame = pl.concat([rows, bad.with_columns(pl.col("participation_date").str.to_date())])
            rel = "participation/deltagelse_2025.csv"
            writers.write_csv(frame, out / rel)
        elif y == 2026:
            # Danish Excel CSV, Windows-1252, DD-MM-YYYY dates (one impossible date among the bad rows).
            rows = rows.with_columns(pl.col("participation_date").dt.strftime("%d-%m-%Y"))
            bad = bad.with_columns(
                pl.when(pl.col("participation_date").str.contains(r"^\d{4}-"))
                .then(
                    pl.col("participation_date").str.to_date(strict=False).dt.strftime("%d-%m-%Y")
                )
                .otherwise(pl.col("participation_date"))
                .alias("participation_date")
            )
            frame = pl.concat([rows, bad])
            rel = "participation/deltagelse_2026.csv"
            writers.write_danish_csv(frame, out / rel, encoding="cp1252")
        elif y == 2027:
            # Parquet with an extra column (kept in the raw layer, ignored downstream).
            frame = pl.concat([rows, bad.with_columns(pl.col("participation_date").str.to_date())])
            frame = frame.with_columns(pl.lit("CRM-eksport").alias("kilde"))
            rel = "participation/deltagelse_2027.parquet"
            writers.write_parquet(frame, out / rel)
        else:
            # UTF-8 CSV whose header differs in case and white space.
            frame = pl.concat([rows, bad.with_columns(pl.col("participation_date").str.to_date())])
            frame = frame.rename(
                {
                    "activity_id": "Activity_ID ",
                    "cvr": " CVR",
                    "participation_date": "Participation_Date",
                    "firm_name": "FIRM_NAME",
                }
            )
            rel = "participation/deltagelse_2028.csv"
            writers.write_csv(frame, out / rel)
        record("participation", rel, frame.height, bad.height)


def _write_outcomes(data: DemoData, out: Path, record: Recorder) -> None:
    """Danish Excel CSV in UTF-8: ``ja``/``nej`` booleans and DD.MM.YYYY dates."""
    cols = ["activity_id", "cvr", "concept_developed", "concept_date"]
    frame = pl.concat(
        [data.outcomes.select(cols).sort("activity_id", "cvr"), data.bad["innovation_outcomes"]]
    )
    frame = frame.with_columns(
        pl.when(pl.col("concept_developed"))
        .then(pl.lit("ja"))
        .otherwise(pl.lit("nej"))
        .alias("concept_developed")
    )
    rel = "innovation_outcomes/innovationsresultater.csv"
    writers.write_danish_csv(frame, out / rel, encoding="utf-8", date_format="%d.%m.%Y")
    record("innovation_outcomes", rel, frame.height, data.bad["innovation_outcomes"].height)


__all__ = [
    "DATASET_FOLDERS",
    "PLANTED_EMPLOYMENT_EFFECT",
    "PLANTED_GROSS_PROFIT_EFFECT",
    "PLANTED_TURNOVER_EFFECT",
    "DemoData",
    "build_demo",
    "write_demo_inbox",
]
