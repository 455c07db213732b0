"""Network, demand/offering and activity theme indicators."""

from __future__ import annotations

import pytest

START, END = "2025-01-01", "2028-12-31"
SME, KI, LARGE, OTHER = "sme", "knowledge_institution", "large_firm", "other"


def test_network_reversed_and_self_relations(stage) -> None:
    cs = "censec"
    # 2025: A-B reported both ways (one tie), A-A and E-E are self-relations (E adds no node)
    stage.tie(2025, cs, "A", SME, "B", KI)
    stage.tie(2025, cs, "B", KI, "A", SME)
    stage.tie(2025, cs, "A", SME, "A", SME)
    stage.tie(2025, cs, "C", SME, "D", LARGE)
    stage.tie(2025, cs, "E", OTHER, "E", OTHER)
    # 2026: F answered as an SME although D calls it a large firm -> its own answer wins
    stage.tie(2026, cs, "A", SME, "B", KI)
    stage.tie(2026, cs, "A", SME, "C", SME)
    stage.tie(2026, cs, "C", SME, "D", LARGE)
    stage.tie(2026, cs, "F", SME, "B", KI)
    stage.tie(2026, cs, "D", LARGE, "F", LARGE)
    # 2027 is after year(as_of): ignored
    stage.tie(2027, cs, "X", SME, "Y", KI)
    r = stage.run("2026-12-31")

    # 2025: nodes A, B, C, D; ties A-B, C-D -> 2*2 / (4*3)
    assert r.value(cs, "network_density", "2025") == pytest.approx(4 / 12)
    assert r.value(cs, "network_new_ties", "2025") is None
    # SME nodes A, C; A has a tie to a knowledge institution
    assert r.value(cs, "sme_knowledge_ties_share", "2025") == pytest.approx(1 / 2)
    # 2026: nodes A, B, C, D, F; ties A-B, A-C, C-D, B-F, D-F -> 2*5 / (5*4)
    assert r.value(cs, "network_density", "2026") == pytest.approx(10 / 20)
    # new against 2025: A-C, B-F, D-F
    assert r.value(cs, "network_new_ties", "2026") == 3
    # SME nodes A, C, F; with a tie to B (knowledge institution): A, F
    assert r.value(cs, "sme_knowledge_ties_share", "2026") == pytest.approx(2 / 3)
    # the share rests on the SME nodes (firms); density and new ties rest on organisations
    assert r[cs, "sme_knowledge_ties_share", "2025"]["n_firms"] == 2
    assert r[cs, "sme_knowledge_ties_share", "2026"]["n_firms"] == 3
    assert r[cs, "network_density", "2026"]["n_firms"] is None
    assert (cs, "network_density", "2027") not in r.rows
    assert r[cs, "network_density", "2026"]["status"] == "no_target"


def test_demand_offering_match_with_themes_on_one_side(stage) -> None:
    orr = "odense-robotics"
    stage.grant("G-OR", orr, "cluster", START, END)
    stage.grant("I-OR", orr, "innovation", START, END)
    # offering 2025 (both grants): AI 1, defence 1 -> o = {ai: .5, defence: .5}
    stage.activity("A1", "G-OR", "2025-02-01", theme="artificial_intelligence")
    stage.activity("A2", "I-OR", "2025-09-01", theme="defence_security")
    stage.activity("A3", "G-OR", "2027-02-01", theme="energy")  # after as_of
    # demand 2025: AI 5 + 2 = 7, energy 3 -> d = {ai: .7, energy: .3}
    stage.demand(2025, orr, "10000001", "artificial_intelligence", 5)
    stage.demand(2025, orr, "10000001", "energy", 3)
    stage.demand(2025, orr, "10000002", "artificial_intelligence", 2)
    # 2026: demand but no activities starting in 2026 -> null
    stage.demand(2026, orr, "10000001", "energy", 4)
    stage.demand(2027, orr, "10000001", "energy", 4)  # after year(as_of)
    r = stage.run("2026-12-31")

    # union of themes: |.7-.5| + |.3-0| + |0-.5| = 1.0 -> 1 - 0.5 = 0.5
    row = r[orr, "demand_offering_match", "2025"]
    assert row["value"] == pytest.approx(0.5) and row["n_firms"] == 2
    row = r[orr, "demand_offering_match", "2026"]
    assert row["value"] is None and row["status"] == "no_target"
    assert (orr, "demand_offering_match", "2027") not in r.rows
    assert ("censec", "demand_offering_match", "2025") not in r.rows


def test_activity_theme_shares_and_unknown_theme_flag(stage) -> None:
    stage.grant("G-OR", "odense-robotics", "cluster", START, END)
    stage.grant("G-CS", "censec", "innovation", START, END)
    stage.activity("O1", "G-OR", "2025-02-01", theme="artificial_intelligence")
    stage.activity("O2", "G-OR", "2025-03-01", theme="defence_security")
    stage.activity("O3", "G-OR", "2025-04-01", theme="other", theme_original="quantum")
    stage.activity("O4", "G-OR", "2025-05-01", theme="energy")
    stage.activity("O5", "G-OR", "2026-05-01", theme="energy")
    stage.activity("O6", "G-OR", "2027-01-05", theme="defence_security")  # after as_of
    stage.activity("C1", "G-CS", "2025-02-01", theme="defence_security")
    stage.activity("C2", "G-CS", "2025-02-01", theme="defence_security")
    r = stage.run("2026-12-31")

    assert r.value("odense-robotics", "activities_defence_share", "2025") == pytest.approx(0.25)
    assert r.value("odense-robotics", "activities_ai_share", "2025") == pytest.approx(0.25)
    assert r.value("odense-robotics", "activities_defence_share", "2026") == 0
    assert ("odense-robotics", "activities_defence_share", "2027") not in r.rows
    assert r.value("censec", "activities_defence_share", "2025") == 1.0
    assert r.value("censec", "activities_ai_share", "2025") == 0
    assert r.value("ALL", "activities_defence_share", "2025") == pytest.approx(3 / 6)
    assert r.value("ALL", "activities_ai_share", "2025") == pytest.approx(1 / 6)

    (flag,) = r.flags_for("odense-robotics", "dq_unknown_theme")
    assert flag[3] == "WARN" and "quantum" in flag[4] and "1 activity" in flag[4]
