"""SME counts, SME share and the trajectory status, on hand-made fixtures worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

START, END = "2025-01-01", "2028-12-31"


def frac(start: str, end: str, as_of: str) -> float:
    """Elapsed fraction by hand: days since start / days of the grant, clamped to 0..1."""
    s, e, a = (dt.date.fromisoformat(x) for x in (start, end, as_of))
    return min(1.0, max(0.0, (a - s).days / (e - s).days))


def stage_collective(stage) -> None:  # noqa: ANN001 - pytest fixture object
    stage.grant("G-OR", "odense-robotics", "cluster", START, END, target=10)
    stage.grant("G-CS", "censec", "cluster", START, END, target=3)
    stage.grant("I-OR", "odense-robotics", "innovation", START, END, target=0)
    stage.activity("A1", "G-OR", "2025-02-01")
    stage.activity("A2", "G-OR", "2024-11-01")
    stage.activity("C1", "G-CS", "2025-03-01")
    stage.activity("IA", "I-OR", "2025-02-01")
    # A: SME, in both clusters -> counts once in each, twice in ALL, once in the unique count
    stage.firm("10000001", 2025, 20, turnover=10e6)
    stage.participation("A1", "10000001", "2025-03-01")
    stage.participation("C1", "10000001", "2025-04-01")
    # B: SME in 2025, large in 2026, takes part only in 2026 -> not an SME count
    stage.firm("10000002", 2025, 20, turnover=10e6)
    stage.firm("10000002", 2026, 300, turnover=10e6)
    stage.participation("A1", "10000002", "2026-05-01")
    # B2: same growth, but also took part in 2025 -> counts (SME at >= 1 qualifying event)
    stage.firm("10000003", 2025, 20, turnover=10e6)
    stage.firm("10000003", 2026, 300, turnover=10e6)
    stage.participation("A1", "10000003", "2026-06-01")
    stage.participation("A2", "10000003", "2025-06-01")
    # C: SME, took part before the grant started -> outside the window
    stage.firm("10000004", 2024, 5, turnover=1e6)
    stage.participation("A2", "10000004", "2024-12-15")
    # D: SME, participation dated after as_of -> ignored
    stage.firm("10000005", 2027, 5, turnover=1e6)
    stage.participation("A1", "10000005", "2027-02-01")
    # E: no register row at all -> unverified, never an SME, not in the share's denominator
    stage.participation("A1", "10000006", "2025-05-01")
    # F: only a 2023 register row -> latest earlier year decides (SME)
    stage.firm("10000007", 2023, 3, turnover=1e6)
    stage.participation("A1", "10000007", "2025-05-01")
    # G: only a 2027 register row -> earliest later year decides (SME)
    stage.firm("10000008", 2027, 10, turnover=None, assets=None)
    stage.participation("A1", "10000008", "2026-05-01")
    # H: turnover empty, total assets EUR 53.6m (> 43m) -> assets alone decide: not an SME
    stage.firm("10000009", 2025, 100, turnover=None, assets=400e6)
    stage.participation("A1", "10000009", "2025-05-01")
    # I: turnover EUR 67m (> 50m) but total assets EUR 13.4m (<= 43m) -> SME
    stage.firm("10000010", 2025, 100, turnover=500e6, assets=100e6)
    stage.participation("A1", "10000010", "2025-05-01")
    # J: both empty, 240 employees -> employees alone decide: SME
    stage.firm("10000011", 2025, 240)
    stage.participation("A1", "10000011", "2025-05-01")
    # K: SME, but in an innovation collaboration only -> not a collective SME
    stage.firm("10000012", 2025, 5, turnover=1e6)
    stage.participation("IA", "10000012", "2025-05-01")


def test_smes_collective_counts_firms_once_per_cluster(stage) -> None:
    stage_collective(stage)
    as_of = "2026-12-31"
    r = stage.run(as_of)
    f = frac(START, END, as_of)

    # odense: A, B2, F, G, I, J
    row = r["odense-robotics", "smes_collective", "to_date"]
    assert row["value"] == 6 and row["n_firms"] == 6
    assert row["target"] == 10
    assert row["expected"] == pytest.approx(10 * f)
    assert row["status"] == "on_track"  # 6 / 4.99 >= 0.9

    row = r["censec", "smes_collective", "to_date"]
    assert row["value"] == 1
    assert row["expected"] == pytest.approx(3 * f)
    assert row["status"] == "behind"  # 1 / 1.498 = 0.667

    row = r["ALL", "smes_collective", "to_date"]
    assert row["value"] == 7  # sum over clusters: A twice
    assert row["target"] == 13
    assert row["expected"] == pytest.approx(13 * f)
    assert row["status"] == "on_track"
    assert r.value("ALL", "smes_collective_unique") == 6
    assert r["ALL", "smes_collective_unique", "to_date"]["status"] == "no_target"

    # clusters without data still get a row: value 0, no grant -> no target
    row = r["clean", "smes_collective", "to_date"]
    assert row["value"] == 0 and row["target"] is None and row["status"] == "no_target"

    # behind -> WARN flag with the organisation's name and figures
    (flag,) = r.flags_for("censec", "smes_collective")
    assert flag[3] == "WARN"
    assert flag[4].startswith("CenSec: 1 of 1,5 expected SMEs in collective activities (67 %")


def test_sme_share_has_verified_firms_as_denominator(stage) -> None:
    stage_collective(stage)
    r = stage.run("2026-12-31")
    # odense, any grant, in window, verified: A, B, B2, F, G, H, I, J, K = 9; SMEs: all but B, H
    row = r["odense-robotics", "sme_share", "to_date"]
    assert row["n_firms"] == 9
    assert row["value"] == pytest.approx(7 / 9)
    assert row["status"] == "no_target" and row["target"] is None
    assert r["censec", "sme_share", "to_date"]["value"] == 1.0
    # nationally distinct firms: the same 9 (A is in both clusters)
    row = r["ALL", "sme_share", "to_date"]
    assert row["n_firms"] == 9 and row["value"] == pytest.approx(7 / 9)
    # a cluster without participants: null share -> no_target
    assert r["clean", "sme_share", "to_date"]["value"] is None


def test_unverified_participants_are_flagged(stage) -> None:
    stage_collective(stage)
    r = stage.run("2026-12-31")
    # odense participants up to as_of: A, B, B2, C, E, F, G, H, I, J, K = 11; unverified: E
    (flag,) = r.flags_for("odense-robotics", "dq_unverified_firms")
    assert flag[3] == "WARN"
    assert "1 of 11 participating firms" in flag[4]
    assert not r.flags_for("censec", "dq_unverified_firms")


def test_as_of_before_grant_start_and_cluster_without_participants(stage) -> None:
    stage.grant("G-OR", "odense-robotics", "cluster", "2025-07-01", "2028-06-30", target=100)
    stage.activity("A1", "G-OR", "2025-01-15")
    stage.firm("10000001", 2025, 5, turnover=1e6)
    stage.participation("A1", "10000001", "2025-02-01")  # before the grant starts
    stage.grant("G-CL", "clean", "cluster", START, END, target=8)
    r = stage.run("2025-03-01")

    row = r["odense-robotics", "smes_collective", "to_date"]
    assert (row["value"], row["expected"], row["target"]) == (0, 0, 100)
    assert row["status"] == "on_track"  # expected 0

    row = r["clean", "smes_collective", "to_date"]
    assert row["value"] == 0
    assert row["expected"] == pytest.approx(8 * frac(START, END, "2025-03-01"))
    assert row["status"] == "critical"  # a cluster without data is critical, not missing
    (flag,) = r.flags_for("clean", "smes_collective")
    assert flag[3] == "ERROR" and flag[4].startswith("CLEAN: 0 of 0,3 expected")

    # no innovation grant anywhere: rows exist without a target, and a data-quality flag
    row = r["clean", "smes_concepts", "to_date"]
    assert row["value"] == 0 and row["target"] is None and row["status"] == "no_target"
    assert any("no innovation grant" in f[4] for f in r.flags_for("clean", "dq_missing_grant"))


def test_smes_concepts(stage) -> None:
    stage.grant("I-OR", "odense-robotics", "innovation", START, END, target=20)
    stage.grant("I-CS", "censec", "innovation", START, END, target=5)
    stage.activity("I1", "I-OR", "2025-01-10")
    stage.activity("I2", "I-OR", "2025-01-10")
    stage.activity("I3", "I-CS", "2025-01-10")
    for cvr in ("10000001", "10000002", "10000003", "10000004", "10000005", "10000006"):
        stage.firm(cvr, 2025, 10, turnover=1e6)
        if cvr != "10000005":
            stage.firm(cvr, 2026, 10, turnover=1e6)
    stage.firm("10000005", 2026, 400, turnover=1e9)  # large in 2026
    for act, cvr in [
        ("I1", "10000001"),
        ("I2", "10000001"),
        ("I1", "10000002"),
        ("I1", "10000003"),
        ("I1", "10000004"),
        ("I1", "10000005"),
        ("I1", "10000006"),
        ("I3", "10000006"),
    ]:
        stage.participation(act, cvr, "2025-02-01")
    stage.outcome("I1", "10000001", True, "2025-06-01")  # counts
    stage.outcome("I2", "10000001", True, "2026-06-01")  # same firm: once
    stage.outcome("I1", "10000002", False, None)  # no concept
    stage.outcome("I1", "10000003", True, "2027-03-01")  # after as_of
    stage.outcome("I1", "10000004", True, "2024-12-01")  # before the grant window
    stage.outcome("I1", "10000005", True, "2026-03-01")  # large in the concept year
    stage.outcome("I1", "10000006", True, "2026-03-01")  # counts in odense
    stage.outcome("I3", "10000006", True, "2026-04-01")  # and in censec
    as_of = "2026-12-31"
    r = stage.run(as_of)
    f = frac(START, END, as_of)

    row = r["odense-robotics", "smes_concepts", "to_date"]
    assert row["value"] == 2 and row["target"] == 20
    assert row["expected"] == pytest.approx(20 * f)
    assert row["status"] == "critical"  # 2 / 9.99 = 0.2
    row = r["censec", "smes_concepts", "to_date"]
    assert row["value"] == 1 and row["status"] == "critical"  # 1 / 2.5 = 0.4
    row = r["ALL", "smes_concepts", "to_date"]
    assert row["value"] == 3 and row["target"] == 25
    assert row["expected"] == pytest.approx(25 * f)
    assert row["status"] == "critical"
