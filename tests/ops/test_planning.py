"""The run planner: a run leaves out the steps whose inputs did not change, and publishes exactly
what a run of every step publishes (pipelines/planning.py)."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.core.config import Thresholds, load_settings
from pipelines.core.contract import DATASETS, INGESTION_ORDER
from pipelines.definitions import build_definitions
from pipelines.instance import instance as deployment_instance
from pipelines.jobs import NIGHTLY_JOB_NAME
from pipelines.planning import plan_run
from pipelines.runner import resource_for, run_pipeline
from tests.reliability.late_deliveries import differences
from tests.reliability.runs import AS_OF, CVR_A, write_inbox

ALWAYS = {"marts/run_history", "reports/impact_report"}
CHECK_NAMES = ("contract_suite", "statistics_suite", "ingestion_health")


def _plan(settings):
    job = build_definitions(resource_for(settings)).resolve_job_def(NIGHTLY_JOB_NAME)
    plan = plan_run(settings, job)
    assets = None if plan.assets is None else {k.to_user_string() for k in plan.assets}
    checks = None if plan.checks is None else {f"{c.asset_key.to_user_string()}:{c.name}" for c in plan.checks}
    return plan, assets, checks


def _touch_later(path: Path) -> None:
    """Give ``path`` a new modification time (and so a new change time), content unchanged."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_the_plan_leaves_out_what_cannot_change_and_keeps_what_can(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    write_inbox(inbox)
    settings = load_settings(inbox, tmp_path / "w.duckdb", tmp_path / "reports", AS_OF)

    plan, _, _ = _plan(settings)
    assert plan.is_full and plan.reason == "a new warehouse"
    assert run_pipeline(settings) == 0
    first = capsys.readouterr().out
    assert "  ran: every asset and check (a new warehouse)" in first

    # Nothing new: only the run's outputs. Every check passed or is a cluster status check.
    plan, assets, checks = _plan(settings)
    required_without_folder = {  # their staging steps warn about it, and change nothing
        f"staging/{d}" for d in INGESTION_ORDER if not DATASETS[d].optional and not (inbox / d).is_dir()
    }
    assert required_without_folder  # the hand-made inbox has three folders
    assert assets == ALWAYS | required_without_folder
    # ... and the pipeline checks whose last result did not pass (they must still block / warn).
    failing = {c for c, passed in _stored_checks(settings.warehouse).items() if not passed}
    reads_firms = {"staging/participation:contract_suite", "staging/participation:statistics_suite"}
    assert checks == {f"{a}:{n}" for a in required_without_folder for n in CHECK_NAMES} | reads_firms | {
        c for c in failing if ":cluster_status_" not in c
    }
    # A same-content copy with a new time: read again by the ingestion, so planned (conservative).
    _touch_later(inbox / "participation" / "p1.csv")
    _, assets_touched, _ = _plan(settings)
    assert "staging/participation" in assets_touched
    assert run_pipeline(settings) == 0
    assert "  ran: " in capsys.readouterr().out
    with deployment_instance(settings.warehouse) as instance:  # the UI's run list shows the plan
        assert re.fullmatch(r"\d+/32 assets, \d+/34 checks", instance.get_runs(limit=1)[0].tags["impact/ran"])
    _, assets_after, _ = _plan(settings)
    assert "staging/participation" not in assets_after  # its new stamp is recorded

    # A new participation file: participation, what reads it, and their checks.
    (inbox / "participation" / "p3.csv").write_text(
        f"activity_id,cvr,participation_date\nAI1,{CVR_A},2025-04-01\n", encoding="utf-8"
    )
    _, assets, checks = _plan(settings)
    assert {"staging/participation", "staging/innovation_outcomes", "marts/indicators"} <= assets
    assert "staging/grants" not in assets
    assert {"staging/participation:contract_suite", "staging/participation:ingestion_health"} <= checks
    assert "staging/grants:contract_suite" not in checks

    # Another reporting date: every model is for that date, no staging step.
    later = dataclasses.replace(settings, as_of=settings.as_of.replace(year=settings.as_of.year + 1))
    (inbox / "participation" / "p3.csv").unlink()
    _, assets, _ = _plan(later)
    assert "marts/indicators" in assets and "intermediate/firm_sme_status" in assets
    assert not {a for a in assets if a.startswith("staging/")} - required_without_folder

    # Another threshold: the models that bind it, and every check (their fingerprints hold them).
    tighter = dataclasses.replace(
        settings, thresholds=dataclasses.replace(Thresholds(), max_rejected_share=0.01)
    )
    _, _, checks = _plan(tighter)
    assert "staging/grants:ingestion_health" in checks


def _stored_checks(warehouse: Path) -> dict[str, bool]:
    """check -> whether its stored result passed, read from meta.build_state."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("SELECT name, result FROM meta.build_state WHERE name LIKE 'check:%'").fetchall()
    out = {}
    for name, text in rows:
        passed = all(json.loads(r)["passed"] for r in json.loads(text))
        if name.startswith("check:ingestion_health:"):  # check:ingestion_health:<dataset>
            out[f"staging/{name.rsplit(':', 1)[1]}:ingestion_health"] = passed
        else:  # check:<asset>.<check>
            asset, check = name.removeprefix("check:").rsplit(".", 1)
            out[f"{asset}:{check}"] = passed
    return out


def test_a_failing_check_is_run_again_so_that_it_still_blocks(tmp_path, capsys):
    """A contract suite whose stored result failed is planned again although nothing it reads
    changed; one that passed is not."""
    inbox = tmp_path / "inbox"
    write_inbox(inbox)
    settings = load_settings(inbox, tmp_path / "w.duckdb", tmp_path / "reports", AS_OF)
    assert run_pipeline(settings) == 0
    capsys.readouterr()
    assert _stored_checks(settings.warehouse)["staging/grants:contract_suite"] is True
    _, _, checks = _plan(settings)
    assert "staging/grants:contract_suite" not in checks
    name = "check:staging/grants.contract_suite"
    with duckdb.connect(str(settings.warehouse)) as con:
        (text,) = con.execute("SELECT result FROM meta.build_state WHERE name = ?", [name]).fetchall()[0]
        results = [json.loads(r) for r in json.loads(text)]
        results[0]["passed"] = False
        con.execute(
            "UPDATE meta.build_state SET result = ? WHERE name = ?",
            [json.dumps([json.dumps(r) for r in results]), name],
        ).fetchall()
    _, _, checks = _plan(settings)
    assert "staging/grants:contract_suite" in checks
    assert "staging/activities:contract_suite" not in checks


@pytest.mark.slow
def test_planned_runs_publish_what_runs_of_every_step_publish(tmp_path, capsys):
    """The demo inbox through five nights, once planned and once with every step: the same
    tables (EXCEPT ALL both ways, doubles to 12 digits) and the same check verdicts, while the
    planned re-run ran only the run's outputs."""
    from demo.generator import write_demo_inbox

    source = tmp_path / "demo"
    write_demo_inbox(source, scale=1, seed=2025)
    sites = {name: tmp_path / name for name in ("planned", "every")}
    for site in sites.values():
        shutil.copytree(source, site / "inbox")

    def night(as_of: str, thresholds: Thresholds | None = None) -> dict[str, str]:
        out = {}
        for name, site in sites.items():
            settings = load_settings(site / "inbox", site / "w.duckdb", site / "reports", as_of)
            if thresholds:
                settings = dataclasses.replace(settings, thresholds=thresholds)
            assert run_pipeline(settings, all_steps=name == "every") == 0, capsys.readouterr().err
            out[name] = capsys.readouterr().out
        return out

    def same() -> None:
        planned, every = (sites[n] / "w.duckdb" for n in ("planned", "every"))
        assert differences(planned, every) == {}
        # The same checks with the same verdicts (fingerprints hold load times, which differ).
        assert _stored_checks(planned) == _stored_checks(every)

    night("2026-11-30")
    same()
    out = night("2026-11-30")  # nothing new: the report, run_history and the checks that warn
    warnings = re.search(r"; (\d+) warning\(s\): ", out["planned"])
    warned = int(warnings.group(1)) if warnings else 0
    assert f"  ran: 2 of 32 assets and {warned} of " in out["planned"], out["planned"]
    assert "the others' last results stand" in out["planned"]
    assert "  ran: every asset and check (--all-steps)" in out["every"], out["every"]
    same()
    time.sleep(0.01)
    for site in sites.values():  # one more participation file: the first file's rows again, later
        folder = site / "inbox" / "participation"
        first = sorted(folder.glob("*.csv"))[0]
        lines = first.read_text(encoding="utf-8").splitlines(keepends=True)
        (folder / "zz_late.csv").write_text("".join(lines[:1] + lines[1:40]), encoding="utf-8")
    out = night("2026-11-30")
    assert "zz_late.csv" in out["planned"]
    same()
    night("2027-06-30")  # a later reporting date
    same()
    night("2027-06-30", dataclasses.replace(Thresholds(), max_rejected_share=0.001))
    same()
