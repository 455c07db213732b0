"""The optional dataset ``applications`` (inputs.md, added November 2026): every rule of the input
contract on hand-made rows, judged against all 14 applicants of the board decision, and runs
that never receive it."""

from __future__ import annotations

from pipelines.cli import main

HEADER = "cluster_id,grant_type,applied_dkk,weighted_score\n"


def _rejections(query) -> list[tuple]:  # noqa: ANN001
    return query(
        "SELECT row_number, reason FROM quality.rejected_rows WHERE dataset = 'applications' "
        "ORDER BY row_number"
    )


def _staged(query) -> list[tuple]:  # noqa: ANN001
    return query(
        "SELECT cluster_id, grant_type, applied_dkk, weighted_score FROM staging.applications "
        "ORDER BY cluster_id, grant_type"
    )


def test_each_rule_of_the_contract(inbox, ingest, query) -> None:  # noqa: ANN001
    inbox.write(
        "applications/a.csv",
        HEADER
        + "odense-robotics,cluster,65000000,7.9\n"  # 1 ok (granted)
        "made,cluster,62660000,6.1\n"               # 2 ok: a rejected applicant is an applicant
        "MADE ,innovation,33740000,6.0\n"            # 3 ok: cluster ids are trimmed, case ignored
        "quantum-cluster,cluster,1000,7\n"           # 4 not an applicant -> unknown_cluster
        "clean,klynge,1000,7\n"                      # 5 not a grant type -> bad_type
        "clean,cluster,mange,7\n"                    # 6 not a number -> bad_type
        "clean,cluster,1000,høj\n"                   # 7 not a number -> bad_type
        "clean,cluster,-1,7\n"                       # 8 applied < 0 -> out_of_range
        "clean,cluster,1000,10.01\n"                 # 9 score above 10 -> out_of_range
        "clean,innovation,1000,-0.5\n"               # 10 score below 0 -> out_of_range
        "censec,cluster,0,0\n"                       # 11 ok: both bounds included
        "censec,innovation,28665000,10\n"            # 12 ok: 10 included
        ",cluster,1000,7\n"                          # 13 missing cluster_id
        "clean,cluster,1000,\n"                      # 14 missing weighted_score
        "quantum-cluster,cluster,-5,7\n"             # 15 out_of_range before unknown_cluster
        "quantum-cluster,loan,-5,7\n"                # 16 bad_type before both
        "odense-robotics,cluster,66000000,8.1\n",    # 17 same key as row 1: row 1 is rejected
    )
    ingest()
    assert _rejections(query) == [
        (1, "duplicate_key_in_file"),
        (4, "unknown_cluster"),
        (5, "bad_type"),
        (6, "bad_type"),
        (7, "bad_type"),
        (8, "out_of_range"),
        (9, "out_of_range"),
        (10, "out_of_range"),
        (13, "missing_required"),
        (14, "missing_required"),
        (15, "out_of_range"),
        (16, "bad_type"),
    ]
    assert _staged(query) == [
        ("censec", "cluster", 0.0, 0.0),
        ("censec", "innovation", 28_665_000.0, 10.0),
        ("made", "cluster", 62_660_000.0, 6.1),
        ("made", "innovation", 33_740_000.0, 6.0),
        ("odense-robotics", "cluster", 66_000_000.0, 8.1),
    ]
    (detail,) = query(
        "SELECT detail FROM quality.rejected_rows WHERE dataset = 'applications' AND row_number = 4"
    )[0]
    assert "quantum-cluster" in detail and "an applicant of the board decision" in detail
    # nothing lost: all 17 rows are raw, 5 staged + 12 rejected
    assert query("SELECT count(*) FROM raw.rows WHERE dataset = 'applications'") == [(17,)]
    assert query(
        "SELECT rows_total, rows_accepted, rows_rejected FROM meta.ingested_files "
        "WHERE dataset = 'applications'"
    ) == [(17, 5, 12)]


def test_danish_csv_and_latest_wins_across_files(inbox, ingest, query) -> None:  # noqa: ANN001
    inbox.write(
        "applications/1_ansoegninger.csv",
        "cluster_id;grant_type;applied_dkk;weighted_score\n"
        "clean;cluster;64.480.000,00;8,25\n"
        "clean;innovation;34.720.000,00;7,75\n",
        encoding="cp1252",
    )
    ingest()
    assert _staged(query) == [
        ("clean", "cluster", 64_480_000.0, 8.25),
        ("clean", "innovation", 34_720_000.0, 7.75),
    ]
    # a corrected file (later in lexical order) replaces only the key it holds
    inbox.write("applications/2_rettelse.csv", HEADER + "clean,innovation,34720000,8.0\n")
    ingest()
    assert _staged(query) == [
        ("clean", "cluster", 64_480_000.0, 8.25),
        ("clean", "innovation", 34_720_000.0, 8.0),
    ]


def test_runs_without_applications_leave_an_empty_table(inbox, ingest, query) -> None:  # noqa: ANN001
    inbox.write("grants/g.csv", "grant_id,cluster_id,grant_type,awarded_dkk,period_start,period_end,"
                "target_smes\nG1,clean,cluster,1,2025-01-01,2028-12-31,1\n")  # fmt: skip
    outcomes = ingest()
    assert outcomes["applications"].files == []
    assert query("SELECT count(*) FROM staging.applications") == [(0,)]


def test_impact_validate_dataset_applications(inbox, tmp_path, capsys) -> None:  # noqa: ANN001
    clean = inbox.write("applications/a.csv", HEADER + "danish-sound,cluster,64545000,6.2\n")
    none = str(tmp_path / "none.duckdb")
    assert main(["validate", str(clean), "--dataset", "applications", "--warehouse", none]) == 0
    assert "all 1 rows would be accepted as applications" in capsys.readouterr().out
    bad = inbox.write(
        "applications/b.csv", HEADER + "danish-sound,cluster,64545000,6.2\nnordic-ai,cluster,1,11\n"
        "nordic-ai,cluster,1,9\n",
    )  # fmt: skip
    assert main(["validate", str(bad), "--dataset", "applications", "--warehouse", none]) == 1
    out = capsys.readouterr().out
    assert "row 2 (Excel row 3): out_of_range: weighted_score" in out
    assert "row 3 (Excel row 4): unknown_cluster: cluster_id: 'nordic-ai' is not an applicant" in out
