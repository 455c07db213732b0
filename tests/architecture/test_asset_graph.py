"""The asset graph as a snapshot (keys, groups, kinds, dependencies, checks), and the Dagster data
versions that make the UI's "stale" agree with meta.build_state.

When the graph changes on purpose, regenerate the snapshot with
``UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/architecture/test_asset_graph.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.core.config import deployment_paths
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import ensure_schema, fetch_all
from pipelines.definitions import defs

SNAPSHOT = Path(__file__).with_name("asset_graph.json")


def _graph() -> dict:
    graph = defs.resolve_asset_graph()
    checks: dict[str, list[str]] = {}
    for check_key in graph.asset_check_keys:
        checks.setdefault(check_key.asset_key.to_user_string(), []).append(check_key.name)
    out = {}
    for key in sorted(graph.get_all_asset_keys(), key=lambda k: k.to_user_string()):
        node = graph.get(key)
        out[key.to_user_string()] = {
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "materializable": node.is_materializable,
            "deps": sorted(p.to_user_string() for p in node.parent_keys),
            "checks": sorted(checks.get(key.to_user_string(), [])),
            "has_description": bool(node.description),
        }
    return out


def test_asset_graph_matches_the_snapshot() -> None:
    current = _graph()
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not SNAPSHOT.exists():
        SNAPSHOT.write_text(json.dumps(current, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_every_asset_has_a_description_group_and_kinds() -> None:
    for key, node in _graph().items():
        assert node["has_description"] and node["group"] and node["kinds"], key


def test_model_data_versions_are_the_fingerprints_in_build_state(tmp_path: Path) -> None:
    """A model's Dagster data version is its input fingerprint, the one ``meta.build_state`` keeps."""
    from assets.models.definitions import model_assets

    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        ensure_schema(con)
    staging = [dg.AssetSpec(["staging", d]) for d in ("grants", "activities", "participation",
               "innovation_outcomes", "firms", "accounts", "survey_demand", "survey_network")]
    reference = [dg.AssetSpec(["reference", t]) for t in ("clusters", "indicator_catalogue")]
    with deployment_paths(warehouse=path):
        result = dg.materialize(
            [*staging, *reference, *model_assets],
            resources={"warehouse": WarehouseResource(as_of="2026-06-30")},
            selection=[a.key for a in model_assets],
        )
    assert result.success
    versions = {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.tags["dagster/data_version"]
        for e in result.get_asset_materialization_events()
    }
    with duckdb.connect(str(path), read_only=True) as con:
        stored = dict(fetch_all(con, "SELECT name, fingerprint FROM meta.build_state WHERE name LIKE 'model:%'"))
    assert versions and {f"model:{k}": v for k, v in versions.items()} == stored
