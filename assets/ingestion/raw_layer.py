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


def _cells_list(width: int) -> str:
    """``[c0, c1, ...]``: the SQL list of a frame registered with positional column names."""
    if not width:
        return "[]::VARCHAR[]"
    return "[" + ", ".join(f"c{i}" for i in range(width)) + "]"


def positional(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with columns renamed ``c0, c1, ...`` (no data copied), for :func:`insert_rows`."""
    return frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)}) if frame.width else frame


def insert_file(
    con: duckdb.DuckDBPyConnection, dataset: str, sha: str, file_name: str, header: list[str]
) -> None:
    """Record the file's header in ``raw.files`` (inside the caller's transaction)."""
    con.execute(
        """INSERT INTO raw.files (file_sha256, dataset, file_name, header)
           VALUES ($sha, $dataset, $name, $header::VARCHAR[])""",
        {"sha": sha, "dataset": dataset, "name": file_name, "header": header},
    ).fetchall()


def insert_rows(
    con: duckdb.DuckDBPyConnection, view: str, width: int, dataset: str, sha: str, file_name: str,
    first_row: int = 1,
) -> None:
    """Append the rows of the registered ``view`` (columns ``c0..c{width-1}`` as made by
    :func:`positional`, in file order) as rows ``first_row, first_row + 1, ...`` of the file.

    The row number comes from a ``_row`` column of the view (0-based within it).
    """
    con.execute(
        f"""INSERT INTO raw.rows (dataset, file_sha256, file_name, row_number, cells)
            SELECT $dataset, $sha, $name, _row + $first, {_cells_list(width)} FROM {view}""",
        {"dataset": dataset, "sha": sha, "name": file_name, "first": first_row},
    ).fetchall()


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

