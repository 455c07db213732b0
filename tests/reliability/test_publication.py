"""What a run publishes and what it keeps: one backup generation, DuckDB's integrity reading before
the rename, ``impact restore``, a clear message for a damaged warehouse, and no way for the UI to
point a run elsewhere or switch its safety off."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.core.config import load_settings
from pipelines.core.faults import WarehouseCorrupt
from pipelines.core.publish import (
    backup_path,
    blocks_failing_checksum,
    prepare_shadow,
    publish_shadow,
    read_every_block,
    restore_backup,
    verify_integrity,
)
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import lock_path_for
from tests.reliability.runs import AS_OF, impact, write_inbox

BLOCK, HEADER = 262_144, 3 * 4096  # DuckDB's block size and its file header


def _warehouse(path: Path, generation: int, rows: int = 50_000) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw").fetchall()
        con.execute(
            "CREATE OR REPLACE TABLE raw.rows AS SELECT range AS n, $g AS generation, "
            "md5(range::VARCHAR) AS record FROM range($rows)", {"g": generation, "rows": rows},
        ).fetchall()


def _generation(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT DISTINCT generation FROM raw.rows").fetchall()[0][0]


def _publish(warehouse: Path, generation: int) -> None:
    shadow = prepare_shadow(warehouse)
    _warehouse(shadow, generation)
    publish_shadow(shadow, warehouse)


def _damage_a_data_block(path: Path, table: str = "raw.rows") -> None:
    """Overwrite bytes inside a block that holds rows of ``table`` (its checksum no longer fits)."""
    with duckdb.connect(str(path), read_only=True) as con:
        block = con.execute(
            "SELECT max(block_id) FROM pragma_storage_info(?) WHERE block_id >= 0", [table]
        ).fetchall()[0][0]
    with path.open("r+b") as fh:
        fh.seek(HEADER + block * BLOCK + 1000)
        fh.write(b"\xff" * 512)


def test_publishing_keeps_the_previous_warehouse_as_one_backup_generation(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _publish(warehouse, 1)
    assert not backup_path(warehouse).exists()  # nothing was replaced
    _publish(warehouse, 2)
    _publish(warehouse, 3)
    assert _generation(warehouse) == 3
    assert _generation(backup_path(warehouse)) == 2  # one generation: the one just replaced
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.duckdb", "w.duckdb.prev"]


def test_a_shadow_that_fails_the_integrity_reading_is_not_published(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _publish(warehouse, 1)
    _publish(warehouse, 2)
    shadow = prepare_shadow(warehouse)
    _warehouse(shadow, 3)
    _damage_a_data_block(shadow)
    with pytest.raises(WarehouseCorrupt, match="Corrupt database file"):
        publish_shadow(shadow, warehouse)
    assert _generation(warehouse) == 2 and _generation(backup_path(warehouse)) == 1
    verify_integrity(warehouse)  # untouched and whole


def _varied_warehouse(path: Path) -> None:
    """Every kind of block a warehouse has: integers, doubles, dates, short and long (overflow)
    strings, nulls, lists; rows deleted and updated; a dropped table (its blocks become free)."""
    with duckdb.connect(str(path)) as con:
        con.execute("SET enable_progress_bar = false").fetchall()
        con.execute(
            "CREATE TABLE t AS SELECT range AS n, range / 7 AS x, DATE '2020-01-01' + range::INT % 900 AS d, "
            "CASE WHEN range % 5 = 0 THEN NULL ELSE md5(range::VARCHAR) END AS s, "
            "repeat('long text ', 600) || range::VARCHAR AS big, [range, range + 1] AS l FROM range(120000)"
        ).fetchall()
        con.execute("CREATE TABLE gone AS SELECT range AS n, md5(range::VARCHAR) AS s FROM range(300000)").fetchall()
        con.execute("CHECKPOINT").fetchall()
        con.execute("DROP TABLE gone").fetchall()
        con.execute("DELETE FROM t WHERE n % 3 = 0").fetchall()
        con.execute("UPDATE t SET s = 'changed' WHERE n % 11 = 0").fetchall()
        con.execute("CHECKPOINT").fetchall()
        free = con.execute("SELECT free_blocks FROM pragma_database_size()").fetchall()[0][0]
    assert free > 0  # the dropped table's blocks are in the file, unused


def test_the_checksum_scan_computes_duckdbs_checksum_of_every_block(tmp_path):
    """The fast integrity reading is only fast if it agrees with DuckDB: on an intact file not
    one block may fail (else every publication falls back to the slow reading)."""
    path = tmp_path / "w.duckdb"
    _varied_warehouse(path)
    blocks = (path.stat().st_size - HEADER) // BLOCK
    assert blocks > 50
    assert blocks_failing_checksum(path) == []
    read_every_block(path)  # DuckDB agrees: the file is whole


def test_the_checksum_scan_finds_the_damaged_block_and_duckdbs_reading_decides(tmp_path):
    path = tmp_path / "w.duckdb"
    _warehouse(path, 1)
    with duckdb.connect(str(path), read_only=True) as con:
        block = con.execute(
            "SELECT max(block_id) FROM pragma_storage_info('raw.rows') WHERE block_id >= 0"
        ).fetchall()[0][0]
    _damage_a_data_block(path)
    assert blocks_failing_checksum(path) == [block]
    with pytest.raises(WarehouseCorrupt, match="Corrupt database file"):
        verify_integrity(path)  # DuckDB's own message, from its own reading


def test_a_damaged_free_block_is_found_and_does_not_stop_a_whole_warehouse(tmp_path):
    """A block no table uses any more keeps its old bytes; damage there is seen by the scan, and
    DuckDB's own reading (which never reads that block) decides that the file is whole."""
    path = tmp_path / "w.duckdb"
    _varied_warehouse(path)
    with duckdb.connect(str(path), read_only=True) as con:
        used = {b for (b,) in con.execute(
            "SELECT block_id FROM pragma_storage_info('t') WHERE block_id >= 0 UNION "
            "SELECT unnest(additional_block_ids) FROM pragma_storage_info('t') UNION "
            "SELECT block_id FROM pragma_metadata_info()").fetchall()}
    blocks = (path.stat().st_size - HEADER) // BLOCK
    free = min(b for b in range(blocks) if b not in used)
    with path.open("r+b") as fh:
        fh.seek(HEADER + free * BLOCK + 1000)
        fh.write(b"\xff" * 512)
    assert blocks_failing_checksum(path) == [free]
    verify_integrity(path)  # no error


def test_a_warehouse_a_run_publishes_passes_the_checksum_scan_alone(tmp_path):
    """The files the pipeline itself writes (every layer, the models, the checks' results)."""
    inbox, warehouse = tmp_path / "inbox", tmp_path / "w.duckdb"
    write_inbox(inbox)
    done = impact("run", "--inbox", str(inbox), "--warehouse", str(warehouse), "--reports",
                  str(tmp_path / "reports"), "--as-of", AS_OF)
    assert done.returncode == 0, done.stderr
    assert blocks_failing_checksum(warehouse) == []
    read_every_block(warehouse)


def test_restore_brings_the_backup_back_and_keeps_the_replaced_file(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _publish(warehouse, 1)
    _publish(warehouse, 2)
    _damage_a_data_block(warehouse)
    with pytest.raises(WarehouseCorrupt):
        verify_integrity(warehouse)
    replaced = restore_backup(warehouse)
    assert _generation(warehouse) == 1
    verify_integrity(warehouse)
    assert _generation(backup_path(warehouse)) == 1  # still there: it was copied, not moved
    assert replaced == tmp_path / "w.duckdb.before-restore" and replaced.exists()


def test_restore_refuses_a_damaged_backup_and_changes_nothing(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    _publish(warehouse, 1)
    _publish(warehouse, 2)
    _damage_a_data_block(backup_path(warehouse))
    with pytest.raises(WarehouseCorrupt, match="damaged too"):
        restore_backup(warehouse)
    assert _generation(warehouse) == 2


def test_impact_restore_from_the_command_line(tmp_path):
    warehouse = tmp_path / "w.duckdb"
    done = impact("restore", "--warehouse", str(warehouse))
    assert done.returncode == 1 and "there is no backup generation" in done.stderr
    _publish(warehouse, 1)
    _publish(warehouse, 2)
    done = impact("restore", "--warehouse", str(warehouse))
    assert done.returncode == 0, done.stderr
    assert f"Restored {warehouse} from {warehouse}.prev" in done.stdout
    assert _generation(warehouse) == 1
    assert lock_path_for(warehouse).exists()  # it took the writer lock: no run was in the middle


def test_a_damaged_warehouse_gives_one_first_line_naming_the_file_and_what_to_do(tmp_path, inbox):
    warehouse = tmp_path / "w.duckdb"
    _publish(warehouse, 1)
    _publish(warehouse, 2)
    with warehouse.open("r+b") as fh:  # the file's own header and catalogue
        fh.seek(0)
        fh.write(b"\0" * (HEADER + BLOCK))
    inbox.write("grants/g.csv", "grant_id,cluster_id\n")
    run = impact("run", "--inbox", str(inbox.root), "--warehouse", str(warehouse), "--reports",
                 str(tmp_path / "reports"))
    validate = impact("validate", str(inbox.root / "grants/g.csv"), "--dataset", "grants",
                      "--warehouse", str(warehouse))
    for done, command in ((run, "run"), (validate, "validate")):
        assert done.returncode != 0
        first = done.stderr.splitlines()[0]
        assert first.startswith(f"impact {command}: the warehouse {warehouse} is corrupted ("), done.stderr
        assert f"`impact restore --warehouse {warehouse}`" in first
    assert impact("restore", "--warehouse", str(warehouse)).returncode == 0
    assert _generation(warehouse) == 1


def test_the_ui_cannot_change_where_a_run_writes_or_switch_its_safety_off(tmp_path):
    from pipelines.definitions import build_definitions
    from pipelines.jobs import NIGHTLY_JOB_NAME

    assert set(WarehouseResource.model_fields) == {"as_of", "lang"}
    job = build_definitions().resolve_job_def(NIGHTLY_JOB_NAME)
    for field, value in (("warehouse", str(tmp_path / "elsewhere.duckdb")), ("atomic_runs", False),
                         ("inbox", "/etc"), ("reports", "/tmp")):
        with pytest.raises(dg.DagsterInvalidConfigError):
            job.execute_in_process(
                run_config={"resources": {"warehouse": {"config": {field: value}}}},
                instance=dg.DagsterInstance.ephemeral(),
            )
    assert not (tmp_path / "elsewhere.duckdb").exists()


def test_every_process_resolves_a_symlinked_warehouse_to_the_same_file(tmp_path, monkeypatch):
    real = tmp_path / "disk" / "warehouse.duckdb"
    real.parent.mkdir()
    real.write_bytes(b"")
    link = tmp_path / "warehouse.duckdb"
    link.symlink_to(real)
    monkeypatch.setenv("IMPACT_WAREHOUSE", str(link))
    assert load_settings().warehouse == real  # a Dagster-launched run (environment)
    assert load_settings(warehouse=link).warehouse == real  # impact run --warehouse
    assert lock_path_for(load_settings().warehouse) == real.with_name("warehouse.duckdb.lock")


def test_previews_in_the_event_log_hold_no_firm_names_or_numbers(inbox, warehouse):
    from assets.ingestion.definitions import staging_assets
    from pipelines.core.config import deployment_paths
    from tests.ingestion.samples import ACTIVITIES_CSV, CVR_A, GRANTS_CSV

    inbox.write("grants/g.csv", GRANTS_CSV)
    inbox.write("activities/a.csv", ACTIVITIES_CSV)
    inbox.write("participation/p.csv", f"activity_id,cvr,participation_date,firm_name\nAC1,{CVR_A},2025-02-01,Hemmelig ApS\n")
    with deployment_paths(inbox=inbox.root, warehouse=warehouse):
        result = dg.materialize(staging_assets, resources={"warehouse": WarehouseResource(as_of="2026-06-30")})
    (mat,) = result.asset_materializations_for_node("staging__participation")
    preview = mat.metadata["preview"]
    assert [c.name for c in preview.schema.columns] == [
        "activity_id", "participation_date", "_file_sha256", "_file_name", "_row_number", "_loaded_at"
    ]
    text = repr([r.data for r in preview.records])
    assert "Hemmelig" not in text and CVR_A not in text
    assert "firm_name" in {c.name for c in mat.metadata["dagster/column_schema"].schema.columns}
