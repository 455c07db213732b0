"""The inbox is read safely, and who holds the warehouse is known (input contract rule 10).

A file that cannot be opened or is still being written is not judged: it is recorded in
``meta.inbox_faults``, left out of ``meta.ingested_files``, and taken by the next run. The sensor
waits for a file to settle and survives any single bad file. The lock file names its holder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

import assets.ingestion.loader as loader
from assets.ingestion.definitions import staging_assets
from pipelines.core.config import deployment_paths
from pipelines.core.resources import FilesNotTaken, WarehouseResource
from pipelines.core.warehouse import WarehouseLockTimeout, exclusive_lock, lock_holder
from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, GRANTS_CSV

PARTICIPATION = f"activity_id,cvr,participation_date\nAC1,{CVR_A},2025-02-01\n"


def _references(inbox) -> None:
    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)


def test_a_file_that_cannot_be_opened_is_recorded_not_judged_and_taken_next_run(
    inbox, ingest, query, monkeypatch
):
    _references(inbox)
    inbox.write("participation/p.csv", PARTICIPATION)
    # As root every file is readable, so the operating system's refusal is injected where the
    # file is opened.
    monkeypatch.setenv("IMPACT_TEST_FAULT_AT", "ingest:read:participation/p.csv=EACCES")
    outcome = ingest("night-1")["participation"]
    (fault,) = outcome.faults
    assert fault.file_name == "participation/p.csv"
    assert "Permission denied (EACCES)" in fault.error
    assert query("SELECT file_name FROM meta.ingested_files ORDER BY 1") == [
        ("activities/a.csv",), ("grants/g.csv",)
    ]
    assert query("SELECT file_name, dataset, fault, run_id FROM meta.inbox_faults") == [
        ("participation/p.csv", "participation", "permission_denied", "night-1")
    ]
    monkeypatch.delenv("IMPACT_TEST_FAULT_AT")
    assert ingest("night-2")["participation"].count("ingested") == 1
    assert query("SELECT cvr FROM staging.participation") == [(CVR_A,)]


def test_a_file_still_being_written_is_not_taken_until_it_has_settled(inbox, ingest, query, monkeypatch):
    _references(inbox)
    path = inbox.write("participation/p.csv", PARTICIPATION[:30])
    monkeypatch.setenv("IMPACT_INBOX_SETTLE_SECONDS", "1")

    def writer_goes_on(seconds: float) -> None:  # the copy goes on while the run waits
        with path.open("a", encoding="utf-8") as fh:
            fh.write(PARTICIPATION[30:])

    monkeypatch.setattr(loader.time, "sleep", writer_goes_on)
    outcome = ingest("night-1")["participation"]
    assert [f.status for f in outcome.files] == ["fault"]
    assert "still being written" in outcome.files[0].error
    assert query("SELECT fault FROM meta.inbox_faults") == [("still_changing",)]
    assert query("SELECT count(*) FROM meta.ingested_files WHERE file_name = 'participation/p.csv'") == [(0,)]
    monkeypatch.setattr(loader.time, "sleep", lambda s: None)  # the copy has finished
    assert ingest("night-2")["participation"].count("ingested") == 1
    assert query("SELECT count(*) FROM staging.participation") == [(1,)]


def test_a_file_that_changes_while_it_is_read_is_not_taken(inbox, ingest, query, monkeypatch):
    _references(inbox)
    path = inbox.write("participation/p.csv", PARTICIPATION)
    read = Path.read_bytes

    def read_then_append(self: Path) -> bytes:
        data = read(self)
        if self == path:
            with path.open("a", encoding="utf-8") as fh:
                fh.write(f"AI1,{CVR_A},2025-03-02\n")
        return data

    monkeypatch.setattr(Path, "read_bytes", read_then_append)
    outcome = ingest()["participation"]
    assert [f.status for f in outcome.files] == ["fault"]
    assert "changed while being read" in outcome.files[0].error
    assert query("SELECT count(*) FROM staging.participation") == [(0,)]


def test_a_run_with_an_unreadable_file_publishes_the_rest_and_fails_naming_the_file(
    inbox, warehouse, query, monkeypatch
):
    _references(inbox)
    inbox.write("participation/p.csv", PARTICIPATION)
    monkeypatch.setenv("IMPACT_TEST_FAULT_AT", "ingest:read:participation/p.csv=EACCES")
    with deployment_paths(inbox=inbox.root, warehouse=warehouse):
        result = dg.materialize(
            staging_assets, resources={"warehouse": WarehouseResource(as_of="2026-06-30")},
            raise_on_error=False,
        )
    assert not result.success
    (failure,) = [e for e in result.all_events if e.is_run_failure]
    error = failure.event_specific_data.error
    assert error.cls_name == FilesNotTaken.__name__
    assert "participation/p.csv" in error.message and "Permission denied" in error.message
    # Published: the other files and the record of the fault.
    assert query("SELECT file_name FROM meta.ingested_files ORDER BY 1") == [
        ("activities/a.csv",), ("grants/g.csv",)
    ]
    assert query("SELECT file_name, fault FROM meta.inbox_faults") == [("participation/p.csv", "permission_denied")]


# --- the sensor -------------------------------------------------------------------------------


def _tick(inbox: Path, warehouse: Path, cursor: str | None):
    from pipelines.sensors import inbox_sensor

    with deployment_paths(inbox=inbox, warehouse=warehouse), dg.build_sensor_context(
        cursor=cursor, resources={"warehouse": WarehouseResource()}
    ) as context:
        return inbox_sensor(context), context.cursor


def test_the_sensor_waits_while_a_file_is_being_written(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    (inbox / "grants").mkdir(parents=True)
    path = inbox / "grants" / "g.csv"
    cursor = None
    requests = 0
    for part in range(6):  # six ticks, the file growing at each
        with path.open("a", encoding="utf-8") as fh:
            fh.write(GRANTS_CSV if part == 0 else f"GX{part},clean,cluster,1,2025-01-01,2028-12-31,1,\n")
        result, cursor = _tick(inbox, warehouse, cursor)
        requests += isinstance(result, dg.RunRequest)
    assert requests == 0
    result, cursor = _tick(inbox, warehouse, cursor)  # unchanged since the last tick: settled
    assert isinstance(result, dg.RunRequest)


def test_the_sensor_survives_a_file_it_cannot_read(tmp_path, monkeypatch):
    import pipelines.sensors as sensors

    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    (inbox / "grants").mkdir(parents=True)
    (inbox / "grants" / "bad.csv").write_text(GRANTS_CSV, encoding="utf-8")
    (inbox / "grants" / "good.csv").write_text(GRANTS_CSV.replace("GC1", "GC7"), encoding="utf-8")
    real = sensors._sha256

    def refuse_bad(path: Path) -> str:
        if path.name == "bad.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(sensors, "_sha256", refuse_bad)
    later = time.time() + 3600
    scan = sensors.scan_inbox(inbox, warehouse, {}, now=later)
    assert scan.new == ["grants/good.csv"]
    assert scan.unreadable == ["grants/bad.csv: Permission denied (EACCES)"]
    # Looked at again at the next tick, and taken once it can be read.
    monkeypatch.setattr(sensors, "_sha256", real)
    again = sensors.scan_inbox(inbox, warehouse, json.loads(json.dumps(scan.cursor)), now=later)
    assert again.new == ["grants/bad.csv"]


def test_the_sensor_names_a_damaged_warehouse_instead_of_failing(tmp_path):
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    (inbox / "grants").mkdir(parents=True)
    warehouse.write_bytes(b"this is not a DuckDB database" * 1000)
    result, _ = _tick(inbox, warehouse, None)
    assert isinstance(result, dg.SkipReason)
    assert result.skip_message.startswith(f"the warehouse {warehouse} is corrupted")
    assert "impact restore" in result.skip_message or "move the damaged file aside" in result.skip_message


# --- the writer lock --------------------------------------------------------------------------

HOLDER = """
import sys, time
from pathlib import Path
from pipelines.core.warehouse import exclusive_lock
with exclusive_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_lock_file_names_its_holder_and_a_waiter_says_so_every_interval(tmp_path, monkeypatch):
    import pipelines.core.warehouse as warehouse_module

    lock = tmp_path / "w.duckdb.lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock)], cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        text = lock_holder(lock)
        assert f"pid={holder.pid} " in text and f"host={socket.gethostname()} " in text and "since=" in text
        said: list[str] = []
        monkeypatch.setattr(warehouse_module, "LOCK_REPORT_EVERY_S", 0.5)
        with pytest.raises(WarehouseLockTimeout, match=f"pid={holder.pid}"), exclusive_lock(
            lock, timeout_s=2.2, report=said.append
        ):
            pass
        assert len(said) >= 3
        assert all(f"held by pid={holder.pid}" in s for s in said)
    finally:
        os.killpg(holder.pid, 9)
        holder.wait()
    # The holder is gone (the kernel released its lock): the lock is taken at once.
    with exclusive_lock(lock, timeout_s=5):
        assert f"pid={os.getpid()} " in lock_holder(lock)
    assert lock_holder(lock) == ""  # released: the file no longer names a holder
