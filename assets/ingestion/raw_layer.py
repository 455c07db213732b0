"""The raw layer: every delivered row kept exactly as the reader returned it (input contract rule 1).

One ``raw.files`` row per ingested file holds its header (the reader's column names, in order);
one ``raw.rows`` row per record holds its cells in the header's order (``VARCHAR[]``, null stays
null). The list is built by DuckDB from the registered all-text frame, column by position (a
header may be ``*`` or look like a pattern), so Polars never materialises a string or a list per
row. ``raw.records`` is the analyst's view: a row as a MAP header -> cell.

Until November 2026 a raw row was a JSON document (``raw.rows.record``): 2.6x the floor's
database at national scale. ``pipelines.core.warehouse.upgrade_raw_rows`` converts such a
warehouse in place when it is opened.
``quality.rejected_rows.raw`` (output contract) is still that JSON text, computed for the rejected
rows only by :func:`json_records`.
"""

from __future__ import annotations

import contextlib

import duckdb
import polars as pl

from pipelines.core.warehouse import fetch_all, fetch_pl


def json_records(frame: pl.DataFrame) -> pl.Series:
    """Each row of an all-text frame as the JSON text of header -> cell (``{}`` without columns).

    The output contract's ``quality.rejected_rows.raw``: byte for byte what ingestion has always
    written there.
    """
    if not frame.width:
        return pl.Series("raw", ["{}"] * frame.height, dtype=pl.String)
    return frame.select(pl.struct(pl.all()).struct.json_encode().alias("raw")).to_series()


SCAN_BATCH_ROWS = 122_880  # DuckDB's row-group size


def in_batches(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` as zero-copy slices of ``SCAN_BATCH_ROWS`` rows, in order.

    DuckDB scans an Arrow input one batch per thread: a single-chunk frame of a million rows
    inserts on one core (0.57 s for the register's raw rows), the same rows in batches on both
    (0.41 s). Insertion order is kept.
    """
    if frame.height <= SCAN_BATCH_ROWS:
        return frame
    return pl.concat(
        [frame.slice(offset, SCAN_BATCH_ROWS) for offset in range(0, frame.height, SCAN_BATCH_ROWS)],
        rechunk=False,
    )


def write_file(
    con: duckdb.DuckDBPyConnection, dataset: str, sha: str, file_name: str, frame: pl.DataFrame
) -> None:
    """Keep the file's rows as read: its header in ``raw.files``, row i of ``frame`` as row i+1
    in ``raw.rows``. Runs inside the caller's transaction (the file's one transaction)."""
    write_header(con, dataset, sha, file_name, frame.columns)
    write_rows(con, dataset, sha, file_name, frame)


def write_header(con: duckdb.DuckDBPyConnection, dataset: str, sha: str, file_name: str, header: list[str]) -> None:
    con.execute(
        """INSERT INTO raw.files (file_sha256, dataset, file_name, header)
           VALUES ($sha, $dataset, $name, $header::VARCHAR[])""",
        {"sha": sha, "dataset": dataset, "name": file_name, "header": header},
    ).fetchall()


def write_rows(
    con: duckdb.DuckDBPyConnection, dataset: str, sha: str, file_name: str, frame: pl.DataFrame,
    first_row: int = 1,
) -> None:
    """Row i of ``frame`` as row ``first_row + i`` of the file in ``raw.rows``.

    The frame goes to DuckDB with positional column names (a renaming, no data copied) and a row
    index; the cell list of each row is built by DuckDB.
    """
    width = frame.width
    positional = frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)})
    cells = "[" + ", ".join(f"c{i}" for i in range(width)) + "]" if width else "[]::VARCHAR[]"
    con.register("_new_raw_rows", in_batches(positional.with_row_index("_row")))
    try:
        con.execute(
            f"""INSERT INTO raw.rows (dataset, file_sha256, file_name, row_number, cells)
                SELECT $dataset, $sha, $name, _row + $first, {cells} FROM _new_raw_rows""",
            {"dataset": dataset, "sha": sha, "name": file_name, "first": first_row},
        ).fetchall()
    finally:  # quietly: after a failed insert the transaction is aborted, and the error that
        # matters is the insert's (an unregister would raise "transaction is aborted" instead)
        with contextlib.suppress(Exception):
            con.unregister("_new_raw_rows")


def read_file(con: duckdb.DuckDBPyConnection, sha: str) -> pl.DataFrame | None:
    """The file's rows as the reader returned them (header and cell order kept, all text), or
    None when the raw layer does not hold the file whole (no header, or row numbers with gaps)."""
    header_rows = fetch_all(con, "SELECT header FROM raw.files WHERE file_sha256 = $sha", {"sha": sha})
    if len(header_rows) != 1:
        return None
    header: list[str] = list(header_rows[0][0])
    width = len(header)
    cells = ", ".join(f"cells[{i + 1}] AS c{i}" for i in range(width)) or "NULL::VARCHAR AS _none"
    raw = fetch_pl(
        con,
        f"""SELECT row_number, len(cells) AS width, {cells}
            FROM raw.rows WHERE file_sha256 = $sha ORDER BY row_number""",
        {"sha": sha},
    )
    if raw["row_number"].to_list() != list(range(1, raw.height + 1)):
        return None
    if raw.height and (raw["width"] != width).any():
        return None
    if not width:
        return pl.DataFrame(height=raw.height)
    frame = raw.select([pl.col(f"c{i}").cast(pl.String) for i in range(width)])
    return frame.rename({f"c{i}": name for i, name in enumerate(header)})

