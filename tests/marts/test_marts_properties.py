"""Properties on random data: national figures add up, and runs are idempotent with history."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from marts_helpers import Stage

from assets.models.definitions import defs
from assets.models.definitions import model_assets as indicator_assets
from pipelines.core.catalogue import catalogue
from pipelines.core.config import deployment_paths
from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import ensure_schema, fetch_all

CLUSTERS = ("odense-robotics", "censec", "clean")
DAYS = st.integers(min_value=0, max_value=4 * 365)
BASE = dt.date(2024, 7, 1)


def day(n: int) -> str:
    return (BASE + dt.timedelta(days=n)).isoformat()


firm_st = st.tuples(
    st.sampled_from([3.0, 20.0, 120.0, 260.0]),  # employees
    st.sampled_from([None, 1e6, 400e6]),  # turnover
    st.booleans(),  # has a register row
)
event_st = st.tuples(st.integers(0, 11), st.integers(0, 5), DAYS, st.booleans(), DAYS)


@st.composite
def programme(draw: st.DrawFn) -> dict:
    return {
        "targets": draw(st.lists(st.integers(0, 50), min_size=6, max_size=6)),
        "starts": draw(st.lists(st.integers(0, 400), min_size=6, max_size=6)),
        "firms": draw(st.lists(firm_st, min_size=12, max_size=12)),
        "events": draw(st.lists(event_st, max_size=40)),
        "accounts": draw(
            st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=3, max_size=3)
        ),
        "as_of": draw(DAYS),
    }


def build(stage: Stage, p: dict) -> None:
    activities = []
    for i, cluster in enumerate(CLUSTERS):
        for j, kind in enumerate(("cluster", "innovation")):
            k = 2 * i + j
            gid = f"G{k}"
            stage.grant(
                gid,
                cluster,
                kind,
                day(p["starts"][k]),
                day(p["starts"][k] + 1200),
                target=p["targets"][k],
                awarded=1e6 * (k + 1),
                share=0.1 * (j + 1),
            )
            stage.activity(f"A{k}", gid, day(0))
            activities.append((f"A{k}", kind))
    for n, (employees, turnover, registered) in enumerate(p["firms"]):
        if registered:
            stage.firm(f"{n:08d}", 2025, employees, turnover=turnover)
    seen = set()
    for firm, act, d, developed, concept_day in p["events"]:
        aid, kind = activities[act]
        if (aid, firm) in seen:
            continue
        seen.add((aid, firm))
        stage.participation(aid, f"{firm:08d}", day(d))
        if kind == "innovation":
            stage.outcome(aid, f"{firm:08d}", developed, day(concept_day) if developed else None)
    for cluster, (private, public) in zip(CLUSTERS, p["accounts"], strict=True):
        stage.account(
            cluster,
            2025,
            deb=public,
            other_public=0,
            membership=private,
            sponsorships=0,
            user_payments=0,
        )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programme())
def test_national_sums_equal_sum_of_clusters(p: dict) -> None:
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    stage = Stage(con)
    build(stage, p)
    r = stage.run(day(p["as_of"]))
    for indicator in ("smes_collective", "smes_concepts"):
        parts = [r[c, indicator, "to_date"] for c in CLUSTERS]
        total = r["ALL", indicator, "to_date"]
        assert total["value"] == sum(x["value"] for x in parts)
        assert total["n_firms"] == sum(x["n_firms"] for x in parts)
        assert total["target"] == sum(x["target"] for x in parts)
        assert total["expected"] == pytest.approx(sum(x["expected"] for x in parts))
    unique = r.value("ALL", "smes_collective_unique")
    assert max(r.value(c, "smes_collective") for c in CLUSTERS) <= unique
    assert unique <= r.value("ALL", "smes_collective")
    shares = [r[c, "sme_share", "to_date"]["n_firms"] for c in CLUSTERS]
    assert max(shares) <= r["ALL", "sme_share", "to_date"]["n_firms"] <= sum(shares)
    private = sum(a for a, _ in p["accounts"])
    funding = sum(a + b for a, b in p["accounts"])
    if p["as_of"] >= 184:  # as_of in 2025 or later: fiscal year 2025 is reported
        value = r.value("ALL", "private_cofinancing_share", "2025")
        assert value == (pytest.approx(private / funding) if funding else None)
    else:
        assert ("ALL", "private_cofinancing_share", "2025") not in r.rows
    con.close()


def _snapshot(con: duckdb.DuckDBPyConnection) -> tuple[list, list]:
    return (
        fetch_all(con, "SELECT * EXCLUDE (as_of), as_of FROM marts.indicators ORDER BY ALL"),
        fetch_all(con, "SELECT * FROM marts.flags ORDER BY ALL"),
    )


def test_runs_are_idempotent_and_keep_history(stage: Stage) -> None:
    stage.grant("G", "odense-robotics", "cluster", "2025-01-01", "2028-12-31", target=40)
    stage.activity("A", "G", "2025-01-10")
    for n in range(6):
        stage.firm(f"{n:08d}", 2025, 10, turnover=1e6)
        stage.participation("A", f"{n:08d}", f"2025-0{n + 1}-15")
    stage.participation("A", "99999999", "2025-03-01")  # unverified: a data-quality flag
    stage.run("2025-06-30")
    first = _snapshot(stage.con)
    stage.run("2025-06-30")
    assert _snapshot(stage.con) == first

    stage.run("2026-06-30")
    indicators, flags = _snapshot(stage.con)
    as_of_first = dt.date(2025, 6, 30)
    assert [r for r in indicators if r[-1] == as_of_first] == first[0]
    assert [r for r in flags if r[-1] == as_of_first] == first[1]
    assert any(r[-1] == dt.date(2026, 6, 30) for r in indicators)
    # no duplicate keys within one as_of
    keys = [(r[0], r[1], r[2], r[-1]) for r in indicators]
    assert len(keys) == len(set(keys))


def test_materialize_assets_into_a_temporary_warehouse(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    ensure_schema(con)
    stage = Stage(con)
    stage.grant("G", "censec", "cluster", "2025-01-01", "2028-12-31", target=10)
    stage.activity("A", "G", "2025-01-10")
    stage.firm("00000001", 2025, 10, turnover=1e6)
    stage.participation("A", "00000001", "2025-02-01")
    con.close()

    staging = [
        dg.AssetSpec(["staging", d])
        for d in INGESTION_ORDER
    ]
    with deployment_paths(warehouse=path):
        result = dg.materialize(
            [*staging, *indicator_assets],
            resources={"warehouse": WarehouseResource(as_of="2026-12-31")},
            selection=[a.key for a in indicator_assets],
        )
    assert result.success
    keys = {e.asset_key for e in result.get_asset_materialization_events()}
    assert dg.AssetKey(["marts", "indicators"]) in keys
    assert dg.AssetKey(["marts", "flags"]) in keys
    assert dg.AssetKey(["intermediate", "innovation_cohorts"]) in keys
    assert dg.AssetKey(["intermediate", "matched_effects"]) in keys
    meta = result.asset_materializations_for_node("marts__indicators")[0].metadata
    assert "censec" in {r.data["cluster"] for r in meta["cluster_status"].records}
    assert "sql" in meta and "preview" in meta
    # the national figure of every measure of the guiding headlines shows in the Dagster UI
    national = {r.data["indicator"]: r.data["label"] for r in meta["national_figures"].records}
    for code in ("core_theme_share", "sme_depth_share", "large_firm_participants",
                 "multi_cluster_sme_share", "sme_share"):  # fmt: skip
        assert national[code] == catalogue()[code].label["en"], code

    con = duckdb.connect(str(path), read_only=True)
    (row,) = fetch_all(
        con,
        "SELECT value, status FROM marts.indicators WHERE cluster_id = "
        "'censec' AND indicator = 'smes_collective'",
    )
    con.close()
    assert row == (1.0, "critical")  # 1 of 10 * 729/1460 = 5.0 expected
    for spec in indicator_assets:  # grouped by layer: intermediate/..., marts/...
        assert spec.group_names_by_key[spec.key] == spec.key.path[0]


def test_definitions_load() -> None:
    # the lead's Definitions provide the resource; merged here the way the lead merges them
    merged = dg.Definitions.merge(
        defs, dg.Definitions(resources={"warehouse": WarehouseResource()})
    )
    repo = merged.get_repository_def()
    keys = {k.to_user_string() for k in repo.asset_graph.get_all_asset_keys()}
    assert {"marts/indicators", "marts/flags", "intermediate/grant_windows"} <= keys
