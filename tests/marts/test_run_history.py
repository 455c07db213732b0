"""marts.run_history keeps every run's state; a run is compared with the state before it (the
same as_of's earlier run, else the previous as_of). Hand-made: a delivery that lifts a cluster
from behind to on track shows as a status change and a removed flag."""

from __future__ import annotations

import datetime as dt

from assets.models.run_history import previous_state, record_run_state, run_changes
from pipelines.core.config import Thresholds

START, END = "2025-01-01", "2028-12-31"
AS_OF = "2026-12-31"
T = dt.datetime(2026, 12, 31, 2, 0)


def _censec_with_one_sme(stage) -> None:  # noqa: ANN001 - pytest fixture object
    stage.grant("G-CS", "censec", "cluster", START, END, target=3)
    stage.activity("C1", "G-CS", "2025-03-01")
    stage.firm("10000001", 2025, 20, turnover=10e6)
    stage.participation("C1", "10000001", "2025-04-01")


def _record(stage, run_id: str, as_of: str, minutes: int) -> None:  # noqa: ANN001
    stage.run(as_of)
    record_run_state(stage.con, run_id, dt.date.fromisoformat(as_of), Thresholds(),
                     T + dt.timedelta(minutes=minutes))


def test_a_delivery_that_lifts_a_cluster_to_on_track_shows_in_the_changes(stage) -> None:
    _censec_with_one_sme(stage)
    _record(stage, "run-1", AS_OF, 0)
    first = run_changes(stage.con, "run-1")
    # elapsed 730 of 1460 days: expected 3 x 0.49966 = 1.499; 1 / 1.499 = 0.667 -> behind (>= 0.6)
    assert first.before is None and first.verdicts["censec"] == "behind"

    # two more SMEs of censec: 3 / 1.499 = 2.0 >= 0.9 -> on track
    for cvr in ("10000002", "10000003"):
        stage.firm(cvr, 2025, 20, turnover=10e6)
        stage.participation("C1", cvr, "2025-05-01")
    _record(stage, "run-2", AS_OF, 10)  # a same-day re-run: marts.indicators of AS_OF replaced
    second = run_changes(stage.con, "run-2")
    assert second.before[0] == "run-1"
    assert ("censec", "behind", "on_track") in second.clusters
    # censec's flag and the national one (the national target is censec's 3 alone) went away
    assert [f[:4] for f in second.flags_removed if f[1] == "smes_collective"] == [
        ("ALL", "smes_collective", "to_date", "WARN"), ("censec", "smes_collective", "to_date", "WARN")
    ]
    assert not [f for f in second.flags_added if f[0] == "censec" and f[1] == "smes_collective"]
    assert second.verdicts["censec"] == "on_track"

    # the earlier state is still there, so the run can be compared again later
    assert run_changes(stage.con, "run-1").verdicts["censec"] == "behind"

    # nothing new: compared with run-2, nothing changed
    _record(stage, "run-3", AS_OF, 20)
    third = run_changes(stage.con, "run-3")
    assert third.before[0] == "run-2" and third.clusters == [] and third.flags_added == []
    assert third.flags_removed == []

    # a later reporting date is compared with the newest run of the previous one
    _record(stage, "run-4", "2027-06-30", 30)
    assert previous_state(stage.con, "run-4")[0] == "run-3"
    # a backfill of an earlier date has no earlier state to compare with
    _record(stage, "run-5", "2026-06-30", 40)
    assert previous_state(stage.con, "run-5") is None


def test_counts_of_verdicts_leave_data_notes_out(stage) -> None:
    """censec's only flags besides its shortfall would be data notes (dq_*): its verdict and the
    counts come from shortfalls alone (reports/shortfalls.py)."""
    _censec_with_one_sme(stage)
    stage.participation("C1", "10000099", "2025-04-01")  # unverified participant: a data note
    _record(stage, "run-1", AS_OF, 0)
    changes = run_changes(stage.con, "run-1")
    flags = {(f[1], f[3]) for f in stage.con.execute(
        "SELECT cluster_id, indicator, period, status FROM marts.run_history "
        "WHERE run_id = 'run-1' AND kind = 'flag' AND cluster_id = 'censec'").fetchall()}
    assert any(code.startswith("dq_") for code, _ in flags), flags
    assert changes.verdicts["censec"] == "behind"
    assert changes.counts()["behind"] >= 1 and changes.counts()["critical"] == 0
