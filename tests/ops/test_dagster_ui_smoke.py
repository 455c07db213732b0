"""End-to-end: `dagster dev` on a free loopback port answers GraphQL with our definitions.

The server is started in its own session and killed by process group (SIGKILL): in these
sandboxes a background `dagster dev` may ignore SIGTERM.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

QUERY_ASSETS = """{ assetNodes { assetKey { path } description groupName kinds
  owners { ... on TeamAssetOwner { team } }
  assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }"""
QUERY_WORKSPACE = """{ workspaceOrError { ... on Workspace { locationEntries { name
  locationOrLoadError { __typename
    ... on RepositoryLocation { repositories { name
        jobs { name }
        schedules { name cronSchedule executionTimezone scheduleState { status } }
        sensors { name sensorState { status } } } }
    ... on PythonError { message } } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=20) as response:
        return json.loads(response.read())["data"]


@pytest.mark.slow
def test_dagster_dev_serves_assets_checks_schedule_and_sensor(tmp_path):
    port = _free_port()
    env = dict(
        os.environ,
        DAGSTER_HOME=str(tmp_path / "dagster_home"),
        IMPACT_WAREHOUSE=str(tmp_path / "w.duckdb"),
        IMPACT_INBOX=str(tmp_path / "inbox"),
        IMPACT_REPORTS=str(tmp_path / "reports"),
    )
    (tmp_path / "dagster_home").mkdir()
    log = (tmp_path / "dagster.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions", "-h", "127.0.0.1", "-p", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        workspace = None
        while time.monotonic() < deadline:
            try:
                workspace = _graphql(port, QUERY_WORKSPACE)
                entry = workspace["workspaceOrError"]["locationEntries"][0]["locationOrLoadError"]
                if entry and entry["__typename"] in ("RepositoryLocation", "PythonError"):
                    break
            except (urllib.error.URLError, ConnectionError, KeyError, IndexError, TypeError):
                pass
            time.sleep(1)
        assert workspace is not None, (tmp_path / "dagster.log").read_text()
        location = workspace["workspaceOrError"]["locationEntries"][0]["locationOrLoadError"]
        assert location["__typename"] == "RepositoryLocation", location
        repo = location["repositories"][0]
        assert {"name": "nightly_at_0200_copenhagen", "cronSchedule": "0 2 * * *",
                "executionTimezone": "Europe/Copenhagen", "scheduleState": {"status": "RUNNING"}} in repo["schedules"]
        assert {"name": "inbox_new_files", "sensorState": {"status": "RUNNING"}} in repo["sensors"]
        assert {"nightly_impact_run", "inbox_ingestion_run"} <= {j["name"] for j in repo["jobs"]}

        nodes = _graphql(port, QUERY_ASSETS)["assetNodes"]
        keys = {"/".join(n["assetKey"]["path"]) for n in nodes}
        assert "staging/participation" in keys
        for node in nodes:
            assert node["description"], node["assetKey"]
            assert node["groupName"] and node["kinds"] and node["owners"], node["assetKey"]
        checks = [c for n in nodes for c in (n["assetChecksOrError"] or {}).get("checks", [])]
        assert len(checks) >= 20, "asset checks are visible in the UI"
        assert any(c["blocking"] for c in checks) and not all(c["blocking"] for c in checks)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        log.close()
