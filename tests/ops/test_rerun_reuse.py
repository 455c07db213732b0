"""A re-run with no new files reuses model builds and check results; a new file invalidates them."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from pipelines.core.config import deployment_paths
from pipelines.core.resources import WarehouseResource
from pipelines.definitions import build_definitions
from pipelines.jobs import NIGHTLY_JOB_NAME
from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, GRANTS_CSV


def _run(tmp_path):
    resource = WarehouseResource(as_of="2026-06-30")
    job = build_definitions(resource).resolve_job_def(NIGHTLY_JOB_NAME)
    with deployment_paths(tmp_path / "inbox", tmp_path / "w.duckdb", tmp_path / "reports"):
        result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    rebuilt = {
        m.asset_key.to_user_string(): m.metadata["rebuilt"].value
        for m in (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
        if "rebuilt" in m.metadata
    }
    reused = {e.check_name for e in result.get_asset_check_evaluations() if "reused_from" in e.metadata}
    checks = {(e.asset_key.to_user_string(), e.check_name): e.passed for e in result.get_asset_check_evaluations()}
    return rebuilt, reused, checks


def _indicators(tmp_path):
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        return con.execute("SELECT * FROM marts.indicators ORDER BY ALL").fetchall()


@pytest.mark.slow
def test_unchanged_inputs_are_reused_and_new_files_rebuild(tmp_path):
    inbox = tmp_path / "inbox"
    for rel, text in {"grants/g.csv": GRANTS_CSV, "activities/a.csv": ACTIVITIES_CSV,
                      "participation/p1.csv": f"activity_id,cvr,participation_date\nAC1,{CVR_A},2025-02-01\n",
                      "firms/f.csv": "cvr,year,employees,turnover_dkk,nace_code,region\n"
                                     f"{CVR_A},2025,10,1000000,6201,DK01\n{CVR_B},2025,20,2000000,6201,DK02\n"}.items():
        (inbox / rel).parent.mkdir(parents=True, exist_ok=True)
        (inbox / rel).write_text(text, encoding="utf-8")

    rebuilt, reused, checks_first = _run(tmp_path)
    assert rebuilt and all(rebuilt.values())
    assert reused == set()
    first = _indicators(tmp_path)

    report = tmp_path / "reports" / "impact_report_2026-06-30.html"
    written = report.stat().st_mtime_ns
    rebuilt, reused, checks_second = _run(tmp_path)
    assert "reports/impact_report" in rebuilt and not any(rebuilt.values())
    assert report.stat().st_mtime_ns == written
    assert "contract_suite" in reused and "cluster_status_reach_trajectory" in reused
    assert checks_second == checks_first
    assert _indicators(tmp_path) == first

    (inbox / "participation" / "p2.csv").write_text(
        f"activity_id,cvr,participation_date\nAC1,{CVR_B},2025-02-02\n", encoding="utf-8"
    )
    rebuilt, reused, _ = _run(tmp_path)
    assert rebuilt["intermediate/qualifying_events"] and rebuilt["marts/indicators"]
    assert rebuilt["reports/impact_report"]
    assert not rebuilt["intermediate/network"]  # reads only the network survey, which is unchanged
    assert "cluster_status_reach_trajectory" not in reused
    assert _indicators(tmp_path) != first
