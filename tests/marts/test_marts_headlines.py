"""The comparable measures of the guiding headlines b), c) and e) (outputs.md, "Indicators added
November 2026"): core_theme_share, sme_depth_share, large_firm_participants and
multi_cluster_sme_share, on hand-made fixtures worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assets.models.definitions import inputs_fingerprint
from assets.models.models import model_named, model_params
from pipelines.core import warehouse
from pipelines.core.catalogue import catalogue
from pipelines.core.config import CORE_THEMES_CSV
from pipelines.core.warehouse import fetch_all, load_reference

START, END = "2025-01-01", "2028-12-31"


def stage_themes(stage) -> None:  # noqa: ANN001 - pytest fixture object
    """Activities of three clusters on their own and on other clusters' core themes.

    Shipped core themes: odense-robotics automation_robotics; censec defence_security; clean
    water_environment and circular_economy.
    """
    stage.grant("G-OR", "odense-robotics", "cluster", START, END)
    stage.grant("I-OR", "odense-robotics", "innovation", START, END)
    stage.grant("G-CS", "censec", "cluster", START, END)
    stage.grant("G-CL", "clean", "cluster", START, END)
    # odense-robotics 2024: one activity before its grant started, on its core theme -> 1 of 1
    stage.activity("A0", "G-OR", "2024-11-01", "automation_robotics")
    # odense-robotics 2025: core, not core, core under the innovation grant (both grants) -> 2 of 3
    stage.activity("A1", "G-OR", "2025-02-01", "automation_robotics")
    stage.activity("A2", "G-OR", "2025-03-01", "artificial_intelligence")
    stage.activity("IA", "I-OR", "2025-04-01", "automation_robotics")
    # odense-robotics 2026: on censec's core theme (not its own) -> 0 of 1; a core-theme activity
    # starting after as_of is ignored (else 1 of 2)
    stage.activity("A3", "G-OR", "2026-02-01", "defence_security")
    stage.activity("A4", "G-OR", "2026-09-01", "automation_robotics")
    # censec 2025: 1 of 1; 2026: its core theme and an unknown code (staged as other) -> 1 of 2
    stage.activity("C1", "G-CS", "2025-03-01", "defence_security")
    stage.activity("C2", "G-CS", "2026-01-15", "defence_security")
    stage.activity("C3", "G-CS", "2026-03-01", "other", theme_original="quantum")
    # clean 2026: its core theme -> 1 of 1 (0 of 1 once clean is taken out of core_themes.csv)
    stage.activity("L1", "G-CL", "2026-04-01", "water_environment")


AS_OF_THEMES = "2026-06-30"


def test_core_theme_share_holds_each_activity_against_its_own_clusters_core_themes(stage) -> None:
    stage_themes(stage)
    r = stage.run(AS_OF_THEMES)
    assert r.value("odense-robotics", "core_theme_share", "2024") == 1.0
    assert r.value("odense-robotics", "core_theme_share", "2025") == pytest.approx(2 / 3)
    assert r.value("odense-robotics", "core_theme_share", "2026") == 0.0  # A3: censec's theme
    assert r.value("censec", "core_theme_share", "2025") == 1.0
    assert r.value("censec", "core_theme_share", "2026") == pytest.approx(1 / 2)
    assert r.value("clean", "core_theme_share", "2026") == 1.0
    # ALL pools the activities, each against its own cluster's themes:
    # 2024: 1 of 1; 2025: OR 2 of 3 + CS 1 of 1 = 3 of 4; 2026: OR 0 of 1 + CS 1 of 2 + CL 1 of 1
    assert r.value("ALL", "core_theme_share", "2024") == 1.0
    assert r.value("ALL", "core_theme_share", "2025") == pytest.approx(3 / 4)
    assert r.value("ALL", "core_theme_share", "2026") == pytest.approx(2 / 4)
    # a row per year with activities only; no n_firms, no target
    rows = {k: v for k, v in r.rows.items() if k[1] == "core_theme_share"}
    assert ("censec", "core_theme_share", "2024") not in rows
    assert ("am-hub", "core_theme_share", "2025") not in rows
    assert all(v["n_firms"] is None and v["target"] is None for v in rows.values())
    assert {v["status"] for v in rows.values()} == {"no_target"}


def test_an_edited_core_themes_file_changes_the_fingerprint_and_the_figures(
    stage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secretariat edits reference/core_themes.csv: clean is left out. The next writer reloads
    the file, the fingerprint of the model that reads it changes (so it is rebuilt), and clean's
    share is 0 with its row still there."""
    stage_themes(stage)
    stage.run(AS_OF_THEMES)
    model = model_named("marts/indicators")
    assert "reference.core_themes" in model.reads
    params = model_params(dt.date.fromisoformat(AS_OF_THEMES))
    before = inputs_fingerprint(stage.con, model, params)

    edited = tmp_path / "core_themes.csv"
    lines = CORE_THEMES_CSV.read_text(encoding="utf-8").splitlines()
    edited.write_text(
        "\n".join(line for line in lines if not line.startswith("clean,")) + "\n", encoding="utf-8"
    )
    monkeypatch.setattr(warehouse, "CORE_THEMES_CSV", edited)
    load_reference(stage.con)
    assert fetch_all(stage.con, "SELECT count(*) FROM reference.core_themes WHERE cluster_id = 'clean'") == [(0,)]
    assert inputs_fingerprint(stage.con, model, params) != before

    r = stage.run(AS_OF_THEMES)
    assert r.value("clean", "core_theme_share", "2026") == 0.0  # no core themes: 0, row exists
    assert r.value("ALL", "core_theme_share", "2026") == pytest.approx(1 / 4)  # OR 0 + CS 1 + CL 0


def test_a_theme_moved_between_clusters_changes_the_fingerprint(
    stage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same number of rows, other content: the content hash sees it (no load-time column here)."""
    stage.run(AS_OF_THEMES)
    model = model_named("marts/indicators")
    params = model_params(dt.date.fromisoformat(AS_OF_THEMES))
    before = inputs_fingerprint(stage.con, model, params)
    text = CORE_THEMES_CSV.read_text(encoding="utf-8")
    edited = tmp_path / "core_themes.csv"
    edited.write_text(
        text.replace("censec,defence_security", "censec,advanced_manufacturing"), encoding="utf-8"
    )
    monkeypatch.setattr(warehouse, "CORE_THEMES_CSV", edited)
    load_reference(stage.con)
    assert inputs_fingerprint(stage.con, model, params) != before
    # white space, case, a blank line and a repeated line are not a change of content
    first_pair = text.splitlines()[1]
    edited.write_text(
        text.replace("clean,circular_economy", " Clean , Circular_Economy ").rstrip("\n")
        + f"\n\n{first_pair}\n",
        encoding="utf-8",
    )
    load_reference(stage.con)
    assert inputs_fingerprint(stage.con, model, params) == before


def stage_firms(stage) -> None:  # noqa: ANN001 - pytest fixture object
    """Firms in one and in two clusters, SMEs in one year and large in another.

    odense-robotics (OR): cluster grant A1, A2, A9 (A9 starts after as_of); innovation grant IA.
    censec (CS): C1, C2. clean (CL): L1. Every grant 2025-2028.
    """
    for gid, cluster, kind in (
        ("G-OR", "odense-robotics", "cluster"),
        ("I-OR", "odense-robotics", "innovation"),
        ("G-CS", "censec", "cluster"),
        ("G-CL", "clean", "cluster"),
    ):
        stage.grant(gid, cluster, kind, START, END)
    stage.activity("A1", "G-OR", "2025-02-01")
    stage.activity("A2", "G-OR", "2025-03-01")
    stage.activity("A9", "G-OR", "2027-03-01")
    stage.activity("IA", "I-OR", "2025-02-01")
    stage.activity("C1", "G-CS", "2025-03-01")
    stage.activity("C2", "G-CS", "2025-04-01")
    stage.activity("L1", "G-CL", "2025-05-01")
    # F1: SME; OR A1 + A2, CS C1 -> a firm in two clusters
    stage.firm("10000001", 2025, 20, turnover=10e6)
    stage.participation("A1", "10000001", "2025-03-01")
    stage.participation("A2", "10000001", "2025-04-01")
    stage.participation("C1", "10000001", "2025-04-01")
    # F2: SME in 2025, large in 2026; OR A2 in 2025 (SME) and A1 in 2026 (large); CS C1 in 2026
    stage.firm("10000002", 2025, 20, turnover=10e6)
    stage.firm("10000002", 2026, 300, turnover=10e6)
    stage.participation("A2", "10000002", "2025-06-01")
    stage.participation("A1", "10000002", "2026-05-01")
    stage.participation("C1", "10000002", "2026-06-01")
    # F3: large always; OR A1
    stage.firm("10000003", 2025, 400, turnover=500e6, assets=400e6)
    stage.participation("A1", "10000003", "2025-05-01")
    # F4: SME; OR innovation IA, and A9, an activity starting after as_of (ignored)
    stage.firm("10000004", 2025, 5, turnover=1e6)
    stage.participation("IA", "10000004", "2025-05-01")
    stage.participation("A9", "10000004", "2026-11-01")
    # F5: SME; CS C1 + C2, CL L1
    stage.firm("10000005", 2025, 10, turnover=2e6)
    stage.participation("C1", "10000005", "2025-05-01")
    stage.participation("C2", "10000005", "2025-06-01")
    stage.participation("L1", "10000005", "2025-07-01")
    # F6: no register row (unverified): in nothing
    stage.participation("A1", "10000006", "2025-05-01")
    # F7: SME; OR A1 before the grant started (outside the window) and A2 inside
    stage.firm("10000007", 2024, 5, turnover=1e6)
    stage.firm("10000007", 2025, 5, turnover=1e6)
    stage.participation("A1", "10000007", "2024-12-15")
    stage.participation("A2", "10000007", "2025-07-01")
    # F8: SME; one activity in CL and one in CS
    stage.firm("10000008", 2025, 8, turnover=1e6)
    stage.participation("L1", "10000008", "2025-08-01")
    stage.participation("C2", "10000008", "2025-09-01")


AS_OF_FIRMS = "2026-12-31"


def test_sme_depth_share_counts_distinct_in_window_activities_of_the_cluster(stage) -> None:
    stage_firms(stage)
    r = stage.run(AS_OF_FIRMS)
    # OR sme_share numerator: F1, F2 (SME at its 2025 event), F4 (innovation counts), F7 = 4
    #   with >= 2 distinct activities in window: F1 (A1, A2), F2 (A2 as SME, A1 as large: every
    #   participation counts) -> 2 of 4. F4: IA only (A9 starts after as_of); F7: A1 was outside.
    row = r["odense-robotics", "sme_depth_share", "to_date"]
    assert row["value"] == pytest.approx(2 / 4) and row["n_firms"] == 4
    # CS numerator: F1 (C1), F5 (C1, C2), F8 (C2); F2 was large at C1 -> 1 of 3
    row = r["censec", "sme_depth_share", "to_date"]
    assert row["value"] == pytest.approx(1 / 3) and row["n_firms"] == 3
    # CL: F5 and F8 with L1 only -> 0 of 2 (a firm's activities in other clusters do not count)
    row = r["clean", "sme_depth_share", "to_date"]
    assert row["value"] == 0.0 and row["n_firms"] == 2
    # ALL: SMEs nationally F1, F2, F4, F5, F7, F8 = 6; activities of any cluster: F1 3, F2 3,
    #   F4 1, F5 3, F7 1, F8 2 (one in CL, one in CS) -> 4 of 6
    row = r["ALL", "sme_depth_share", "to_date"]
    assert row["value"] == pytest.approx(4 / 6) and row["n_firms"] == 6
    # a cluster without participants: the row exists, null, n_firms 0
    row = r["am-hub", "sme_depth_share", "to_date"]
    assert row["value"] is None and row["n_firms"] == 0 and row["status"] == "no_target"
    # the denominator is sme_share's numerator
    for cluster in ("odense-robotics", "censec", "clean", "ALL"):
        share = r[cluster, "sme_share", "to_date"]
        assert r[cluster, "sme_depth_share", "to_date"]["n_firms"] == round(
            share["value"] * share["n_firms"]
        )


def test_large_firm_participants_are_verified_firms_never_smes_at_their_participations(stage) -> None:
    stage_firms(stage)
    r = stage.run(AS_OF_FIRMS)
    # OR: verified participants F1, F2, F3, F4, F7 (5), SMEs 4 -> F3 = 1
    assert r["odense-robotics", "sme_share", "to_date"]["n_firms"] == 5
    row = r["odense-robotics", "large_firm_participants", "to_date"]
    assert row["value"] == 1 and row["n_firms"] == 1
    # CS: F1, F2, F5, F8; F2 was large at its only CS participation (2026) -> 1
    row = r["censec", "large_firm_participants", "to_date"]
    assert row["value"] == 1 and row["n_firms"] == 1
    assert r.value("clean", "large_firm_participants") == 0
    assert r.value("am-hub", "large_firm_participants") == 0  # every cluster has its row
    # ALL: distinct verified firms F1-F5, F7, F8 = 7 minus national SMEs 6 = 1 (F3). F2 was an SME
    #   at one qualifying participation (OR, 2025): an SME nationally although large in CS.
    assert r["ALL", "sme_share", "to_date"]["n_firms"] == 7
    row = r["ALL", "large_firm_participants", "to_date"]
    assert row["value"] == 1 and row["n_firms"] == 1
    assert row["value"] < r.value("odense-robotics", "large_firm_participants") + r.value(
        "censec", "large_firm_participants"
    )
    assert row["status"] == "no_target" and row["target"] is None


def test_multi_cluster_sme_share_is_over_the_smes_collective_counts(stage) -> None:
    stage_firms(stage)
    r = stage.run(AS_OF_FIRMS)
    # smes_collective: OR {F1, F2 (SME at A2 in 2025), F7} = 3 (F4: innovation only, F3 large);
    #   CS {F1, F5, F8} = 3 (F2 large at C1); CL {F5, F8} = 2; unique F1, F2, F5, F7, F8 = 5
    assert [r.value(c, "smes_collective") for c in ("odense-robotics", "censec", "clean")] == [3, 3, 2]
    assert r.value("ALL", "smes_collective_unique") == 5
    # counted in another cluster too: F1 (OR, CS), F5 (CS, CL), F8 (CS, CL)
    row = r["odense-robotics", "multi_cluster_sme_share", "to_date"]
    assert row["value"] == pytest.approx(1 / 3) and row["n_firms"] == 3
    row = r["censec", "multi_cluster_sme_share", "to_date"]
    assert row["value"] == 1.0 and row["n_firms"] == 3
    row = r["clean", "multi_cluster_sme_share", "to_date"]
    assert row["value"] == 1.0 and row["n_firms"] == 2
    # ALL: firms in >= 2 clusters (F1, F5, F8) / smes_collective_unique (5)
    row = r["ALL", "multi_cluster_sme_share", "to_date"]
    assert row["value"] == pytest.approx(3 / 5) and row["n_firms"] == 5
    # no collective SMEs: null, n_firms 0
    row = r["am-hub", "multi_cluster_sme_share", "to_date"]
    assert row["value"] is None and row["n_firms"] == 0


def test_an_earlier_as_of_leaves_out_later_participations(stage) -> None:
    """As of 2025-12-31 F2's 2026 participations (large) do not exist yet: F2 is an SME in OR
    with one activity, and not in CS at all."""
    stage_firms(stage)
    r = stage.run("2025-12-31")
    # OR: F1 (2), F2 (A2 only), F3 large, F4 (IA), F7 (A2) -> depth 1 of 4, large 1
    assert r["odense-robotics", "sme_depth_share", "to_date"]["value"] == pytest.approx(1 / 4)
    assert r.value("odense-robotics", "large_firm_participants") == 1  # F3
    # CS: F1, F5, F8, all SMEs -> no large firm
    assert r.value("censec", "large_firm_participants") == 0
    assert r.value("ALL", "large_firm_participants") == 1


def test_the_guiding_headlines_are_those_of_the_contract() -> None:
    """outputs.md, the board report: a) demand_offering_match, sme_share; b) core_theme_share,
    sme_depth_share; c) private_cofinancing_share, free_liquidity_months, large_firm_participants;
    d) user_payment_share; e) multi_cluster_sme_share; f) sme_knowledge_ties_share. Indicators
    added by other work (free_liquidity_months, user_payment_share) are checked once they exist."""
    contract = {
        "demand_offering_match": "a", "sme_share": "a",
        "core_theme_share": "b", "sme_depth_share": "b",
        "private_cofinancing_share": "c", "free_liquidity_months": "c",
        "large_firm_participants": "c",
        "user_payment_share": "d",
        "multi_cluster_sme_share": "e",
        "sme_knowledge_ties_share": "f",
    }  # fmt: skip
    cat = catalogue()
    for code, letter in contract.items():
        if code in cat:
            assert cat[code].headlines == (letter,), code
    assert {i.code for i in cat if i.headlines} <= set(contract)
    assert {"core_theme_share", "sme_depth_share", "large_firm_participants",
            "multi_cluster_sme_share"} <= set(cat.codes)  # fmt: skip


def _failed_integrity(stage, as_of: str) -> set[str]:  # noqa: ANN001 - pytest fixture object
    from quality.marts import indicators_integrity

    return {o.label for o in indicators_integrity(stage.con, dt.date.fromisoformat(as_of)).failed}


def test_the_quality_checks_hold_on_the_new_measures_and_catch_a_broken_relation(stage) -> None:
    stage_firms(stage)
    stage.activity("T1", "G-OR", "2025-06-01", "automation_robotics")
    stage.activity("T2", "G-CS", "2025-06-01", "energy")
    stage.run(AS_OF_FIRMS)
    assert _failed_integrity(stage, AS_OF_FIRMS) == set()

    def set_value(cluster_id: str, indicator: str, column: str, value: float) -> None:
        stage.con.execute(
            f"UPDATE marts.indicators SET {column} = $v WHERE cluster_id = $c AND indicator = $i",
            {"v": value, "c": cluster_id, "i": indicator},
        ).fetchall()

    # ALL large firms above the clusters' sum (1 + 1): both relations of the measure break
    set_value("ALL", "large_firm_participants", "value", 3)
    assert _failed_integrity(stage, AS_OF_FIRMS) == {
        "large_firm_participants ALL <= sum over clusters",
        "large_firm_participants = sme_share denominator - numerator",
    }
    set_value("ALL", "large_firm_participants", "value", 1)
    # the national multi-cluster share on another denominator than smes_collective_unique (5)
    set_value("ALL", "multi_cluster_sme_share", "n_firms", 6)
    assert "multi_cluster_sme_share n_firms = smes_collective (ALL: smes_collective_unique)" in (
        _failed_integrity(stage, AS_OF_FIRMS)
    )
    set_value("ALL", "multi_cluster_sme_share", "n_firms", 5)
    # ALL's multi-cluster firms: OR 1 + CS 3 + CL 2 = 6 counted in clusters, minus the firms
    # counted more than once (8 - 5 = 3) = 3 = 0.6 x 5; a national 0.8 (4 firms) cannot be
    set_value("ALL", "multi_cluster_sme_share", "value", 0.8)
    assert _failed_integrity(stage, AS_OF_FIRMS) == {
        "multi_cluster_sme_share ALL = clusters' multi-cluster SMEs - (smes_collective - unique)"
    }
    set_value("ALL", "multi_cluster_sme_share", "value", 0.6)
    # depth's denominator is sme_share's numerator (censec: 3)
    set_value("censec", "sme_depth_share", "n_firms", 4)
    assert _failed_integrity(stage, AS_OF_FIRMS) == {"sme_depth_share n_firms = sme_share numerator"}
    set_value("censec", "sme_depth_share", "n_firms", 3)
    # core themes 2025 (the other activities are on theme other): OR 1 of 4 (T1), CS 0 of 3, CL 0
    # of 1 -> ALL 1 of 8 lies between 0 and 1/4; 1.2 does not (and is no share)
    assert _failed_integrity(stage, AS_OF_FIRMS) == set()
    set_value("ALL", "core_theme_share", "value", 1.2)
    assert _failed_integrity(stage, AS_OF_FIRMS) == {
        "shares within 0..1",
        "core_theme_share ALL within the clusters' range of the year",
    }


def test_a_core_themes_file_naming_an_unknown_theme_or_cluster_fails_the_check(
    stage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stage.run(AS_OF_THEMES)
    edited = tmp_path / "core_themes.csv"
    edited.write_text(
        CORE_THEMES_CSV.read_text(encoding="utf-8") + "clean,enrgy\nnew-cluster,energy\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(warehouse, "CORE_THEMES_CSV", edited)
    load_reference(stage.con)
    assert _failed_integrity(stage, AS_OF_THEMES) == {
        "core_themes.csv: theme is a theme code",
        "core_themes.csv: cluster_id is a granted cluster",
    }


def test_the_next_writer_connection_loads_an_edited_core_themes_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In one long-lived process too (the bootstrap runs once per file, unless a reference file
    changed since)."""
    from pipelines.core.warehouse import connect_writer

    edited = tmp_path / "core_themes.csv"
    edited.write_text(CORE_THEMES_CSV.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(warehouse, "CORE_THEMES_CSV", edited)
    path = tmp_path / "w.duckdb"
    count = "SELECT count(*) FROM reference.core_themes WHERE cluster_id = 'censec'"
    with connect_writer(path) as con:
        assert fetch_all(con, count) == [(1,)]
    with edited.open("a", encoding="utf-8") as fh:
        fh.write("censec,artificial_intelligence\n")
    with connect_writer(path) as con:
        assert fetch_all(con, count) == [(2,)]
