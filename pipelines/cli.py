"""The impact command line: run, demo, validate, export, reallocate, restore, backup, instance,
sql, ui.

``impact run`` materialises the nightly job in-process through Dagster and prints a summary;
exit 0 when the run was published (even when data checks flag clusters), 1 when it failed (first
line on stderr: what failed and what was published), 2 for a usage error. ``impact restore``
brings back the previous warehouse generation.
"""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import textwrap
from pathlib import Path

from pipelines.core.config import load_settings
from pipelines.core.contract import DATASETS

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="impact", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="ingest the inbox, derive the indicators, write the report")
    run.add_argument("--inbox", help="inbox folder (IMPACT_INBOX, default data/inbox)")
    run.add_argument("--warehouse", help="DuckDB file (IMPACT_WAREHOUSE, default data/warehouse.duckdb)")
    run.add_argument("--reports", help="report folder (IMPACT_REPORTS, default data/reports)")
    run.add_argument("--as-of", dest="as_of", help="reporting date YYYY-MM-DD (IMPACT_AS_OF, default today)")
    run.add_argument("--lang", choices=["da", "en"], help="report language (IMPACT_LANG, default da)")
    run.add_argument("--verbose", action="store_true", help="show Dagster's step logs")
    run.add_argument(
        "--all-steps", dest="all_steps", action="store_true",
        help="run every step, also those whose inputs did not change (IMPACT_ALL_STEPS=1); by "
        "default a run leaves them out (their last results stand)",
    )
    run.add_argument(
        "--quiet", action="store_true",
        help="no progress line (there is none anyway when stderr is not a terminal)",
    )

    demo = sub.add_parser("demo", help="write a realistic, deterministic demo inbox")
    demo.add_argument("--out", help="folder to write (default: the inbox, data/inbox)")
    demo.add_argument("--scale", type=int, default=1, help="1 = demo size; 15 = national size")
    demo.add_argument("--seed", type=int, default=2025)

    validate = sub.add_parser(
        "validate",
        help="check one file against the input contract",
        description=textwrap.fill(
            "Check one file against the input contract before it goes into the inbox: every row "
            "that would be rejected, with its row number (the N-th record under the header) and, "
            "for CSV and XLSX, the row Excel shows; rows that would be accepted but can never "
            "count as warnings. Exit 0 when nothing would be rejected (warnings or not), 1 "
            "otherwise, 2 for a usage error. Never writes.",
            width=96,
        ),
        epilog=_datasets_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    validate.add_argument("file")
    validate.add_argument(
        "--dataset", required=True, metavar="NAME", help="the dataset: " + ", ".join(DATASETS)
    )
    validate.add_argument(
        "--warehouse", help="read references (grants, activities) from this warehouse, read-only"
    )
    validate.add_argument("--limit", type=int, default=200, help="how many rejected rows to list")

    export = sub.add_parser(
        "export",
        help="write the indicators, flags, rejected rows and ingested files as an Excel workbook",
        description="Write an Excel workbook for analysts: one sheet each for marts.indicators and "
        "marts.flags of one reporting date, quality.rejected_rows and meta.ingested_files; typed "
        "cells, a frozen header row with filters. Reads the warehouse read-only.",
    )
    export.add_argument("--warehouse", help="DuckDB file (IMPACT_WAREHOUSE, default data/warehouse.duckdb)")
    export.add_argument(
        "--as-of", dest="as_of", help="reporting date YYYY-MM-DD (default: the newest in the warehouse)"
    )
    export.add_argument(
        "--out",
        help="the workbook to write (default: <reports>/impact_export_<as_of>.xlsx, "
        "reports = IMPACT_REPORTS or data/reports)",
    )
    export.add_argument("--lang", choices=["da", "en"], help="column headers (IMPACT_LANG, default da)")
    realloc = sub.add_parser(
        "reallocate", help="what-if: re-allocate returned funds by the board's method"
    )
    realloc.add_argument("--amount", type=float, required=True, help="the returned funds in DKK")
    realloc.add_argument(
        "--from", dest="from_cluster", help="the cluster returning them (left out of the allocation)"
    )
    realloc.add_argument(
        "--warehouse", help="DuckDB file, read-only (IMPACT_WAREHOUSE, default data/warehouse.duckdb)"
    )
    realloc.add_argument(
        "--as-of", dest="as_of", help="reporting date YYYY-MM-DD (accepted; the what-if does not depend on it)"
    )
    realloc.add_argument("--csv", help="also write the table to this CSV file")
    restore = sub.add_parser(
        "restore", help="bring back the previous warehouse generation (<warehouse>.prev)"
    )
    restore.add_argument("--warehouse", help="DuckDB file (IMPACT_WAREHOUSE, default data/warehouse.duckdb)")

    backup = sub.add_parser(
        "backup",
        help="copy the warehouse (under its writer lock) and DAGSTER_HOME to a dated folder",
    )
    backup.add_argument("--out", required=True, help="folder that holds the backups")
    backup.add_argument("--warehouse", help="DuckDB file (IMPACT_WAREHOUSE, default data/warehouse.duckdb)")
    backup.add_argument("--keep", type=int, default=7, help="how many backups to keep (default 7)")

    instance = sub.add_parser(
        "instance",
        help="create the Dagster instance's home (DAGSTER_HOME) with the shipped dagster.yaml "
        "if it has none, and print where it is",
    )
    instance.add_argument("--warehouse", help="DuckDB file (IMPACT_WAREHOUSE, default data/warehouse.duckdb)")

    sql = sub.add_parser(
        "sql",
        help="run a query on the warehouse (read-only) and print the result as a table",
        description="Run one SQL query on the warehouse through a read-only connection (also "
        "while a run is going: it sees the last published warehouse) and print the result as a "
        "table. Nothing can be written. Example: impact sql \"SELECT * FROM marts.flags LIMIT 5\"",
    )
    sql.add_argument("query", help="the SQL query (quote it)")
    sql.add_argument("--warehouse", help="DuckDB file (IMPACT_WAREHOUSE, default data/warehouse.duckdb)")
    sql.add_argument("--max-rows", type=int, default=40, help="rows to print (default 40)")

    ui = sub.add_parser("ui", help="start the Dagster UI (dagster dev) on 127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.add_argument("--host", default="127.0.0.1")
    return parser


def _datasets_epilog() -> str:
    """Every dataset of the input contract with its required columns, for ``validate --help``."""
    lines = ["datasets (required columns):"]
    for dataset in DATASETS.values():
        lines.append(f"  {dataset.name:<20} {dataset.description}")
        lines += textwrap.wrap(
            ", ".join(dataset.required), width=96, initial_indent=" " * 23, subsequent_indent=" " * 23
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            settings = load_settings(args.inbox, args.warehouse, args.reports, args.as_of, args.lang)
            from pipelines.runner import run_pipeline

            return run_pipeline(settings, verbose=args.verbose, quiet=args.quiet, all_steps=args.all_steps)
        if args.command == "demo":
            return _demo(args)
        if args.command == "validate":
            from pipelines.validate_file import validate_file

            return validate_file(Path(args.file), args.dataset, args.warehouse, args.limit)
        if args.command == "export":
            from pipelines.export import export

            return export(args.warehouse, args.as_of, args.out, args.lang)
        if args.command == "reallocate":
            settings = load_settings(warehouse=args.warehouse, as_of=args.as_of)
            from pipelines.reallocate import reallocate

            return reallocate(
                args.amount, args.from_cluster, settings.warehouse, settings.as_of,
                Path(args.csv) if args.csv else None,
            )
        if args.command == "restore":
            return _restore(load_settings(warehouse=args.warehouse).warehouse)
        if args.command == "backup":
            from pipelines.backup import run_backup
            from pipelines.instance import dagster_home

            warehouse = load_settings(warehouse=args.warehouse).warehouse
            return run_backup(warehouse, dagster_home(warehouse), Path(args.out), args.keep)
        if args.command == "instance":
            from pipelines.instance import ensure_home

            home = ensure_home(load_settings(warehouse=args.warehouse).warehouse)
            print(f"DAGSTER_HOME={home}")
            return EXIT_OK
        if args.command == "sql":
            return _sql(load_settings(warehouse=args.warehouse).warehouse, args.query, args.max_rows)
        if args.command == "ui":
            return _ui(args)
    except ValueError as exc:
        print(f"impact: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_USAGE


def _demo(args: argparse.Namespace) -> int:
    from demo.generator import write_demo_inbox

    out = Path(args.out) if args.out else load_settings().inbox
    if args.scale < 1:
        raise ValueError("--scale must be 1 or more")
    summary = write_demo_inbox(out, scale=args.scale, seed=args.seed)
    print(f"Demo inbox written to {out} (scale {args.scale}, seed {args.seed}):")
    for dataset, info in summary.items():
        files = len(info["files"])
        print(
            f"  {dataset:<20} {files} file{'s' if files != 1 else ''}, {info['rows']:,} rows "
            f"({info['bad_rows']:,} planted to be rejected)"
        )
    return EXIT_OK


def _sql(warehouse: Path, query: str, max_rows: int) -> int:
    """``impact sql``: one query on a read-only connection, printed as a table."""
    import duckdb

    if not warehouse.exists():
        print(f"impact sql: no warehouse at {warehouse}; run `impact run` first or pass --warehouse",
              file=sys.stderr)
        return EXIT_USAGE
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            relation = con.sql(query)
            if relation is None:  # a statement without a result (SET, ...)
                return EXIT_OK
            relation.show(max_rows=max_rows, max_width=200)
    except duckdb.Error as exc:
        print(f"impact sql: {str(exc).splitlines()[0]}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _restore(warehouse: Path) -> int:
    """``impact restore``: the previous published generation becomes the warehouse again.

    Waits for a running run (the writer lock) first; keeps the file it replaces beside it.
    """
    from pipelines.core.faults import WarehouseCorrupt
    from pipelines.core.publish import backup_path, restore_backup
    from pipelines.core.warehouse import exclusive_lock, lock_path_for

    def waiting(message: str) -> None:
        print(f"impact restore: {message}", file=sys.stderr)

    try:
        with exclusive_lock(lock_path_for(warehouse), report=waiting):
            replaced = restore_backup(warehouse)
    except (FileNotFoundError, WarehouseCorrupt) as exc:
        print(f"impact restore: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:
        print(f"impact restore: could not restore {warehouse}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    kept = f"; the file it replaced is kept as {replaced}" if replaced.exists() else ""
    print(f"Restored {warehouse} from {backup_path(warehouse)}{kept}.")
    return EXIT_OK


def _ui(args: argparse.Namespace) -> int:
    """``dagster dev`` on the deployment's instance (the one ``impact run`` records in)."""
    from pipelines.instance import ensure_home

    home = ensure_home(load_settings().warehouse)
    env = dict(os.environ, DAGSTER_HOME=str(home))
    cmd = [
        sys.executable, "-m", "dagster", "dev", "-m", "pipelines.definitions",
        "-h", args.host, "-p", str(args.port),
    ]
    print(f"DAGSTER_HOME={home} ; {' '.join(cmd[2:])}")
    os.execvpe(cmd[0], cmd, env)
    return EXIT_OK  # pragma: no cover



def entry() -> None:
    """The ``impact`` console script: :func:`main`, then leave without the interpreter's teardown.

    After a nightly run the process holds Dagster's, GX's and pandas' object graphs, and Python's
    final garbage collection over them took 1.2-1.8 s of a 20 s national-scale run. Everything the
    run writes is closed by then (the warehouse is published, the report renamed into place), so
    the exit handlers run, the streams are flushed, and the process ends with ``os._exit``.
    """
    try:
        code = main()
        atexit._run_exitfuncs()  # logging.shutdown, temporary directories, ...
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        # The reader of our output went away (`impact run | head`): no traceback. Python would
        # try to flush stdout again at exit; point it at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK if "code" in locals() else EXIT_FAILED
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    entry()
