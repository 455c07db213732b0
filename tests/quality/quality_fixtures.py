"""Hand-written warehouse fixtures and stand-in assets for the data-quality tests.

:func:`clean_fixture` returns rows for every staging table and both marts that pass every check;
tests copy it, break one thing and materialise stand-in assets (same keys as the real ones) that
write the rows, together with the checks.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from pipelines.core.config import deployment_paths
from pipelines.core.contract import INGESTION_ORDER, UPSTREAM
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_writer, fetch_all

AS_OF = dt.date(2026, 6, 30)
Rows = list[dict[str, Any]]
Fixture = dict[str, Rows]

CLUSTERS: dict[str, float] = {  # granted clusters and recommended DKK m (board decision 2025)
    "am-hub": 29.8,
    "we-build-denmark": 69.4,
    "lifestyle-design": 57.5,
    "digitallead": 64.4,
    "energy-cluster-denmark": 99.3,
    "copenhagen-fintech": 55.0,
    "censec": 44.1,
    "food-bio-cluster": 55.9,
    "danish-life-science": 51.8,
    "odense-robotics": 51.4,
    "clean": 83.4,
}


def valid_cvr(seed: int) -> str:
    """An 8-digit CVR number passing the modulus-11 check."""
    weights = (2, 7, 6, 5, 4, 3, 2)
    base = 1000000 + seed
    while True:
        digits = [int(c) for c in str(base)]
        check = (-sum(w * d for w, d in zip(weights, digits, strict=True))) % 11
        if check < 10:
            return f"{base}{check}"
        base += 1


def _split(total: int, parts: int) -> list[int]:
    share, rest = divmod(total, parts)
    return [share + (1 if i < rest else 0) for i in range(parts)]


def clean_fixture() -> Fixture:
    """Rows for every table that satisfy every check (as of :data:`AS_OF`)."""
    fx: Fixture = {name: [] for name in (*INGESTION_ORDER, "indicators", "flags")}
    collective_targets = _split(5562, len(CLUSTERS))
    concept_targets = _split(683, len(CLUSTERS))
    for i, (cluster, mdkk) in enumerate(CLUSTERS.items()):
        cluster_award = round(mdkk * 1e6 * 0.7, 2)
        for grant_type, award, target in (
            ("cluster", cluster_award, collective_targets[i]),
            ("innovation", mdkk * 1e6 - cluster_award, concept_targets[i]),
        ):
            gid = f"{cluster}-{grant_type[0]}"
            fx["grants"].append(
                {
                    "grant_id": gid,
                    "cluster_id": cluster,
                    "grant_type": grant_type,
                    "awarded_dkk": award,
                    "period_start": dt.date(2025, 1, 1),
                    "period_end": dt.date(2028, 12, 31),
                    "target_smes": target,
                    "committed_private_share": 0.3,
                }
            )
            fx["activities"].append(
                {
                    "activity_id": f"{gid}-a1",
                    "grant_id": gid,
                    "title": f"<b>Workshop</b> | {cluster}",
                    "theme": "defence_security" if cluster == "censec" else "green_transition",
                    "theme_original": "defence_security"
                    if cluster == "censec"
                    else "green_transition",
                    "start_date": dt.date(2025, 3, 1),
                    "end_date": dt.date(2025, 3, 1),
                }
            )
        cvr = valid_cvr(i * 10)
        for grant_type in ("c", "i"):
            fx["participation"].append(
                {
                    "activity_id": f"{cluster}-{grant_type}-a1",
                    "cvr": cvr,
                    "participation_date": dt.date(2025, 3, 1),
                    "firm_name": f"Firma {i} ApS",
                }
            )
        fx["innovation_outcomes"].append(
            {
                "activity_id": f"{cluster}-i-a1",
                "cvr": cvr,
                "concept_developed": True,
                "concept_date": dt.date(2025, 9, 1),
            }
        )
        for year in (2024, 2025):
            fx["firms"].append(
                {
                    "cvr": cvr,
                    "year": year,
                    "employees": 12.0,
                    "turnover_dkk": 10_000_000.0,
                    "gross_profit_dkk": 2_000_000.0,
                    "total_assets_dkk": 5_000_000.0,
                    "nace_code": "6201",
                    "region": "DK01",
                }
            )
        fx["accounts"].append(
            {
                "cluster_id": cluster,
                "fiscal_year": 2025,
                "revenue_total_dkk": 10_000_000.0,
                "deb_funding_dkk": 5_000_000.0,
                "other_public_funding_dkk": 1_000_000.0,
                "membership_fees_dkk": 2_000_000.0,
                "sponsorships_dkk": 1_000_000.0,
                "user_payments_dkk": 1_000_000.0,
                "other_private_cash_dkk": 0.0,
                "private_in_kind_dkk": 100_000.0,
                "costs_total_dkk": 9_000_000.0,
                "result_dkk": 1_000_000.0,
                "equity_dkk": 2_000_000.0,
                "total_assets_dkk": 6_000_000.0,
                "cash_dkk": 3_000_000.0,
                "advance_payments_dkk": 0.0,
            }
        )
        fx["survey_demand"].append(
            {
                "survey_year": 2025,
                "cluster_id": cluster,
                "respondent_cvr": cvr,
                "theme": "green_transition",
                "theme_original": "green_transition",
                "demand": 4,
            }
        )
        fx["survey_network"].append(
            {
                "survey_year": 2025,
                "cluster_id": cluster,
                "org_id": cvr,
                "org_type": "sme",
                "partner_id": "KU",
                "partner_type": "knowledge_institution",
            }
        )
        _indicator_rows(fx, cluster, collective_targets[i], concept_targets[i])
    _national_rows(fx)
    # applications: the granted clusters applied for what they were awarded and DKK 1m more; the
    # rejected applicants of the board decision are applicants too
    for grant in fx["grants"]:
        fx["applications"].append(
            {
                "cluster_id": grant["cluster_id"],
                "grant_type": grant["grant_type"],
                "applied_dkk": grant["awarded_dkk"] + 1e6,
                "weighted_score": 7.5,
            }
        )
    for rejected in ("made", "navigate-denmark", "danish-sound"):
        for grant_type in ("cluster", "innovation"):
            fx["applications"].append(
                {
                    "cluster_id": rejected,
                    "grant_type": grant_type,
                    "applied_dkk": 30e6,
                    "weighted_score": 5.0,
                }
            )
    return fx


def _indicator(
    cluster: str, indicator: str, period: str, value: float | None, **kw: Any
) -> dict[str, Any]:
    row = {
        "cluster_id": cluster,
        "indicator": indicator,
        "period": period,
        "value": value,
        "target": None,
        "expected": None,
        "n_firms": None,
        "status": "no_target",
        "as_of": AS_OF,
    }
    row.update(kw)
    return row


def _indicator_rows(fx: Fixture, cluster: str, collective_target: int, concept_target: int) -> None:
    elapsed = 0.375  # 2025-01-01 .. 2026-06-30 of 2025..2028, roughly
    for indicator, target in (
        ("smes_collective", collective_target),
        ("smes_concepts", concept_target),
    ):
        expected = round(target * elapsed, 3)
        fx["indicators"].append(
            _indicator(
                cluster,
                indicator,
                "to_date",
                float(round(expected)),
                target=float(target),
                expected=expected,
                status="on_track",
            )
        )
    fx["indicators"] += [
        _indicator(cluster, "sme_share", "to_date", 0.9, n_firms=20),
        _indicator(
            cluster, "private_cofinancing_share", "2025", 0.4, target=0.3, status="on_track"
        ),
        _indicator(cluster, "equity_ratio", "2025", 0.333),
        _indicator(cluster, "liquidity_months", "2025", 4.0, status="on_track"),
        _indicator(cluster, "deb_dependence", "2025", 0.5),
        _indicator(cluster, "turnover_effect_2y", "all", None, target=0.07, n_firms=0),
        _indicator(cluster, "network_density", "2025", 1.0),
    ]


def _national_rows(fx: Fixture) -> None:
    for indicator in ("smes_collective", "smes_concepts"):
        rows = [r for r in fx["indicators"] if r["indicator"] == indicator]
        fx["indicators"].append(
            _indicator(
                "ALL",
                indicator,
                "to_date",
                sum(r["value"] for r in rows),
                target=sum(r["target"] for r in rows),
                expected=sum(r["expected"] for r in rows),
                status="on_track",
            )
        )
    fx["indicators"].append(
        _indicator("ALL", "turnover_effect_2y", "all", None, target=0.07, n_firms=0)
    )


def copy_fixture(fx: Fixture | None = None) -> Fixture:
    """A deep copy of ``fx`` (default: the clean fixture) to break."""
    return copy.deepcopy(fx if fx is not None else clean_fixture())


def set_indicator(fx: Fixture, cluster: str, indicator: str, **changes: Any) -> None:
    """Change the fixture's indicator row(s) of ``cluster`` and ``indicator``."""
    for row in fx["indicators"]:
        if row["cluster_id"] == cluster and row["indicator"] == indicator:
            row.update(changes)


def flag_statuses(fx: Fixture) -> None:
    """Add the flags the marts would write for behind / critical rows."""
    fx["flags"] = [
        {
            "cluster_id": r["cluster_id"],
            "indicator": r["indicator"],
            "period": r["period"],
            "severity": "WARN" if r["status"] == "behind" else "ERROR",
            "message": f"{r['cluster_id']} {r['indicator']} {r['status']}",
            "as_of": r["as_of"],
        }
        for r in fx["indicators"]
        if r["status"] in ("behind", "critical")
    ]


def write_table(con: Any, table: str, rows: Rows, lineage: bool = True) -> None:
    """Replace the contents of ``table`` with ``rows`` (adding lineage columns to staging rows)."""
    con.execute(f"DELETE FROM {table}").fetchall()
    if not rows:
        return
    now = dt.datetime(2026, 6, 30, 12, 0)
    name = table.split(".")[-1]
    full = [
        {
            **r,
            "_file_sha256": "f" * 64,
            "_file_name": f"{name}/fixture.csv",
            "_row_number": i + 1,
            "_loaded_at": now,
        }
        if lineage
        else r
        for i, r in enumerate(rows)
    ]
    cols = list(full[0])
    con.executemany(
        f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [[r[c] for c in cols] for r in full],
    )


def write_fixture(warehouse: Path, fx: Fixture) -> None:
    """Write every table of ``fx`` to the warehouse directly (no Dagster)."""
    with connect_writer(warehouse) as con:
        for ds in INGESTION_ORDER:
            write_table(con, f"staging.{ds}", fx[ds])
        write_table(con, "marts.indicators", fx["indicators"], lineage=False)
        write_table(con, "marts.flags", fx["flags"], lineage=False)


def ingested_file(
    dataset: str,
    name: str,
    status: str = "ingested",
    total: int = 10,
    rejected: int = 0,
    error: str | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """A ``meta.ingested_files`` row."""
    return {
        "file_sha256": (name + status).encode().hex()[:64].ljust(64, "0"),
        "file_name": name,
        "dataset": dataset,
        "status": status,
        "rows_total": total,
        "rows_accepted": total - rejected,
        "rows_rejected": rejected,
        "error": error,
        "ingested_at": at or dt.datetime(2026, 6, 30, 1, 0),
    }


def standin_assets(fx: Fixture, files: Rows | None = None) -> list[dg.AssetsDefinition]:
    """Assets with the real keys (staging/<dataset>, marts/indicators, marts/flags) writing ``fx``."""
    files = (
        files
        if files is not None
        else [ingested_file(ds, f"{ds}/fixture.csv") for ds in INGESTION_ORDER]
    )

    def staging_asset(ds: str) -> dg.AssetsDefinition:
        @dg.asset(
            key=["staging", ds], deps=[dg.AssetKey(["staging", u]) for u in UPSTREAM.get(ds, ())]
        )
        def _asset(warehouse: WarehouseResource) -> None:
            with warehouse.writer() as con:
                write_table(con, f"staging.{ds}", fx[ds])
                con.execute("DELETE FROM meta.ingested_files WHERE dataset = ?", [ds]).fetchall()
                mine = [f for f in files if f["dataset"] == ds]
                if mine:
                    cols = list(mine[0])
                    con.executemany(
                        f"INSERT INTO meta.ingested_files ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                        [[f[c] for c in cols] for f in mine],
                    )

        return _asset

    @dg.asset(
        key=["marts", "indicators"], deps=[dg.AssetKey(["staging", d]) for d in INGESTION_ORDER]
    )
    def indicators(warehouse: WarehouseResource) -> None:
        with warehouse.writer() as con:
            write_table(con, "marts.indicators", fx["indicators"], lineage=False)

    @dg.asset(key=["marts", "flags"], deps=[indicators])
    def flags(warehouse: WarehouseResource) -> None:
        with warehouse.writer() as con:
            write_table(con, "marts.flags", fx["flags"], lineage=False)

    return [*(staging_asset(d) for d in INGESTION_ORDER), indicators, flags]


def run(
    tmp_path: Path,
    fx: Fixture,
    checks: Sequence[dg.AssetChecksDefinition],
    files: Rows | None = None,
) -> dg.ExecuteInProcessResult:
    """Materialise the stand-ins and ``checks`` against a fresh warehouse in ``tmp_path``."""
    resource = WarehouseResource(as_of=AS_OF.isoformat())
    with deployment_paths(warehouse=tmp_path / "wh.duckdb"):
        return dg.materialize(
            [*standin_assets(fx, files), *checks],
            resources={"warehouse": resource},
            raise_on_error=False,
        )


def evaluations(result: dg.ExecuteInProcessResult) -> dict[tuple[str, str], Any]:
    """Check evaluations by (asset key string, check name)."""
    return {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }


def table_count(warehouse: Path, table: str) -> int:
    """Row count of a warehouse table."""
    with connect_writer(warehouse) as con:
        return int(fetch_all(con, f"SELECT count(*) FROM {table}")[0][0])
