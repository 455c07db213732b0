"""Time the staging checks on a national-size synthetic firm register.

``.venv/bin/python bench/gx_checks.py [--rows 2400000] [--broken]`` builds ``staging.firms`` with
that many rows (400,000 firms x 6 years by default) in a temporary DuckDB, then times the GX
import and the firm register's checks, as plain functions and inside ``dg.materialize``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import dagster as dg

from pipelines.core.config import deployment_paths
from pipelines.core.resources import WarehouseResource
from pipelines.core.warehouse import connect_writer


def build_register(warehouse: Path, rows: int, broken: bool) -> float:
    """Fill ``staging.firms`` (and a little participation) with ``rows`` synthetic rows; return seconds."""
    started = time.perf_counter()
    years = 6
    firms = rows // years
    with connect_writer(warehouse) as con:
        con.execute(
            f"""
            INSERT INTO staging.firms
            SELECT lpad(CAST(10000000 + f AS VARCHAR), 8, '0') AS cvr,
                   2020 + y AS year,
                   (hash(f) % 300)::DOUBLE AS employees,
                   CASE WHEN hash(f, y) % 3 = 0 THEN NULL ELSE (hash(f, y) % 100000000)::DOUBLE END,
                   (hash(f, y, 1) % 10000000)::DOUBLE,
                   (hash(f, y, 2) % 50000000)::DOUBLE,
                   CAST(10 + hash(f) % 89 AS VARCHAR) || '20',
                   'DK0' || CAST(1 + hash(f) % 5 AS VARCHAR),
                   repeat('a', 64), 'firms/register_' || CAST(2020 + y AS VARCHAR) || '.parquet',
                   f + 1, TIMESTAMP '2026-06-30 01:00:00'
            FROM range({firms}) AS r(f), range({years}) AS s(y)
            """
        ).fetchall()
        if broken:
            con.execute(
                "UPDATE staging.firms SET region = 'DK09' WHERE cvr IN ('10000001', '10000002')"
            ).fetchall()
            con.execute(
                "INSERT INTO staging.firms SELECT * FROM staging.firms WHERE cvr = '10000003' AND year = 2021"
            ).fetchall()
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    """Build the register, time the checks, print a small table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2_400_000)
    parser.add_argument(
        "--broken", action="store_true", help="inject 12 bad regions and a duplicate key"
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

    from quality import gx_runner
    from quality.definitions import STAGING_CHECKS, ingestion_health_check
    from quality.staging import validate_staging_table

    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "bench.duckdb"
        print(
            f"build staging.firms ({args.rows:,} rows): {build_register(warehouse, args.rows, args.broken):.1f}s"
        )
        gx_runner.load_gx()
        print(f"GX import: {gx_runner.GX_IMPORT_SECONDS:.2f}s")
        with connect_writer(warehouse) as con:
            validate_staging_table(
                con, "grants", True
            )  # warm-up: first GX validation builds caches
            for structural in (True, False):
                started = time.perf_counter()
                report = validate_staging_table(con, "firms", structural)
                elapsed = time.perf_counter() - started
                print(
                    f"function firms {'contract' if structural else 'statistics'}: {elapsed:.2f}s, "
                    f"passed={report.passed}, GX frame {report.validated_rows:,} rows; {report.summary()[:160]}"
                )

        firms_checks = [
            c
            for c in [*STAGING_CHECKS, ingestion_health_check]
            if dg.AssetKey(["staging", "firms"]) in {k.asset_key for k in c.check_keys}
        ]

        @dg.asset(key=["staging", "firms"])
        def firms() -> None:
            """Stand-in: the register is already in the warehouse."""

        started = time.perf_counter()
        with deployment_paths(warehouse=warehouse):
            result = dg.materialize(
                [firms, *firms_checks],
                resources={"warehouse": WarehouseResource()},
                raise_on_error=False,
                selection=dg.AssetSelection.assets(firms),
            )
        total = time.perf_counter() - started
        for ev in result.get_asset_check_evaluations():
            print(
                f"dagster {ev.check_name}: passed={ev.passed} check time "
                f"{ev.metadata['seconds'].value:.2f}s ({ev.metadata['validation_mode'].value[:60]})"
            )
        print(f"dagster materialize (stand-in + {len(firms_checks)} checks): {total:.1f}s")


if __name__ == "__main__":
    main()
