"""File-level rules: idempotency, duplicates, latest wins, failing files."""

from __future__ import annotations

import pytest

from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, CVR_B, GRANTS_CSV

HEADER = "activity_id,cvr,participation_date,firm_name\n"


def _setup_references(inbox):
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)


def test_same_file_same_path_is_skipped_without_a_new_record(inbox, ingest, query):
    _setup_references(inbox)
    ingest()
    ingest()
    assert query("SELECT file_name, status FROM meta.ingested_files ORDER BY file_name") == [
        ("activities/a.csv", "ingested"),
        ("grants/g.csv", "ingested"),
    ]
    assert query("SELECT count(*) FROM raw.rows") == [(4,)]


def test_same_content_under_another_name_is_a_duplicate_and_adds_nothing(inbox, ingest, query):
    _setup_references(inbox)
    ingest()
    inbox.write("grants/g_copy.csv", GRANTS_CSV)
    inbox.write("participation/also_grants.csv", GRANTS_CSV)  # sha is compared across datasets
    ingest()
    assert query(
        "SELECT file_name, status, rows_total FROM meta.ingested_files WHERE status = 'duplicate' ORDER BY 1"
    ) == [("grants/g_copy.csv", "duplicate", 0), ("participation/also_grants.csv", "duplicate", 0)]
    assert query("SELECT count(*) FROM staging.grants") == [(2,)]
    assert query("SELECT count(*) FROM raw.rows") == [(4,)]


def test_latest_wins_across_files_in_lexical_order_and_across_runs(inbox, ingest, query):
    _setup_references(inbox)
    inbox.write("participation/b_2025.csv", HEADER + f"AC1,{CVR_A},2025-02-02,Second\n")
    inbox.write("participation/a_2025.csv", HEADER + f"AC1,{CVR_A},2025-02-01,First\n")
    ingest()
    assert query("SELECT firm_name, _file_name FROM staging.participation") == [
        ("Second", "participation/b_2025.csv")
    ]
    inbox.write("participation/0_correction.csv", HEADER + f"AC1,{CVR_A},2025-02-03,Corrected\n")
    ingest("second-run")
    # A later run comes after earlier runs even though its name sorts first.
    assert query("SELECT firm_name FROM staging.participation") == [("Corrected",)]


def test_changed_content_under_the_same_path_is_a_new_delivery(inbox, ingest, query):
    _setup_references(inbox)
    inbox.write("participation/p.csv", HEADER + f"AC1,{CVR_A},2025-02-01,Old\n")
    ingest()
    inbox.write("participation/p.csv", HEADER + f"AC1,{CVR_A},2025-02-01,New\nAI1,{CVR_A},2025-03-03,New\n")
    ingest()
    assert query("SELECT activity_id, firm_name FROM staging.participation ORDER BY 1") == [
        ("AC1", "New"), ("AI1", "New")
    ]
    assert query("SELECT count(*) FROM meta.ingested_files WHERE file_name = 'participation/p.csv'") == [(2,)]


def test_a_corrected_file_replaces_only_its_keys_and_never_deletes(inbox, ingest, query):
    _setup_references(inbox)
    inbox.write("participation/p1.csv", HEADER + f"AC1,{CVR_A},2025-02-01,A\nAI1,{CVR_A},2025-03-02,A\n")
    ingest()
    inbox.write("participation/p2.csv", HEADER + f"AI1,{CVR_A},2025-03-05,B\n")
    ingest()
    assert query("SELECT activity_id, firm_name FROM staging.participation ORDER BY 1") == [
        ("AC1", "A"), ("AI1", "B")
    ]


def test_garbage_file_fails_alone_and_a_copy_fails_again(inbox, ingest, query):
    _setup_references(inbox)
    inbox.write("participation/good.csv", HEADER + f"AC1,{CVR_A},2025-02-01,Good\n")
    inbox.write("participation/garbage.csv", bytes(range(256)) * 10)
    ingest()
    rows = query("SELECT file_name, status, error FROM meta.ingested_files WHERE dataset = 'participation' ORDER BY 1")
    assert rows[0][0:2] == ("participation/garbage.csv", "failed")
    assert "participation/garbage.csv" in rows[0][2] and "binary" in rows[0][2]
    assert rows[1][0:2] == ("participation/good.csv", "ingested")
    assert query("SELECT firm_name FROM staging.participation") == [("Good",)]
    inbox.write("participation/garbage_copy.csv", bytes(range(256)) * 10)
    ingest()
    assert query(
        "SELECT status FROM meta.ingested_files WHERE file_name = 'participation/garbage_copy.csv'"
    ) == [("failed",)]


def test_file_missing_a_required_column_fails_and_touches_nothing(inbox, ingest, query):
    _setup_references(inbox)
    inbox.write("participation/p.csv", HEADER + f"AC1,{CVR_A},2025-02-01,Kept\n")
    ingest()
    inbox.write("participation/q.csv", f"activity_id,firm_name\nAC1,{CVR_A}\n")
    ingest()
    (status, error) = query("SELECT status, error FROM meta.ingested_files WHERE file_name = 'participation/q.csv'")[0]
    assert status == "failed"
    assert "participation/q.csv" in error and "'cvr'" in error and "'participation_date'" in error
    assert query("SELECT firm_name FROM staging.participation") == [("Kept",)]
    assert query("SELECT count(*) FROM raw.rows WHERE file_name = 'participation/q.csv'") == [(0,)]


def test_empty_and_unsupported_files_fail_with_a_message(inbox, ingest, query):
    inbox.write("grants/empty.csv", "")
    inbox.write("grants/notes.docx", "hello")
    inbox.write("grants/header_only.csv", GRANTS_CSV.splitlines()[0] + "\n")
    ingest()
    assert query("SELECT file_name, status, rows_total FROM meta.ingested_files ORDER BY 1") == [
        ("grants/empty.csv", "failed", 0),
        ("grants/header_only.csv", "ingested", 0),
        ("grants/notes.docx", "failed", 0),
    ]
    errors = dict(query("SELECT file_name, error FROM meta.ingested_files WHERE status = 'failed'"))
    assert "empty" in errors["grants/empty.csv"]
    assert "unsupported" in errors["grants/notes.docx"]


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """Names of the files read from now on (Path.read_bytes counted)."""
    import pathlib

    names: list[str] = []
    original = pathlib.Path.read_bytes

    def counting(self):
        names.append(self.name)
        return original(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", counting)
    return names


def test_unchanged_files_are_not_read_again_on_a_re_run(inbox, ingest, reads):
    _setup_references(inbox)
    ingest()
    reads.clear()
    ingest()
    assert reads == []


@pytest.mark.parametrize(
    "mtime_shift_ns",
    [1_000_000, 0],
    ids=["rewritten", "copied-keeping-the-old-mtime"],  # cp -p, rsync -t, an unpacked archive
)
def test_same_size_changed_file_is_a_new_delivery(inbox, ingest, query, mtime_shift_ns):
    import os

    _setup_references(inbox)
    path = inbox.write("participation/p.csv", HEADER + f"AC1,{CVR_A},2025-02-01,AAAA\n")
    ingest()
    stat = path.stat()
    inbox.write("participation/p.csv", HEADER + f"AC1,{CVR_A},2025-02-01,BBBB\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + mtime_shift_ns))
    assert path.stat().st_size == stat.st_size
    ingest()
    assert query("SELECT firm_name FROM staging.participation") == [("BBBB",)]
    assert query("SELECT count(*) FROM meta.ingested_files WHERE file_name = 'participation/p.csv'") == [(2,)]


def test_a_touched_file_is_read_once_and_then_skipped_unread(inbox, ingest, query, reads):
    import os

    _setup_references(inbox)
    path = inbox.write("participation/p.csv", HEADER + f"AC1,{CVR_A},2025-02-01,AAAA\n")
    ingest()
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))  # touched, same bytes
    reads.clear()
    ingest()
    assert reads == ["p.csv"]  # read to compare its content: the same, so no new record
    assert query("SELECT count(*) FROM meta.ingested_files") == [(3,)]  # grants, activities, p.csv
    ingest()
    assert reads == ["p.csv"]  # its new stamp was remembered: not read again


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_contract_column_named_twice_fails_the_file(inbox, ingest, query, kind):
    """The readers rename a repeated header (cvr_duplicated_0 in CSV, cvr_1 in XLSX): still twice."""
    _setup_references(inbox)
    header = ["activity_id", "cvr", "participation_date", "cvr"]
    row = ["AC1", CVR_A, "2025-02-01", CVR_B]
    if kind == "csv":
        inbox.write("participation/p.csv", ",".join(header) + "\n" + ",".join(row) + "\n")
    else:
        inbox.write_xlsx("participation/p.xlsx", [header, row])
    ingest()
    (status, error) = query("SELECT status, error FROM meta.ingested_files WHERE dataset = 'participation'")[0]
    assert status == "failed"
    assert "'cvr' appears twice in the header" in error
    assert query("SELECT count(*) FROM staging.participation") == [(0,)]


def test_an_extra_column_named_twice_is_kept_and_harmless(inbox, ingest, query):
    _setup_references(inbox)
    inbox.write(
        "participation/p.csv",
        f"activity_id,cvr,participation_date,note,note\nAC1,{CVR_A},2025-02-01,a,b\n",
    )
    ingest()
    assert query("SELECT count(*) FROM staging.participation") == [(1,)]
