"""Deliveries spread over nights end where one delivery ends (input contract rule 9).

The same files are delivered in one nightly run, and spread over several in the orders clusters
deliver them (outcomes before participation, activities before grants, a whole chain backwards,
a half-written file completed later). Every table of the final warehouse is compared with the
one-run warehouse by EXCEPT ALL both ways, leaving out only when-and-which-run columns.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.reliability.late_deliveries import (
    FILES,
    PARTICIPATION_2025,
    Inbox,
    build,
    deliver,
    differences,
    nightly,
)

ALL = list(FILES)
GRANTS = ["grants/g_cluster.csv", "grants/g_innovation.xlsx"]
PARTICIPATION = ["participation/p_2025.csv", "participation/p_2026.csv"]
OUTCOMES = ["innovation_outcomes/o.csv"]
ACTIVITIES = ["activities/a.csv"]
REST = ["firms/f.csv", "accounts/acc.csv"]


def _without(*names: str) -> list[str]:
    return [n for n in ALL if n not in names]


@pytest.fixture(scope="module")
def one_run(tmp_path_factory) -> Path:
    return build(tmp_path_factory.mktemp("one_run"), [ALL])


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_the_one_run_warehouse_is_what_the_contract_says(one_run):
    """The reference the other tests compare with, checked by hand."""
    rejected = _query(
        one_run,
        "SELECT file_name, row_number, reason FROM quality.rejected_rows ORDER BY 1, 2",
    )
    assert rejected == [
        ("activities/a.csv", 5, "duplicate_key_in_file"),  # AD: row 6 wins
        ("activities/a.csv", 7, "duplicate_key_in_file"),  # AE: row 8 wins
        ("activities/a.csv", 9, "unknown_grant"),  # GZZ never arrives
        ("innovation_outcomes/o.csv", 6, "unknown_activity"),  # AC1 is a cluster-grant activity
        ("innovation_outcomes/o.csv", 7, "outcome_without_participation"),
    ]
    assert _query(one_run, "SELECT activity_id, grant_id FROM staging.activities ORDER BY 1") == [
        ("AC1", "GC1"), ("AC2", "GC2"), ("AD", "GC1"), ("AE", "GI2"), ("AI1", "GI1"), ("AI2", "GI2"),
    ]
    # 7 + 3 participation rows, one key twice (AI1, CVR_A): the later file wins.
    assert _query(one_run, "SELECT count(*) FROM staging.participation") == [(9,)]
    assert _query(one_run, "SELECT count(*) FROM staging.innovation_outcomes") == [(5,)]


NIGHTS = {
    "outcomes before participation": [_without(*PARTICIPATION), PARTICIPATION],
    "activities before grants": [_without(*GRANTS), GRANTS],
    "innovation grants a night after everything else": [
        _without("grants/g_innovation.xlsx"), ["grants/g_innovation.xlsx"]
    ],
    "the chain backwards over four nights": [OUTCOMES, PARTICIPATION, ACTIVITIES, GRANTS + REST],
    "one participation file a night late": [
        _without("participation/p_2026.csv"), ["participation/p_2026.csv"]
    ],
}


@pytest.mark.parametrize("nights", list(NIGHTS.values()), ids=list(NIGHTS))
def test_deliveries_spread_over_nights_end_where_one_run_ends(tmp_path, one_run, nights):
    spread = build(tmp_path, nights)
    assert differences(one_run, spread) == {}
    # The rejections that a late reference resolved stay on record, marked resolved, and count as
    # accepted in their file's record; every file's counts add up.
    resolved = _query(
        spread,
        "SELECT count(*) FROM quality.rejected_rows WHERE resolved_at IS NOT NULL AND "
        "resolved_run_id IS NOT NULL",
    )[0][0]
    assert resolved > 0
    assert _query(
        spread,
        """SELECT count(*) FROM meta.ingested_files f WHERE status = 'ingested' AND (
               rows_accepted + rows_rejected <> rows_total OR rows_rejected <> (
                   SELECT count(*) FROM quality.rejected_rows r
                   WHERE r.file_sha256 = f.file_sha256 AND r.resolved_at IS NULL))""",
    ) == [(0,)]


def test_outcomes_a_night_before_their_participation_are_accepted_then_and_stay_on_record(tmp_path):
    spread = build(tmp_path, [_without(*PARTICIPATION), PARTICIPATION])
    # Night 1: no participation at all, so the five outcomes of innovation activities with a
    # participation to come (rows 1-5) and the one without (row 7) were rejected as
    # outcome_without_participation; row 6 (AC1, a cluster-grant activity) as unknown_activity.
    # Night 2 resolves rows 1-5; row 7 still has no participation; row 6 never qualifies.
    assert _query(
        spread,
        """SELECT row_number, reason, resolved_run_id FROM quality.rejected_rows
           WHERE file_name = 'innovation_outcomes/o.csv' ORDER BY row_number""",
    ) == [
        (1, "outcome_without_participation", "night-2"),
        (2, "outcome_without_participation", "night-2"),
        (3, "outcome_without_participation", "night-2"),
        (4, "outcome_without_participation", "night-2"),
        (5, "outcome_without_participation", "night-2"),
        (6, "unknown_activity", None),
        (7, "outcome_without_participation", None),
    ]
    # The file's record counts what stands now: 5 accepted + 2 rejected = 7 rows.
    assert _query(
        spread,
        "SELECT rows_total, rows_accepted, rows_rejected FROM meta.ingested_files "
        "WHERE file_name = 'innovation_outcomes/o.csv'",
    ) == [(7, 5, 2)]
    # Staged as if delivered on night 1: the lineage points at the outcomes file's own rows.
    assert _query(
        spread,
        "SELECT _file_name, list(_row_number ORDER BY _row_number) FROM staging.innovation_outcomes GROUP BY 1",
    ) == [("innovation_outcomes/o.csv", [1, 2, 3, 4, 5])]


def test_a_reason_that_changes_on_reconsidering_is_kept_as_delivered_reason(tmp_path):
    # Night 1 without grants: every activity is unknown_grant (so participation is unknown_activity).
    # Night 2 brings the grants: AD's row 5 now passes but loses to row 6 of its file, and AE's
    # row 7 to row 8 (duplicate_key_in_file, as in one run); the first reason is kept.
    spread = build(tmp_path, [_without(*GRANTS), GRANTS])
    assert _query(
        spread,
        """SELECT row_number, reason, delivered_reason, resolved_at IS NOT NULL
           FROM quality.rejected_rows WHERE file_name = 'activities/a.csv' ORDER BY row_number""",
    ) == [
        (1, "unknown_grant", None, True), (2, "unknown_grant", None, True),
        (3, "unknown_grant", None, True), (4, "unknown_grant", None, True),
        (5, "duplicate_key_in_file", "unknown_grant", False),
        (6, "unknown_grant", None, True),
        (7, "duplicate_key_in_file", "unknown_grant", False),
        (8, "unknown_grant", None, True),
        (9, "unknown_grant", None, False),
    ]


def test_a_row_accepted_before_that_a_resolved_later_row_of_its_file_now_wins_is_rejected(tmp_path):
    # Night 1 without the innovation grants: AE's row 7 (GC1) is accepted, row 8 (GI2) rejected.
    # Night 2: row 8 is accepted as delivered then; being later in the file it wins, and row 7
    # becomes duplicate_key_in_file, as one run over both nights would have made it.
    spread = build(tmp_path, [_without("grants/g_innovation.xlsx"), ["grants/g_innovation.xlsx"]])
    assert _query(spread, "SELECT grant_id, _row_number FROM staging.activities WHERE activity_id = 'AE'") == [
        ("GI2", 8)
    ]
    assert _query(
        spread,
        """SELECT row_number, reason, resolved_at IS NOT NULL FROM quality.rejected_rows
           WHERE file_name = 'activities/a.csv' AND row_number IN (7, 8) ORDER BY 1""",
    ) == [(7, "duplicate_key_in_file", False), (8, "unknown_grant", True)]


def test_a_later_delivery_still_wins_over_a_row_accepted_late(tmp_path):
    # Night 1: participation without any activity known (no grants, so no activities): all
    # rejected. Night 2: the grants, and a correction of (AC1, CVR_A) in a new file. The night-1
    # row is accepted as delivered on night 1; the correction, delivered later, wins.
    correction = "activity_id,cvr,participation_date,firm_name\nAC1,13585628,2025-02-09,Alfa (ny)\n"
    spread = build(
        tmp_path,
        [_without(*GRANTS), {"participation/p_2027.csv": correction, **_files(GRANTS)}],
    )
    assert _query(
        spread,
        "SELECT participation_date::VARCHAR, firm_name, _file_name FROM staging.participation "
        "WHERE activity_id = 'AC1' AND cvr = '13585628'",
    ) == [("2025-02-09", "Alfa (ny)", "participation/p_2027.csv")]


def _files(names: list[str]) -> dict:
    return {n: FILES[n] for n in names}


@pytest.mark.parametrize("cut_at", [0.3, 0.5, 0.8])
def test_a_half_written_file_completed_later_ends_as_one_run(tmp_path, one_run, cut_at):
    cut = PARTICIPATION_2025[: int(len(PARTICIPATION_2025) * cut_at)]
    # Night 1: p_2025.csv cut off mid-way (a copy that stopped); outcomes of the firms in its
    # missing part are rejected. Night 2: the whole file (a new delivery under the same name) and
    # p_2026.csv, whose correction of one p_2025 row must still win as it does in one run.
    inbox, warehouse = Inbox(tmp_path / "inbox"), tmp_path / "warehouse.duckdb"
    deliver(inbox, _without(*PARTICIPATION))
    inbox.write("participation/p_2025.csv", cut)
    nightly(inbox, warehouse, "night-1")
    inbox.write("participation/p_2025.csv", PARTICIPATION_2025)
    deliver(inbox, ["participation/p_2026.csv"])
    nightly(inbox, warehouse, "night-2")
    # The half file stays on record as the delivery it was (its record, its raw rows, a rejection
    # of its cut-off last line, and so the file counts of the data-quality marts); everything the
    # data says is as after one run.
    records = {"meta.ingested_files", "raw.files", "raw.rows", "quality.rejected_rows"}
    counts = {"marts.ingestion_summary", "marts.rejections"}
    assert differences(one_run, warehouse, leave_out=records | counts) == {}
    diff = differences(one_run, warehouse)
    assert set(diff) <= records | counts
    # What one run recorded is all there; the spread warehouse only has the half file on top.
    assert {t: rows for t, (rows, _) in diff.items() if t in records and rows} == {}
    (half,) = _query(
        warehouse,
        "SELECT rows_total FROM meta.ingested_files WHERE file_name = 'participation/p_2025.csv' "
        "AND run_id = 'night-1'",
    )
    assert diff["raw.rows"][1] and len(diff["raw.rows"][1]) == half[0]
    assert len(diff["raw.files"][1]) == 1  # the half file's header
    # Outcomes rejected on night 1 for participation in the missing part (or in p_2026.csv) were
    # accepted on night 2.
    assert _query(
        warehouse,
        "SELECT count(*) FROM quality.rejected_rows WHERE file_name = 'innovation_outcomes/o.csv' "
        "AND resolved_run_id = 'night-2'",
    )[0][0] >= 2


@pytest.mark.slow
def test_the_demo_inbox_with_participation_a_night_late_ends_as_one_run(tmp_path, capsys):
    """The issue's case at demo size, through `impact run`'s own code (Dagster, every asset and
    check): participation delivered one night after everything else."""
    import shutil

    from demo.generator import write_demo_inbox
    from pipelines.core.config import load_settings
    from pipelines.runner import run_pipeline

    source = tmp_path / "demo_inbox"
    write_demo_inbox(source, scale=1, seed=2025)

    def night(site: Path, folders: list[str]) -> None:
        for folder in folders:
            shutil.copytree(source / folder, site / "inbox" / folder, dirs_exist_ok=True)
        settings = load_settings(site / "inbox", site / "w.duckdb", site / "reports", "2026-11-23")
        assert run_pipeline(settings) == 0, capsys.readouterr().err

    everything = sorted(p.name for p in source.iterdir() if p.is_dir())
    night(tmp_path / "one_run", everything)
    night(tmp_path / "spread", [f for f in everything if f != "participation"])
    night(tmp_path / "spread", ["participation"])
    assert differences(tmp_path / "one_run" / "w.duckdb", tmp_path / "spread" / "w.duckdb") == {}
    resolved = _query(
        tmp_path / "spread" / "w.duckdb",
        "SELECT count(*) FROM quality.rejected_rows WHERE resolved_at IS NOT NULL",
    )[0][0]
    assert resolved > 1000  # the outcomes (and anything else) that waited for participation
