"""The floor for bench/nightly.py: DuckDB alone loads every inbox file into a table, one process.

The CSV sniffer reads the whole file (``sample_size = -1``): with its default sample (20,480 rows)
it missed the first quoted multi-line field of the register at 4x national size and failed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb
import polars as pl


def main(inbox: Path, database: Path) -> None:
    start = time.perf_counter()
    con = duckdb.connect(str(database))
    for i, path in enumerate(sorted(p for p in inbox.rglob("*") if p.is_file() and not p.name.startswith("."))):
        table = f"t{i}"
        suffix = path.suffix.lower()
        if suffix == ".parquet":
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet($p)", {"p": str(path)}).fetchall()
        elif suffix == ".xlsx":  # DuckDB's excel extension needs a download; these files are tiny
            con.register("x", pl.read_excel(path, engine="calamine"))
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM x").fetchall()
            con.unregister("x")
        else:
            try:
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv($p, all_varchar = true, sample_size = -1)", {"p": str(path)}).fetchall()
            except duckdb.Error:  # Windows-1252 (small files): DuckDB needs an extension download
                utf8 = database.with_name(f"{table}.csv")
                utf8.write_text(path.read_bytes().decode("cp1252"), encoding="utf-8")
                con.execute(f"CREATE TABLE {table} AS SELECT * FROM read_csv($p, all_varchar = true, sample_size = -1)", {"p": str(utf8)}).fetchall()
    con.close()
    print(f"SECONDS={time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
