"""A large file in bounded batches: the memory of ingestion does not grow with the file.

The whole-file path (``readers.read_table`` -> ``validation.validate`` -> ``loader._apply``) holds
the file's bytes, its all-text frame and the checked rows at once: 3.7 GiB for the 4x national
firm register. A file of at least :data:`LARGE_FILE_BYTES` on the happy path is read here instead:

* a CSV that starts as plain UTF-8 text (not UTF-16, not binary, not compressed-looking) or a
  Parquet file, parsed by Polars' streaming engine in batches of :data:`BATCH_ROWS` rows;
* each batch gets the row rules of :func:`validation._check_rows` (with its row offset, exactly as
  ``validate`` checks its chunks), its raw rows are written, its rows that pass are staged, its
  rejected rows are kept with their JSON (in a temporary table);
* when the file has been read, the within-file duplicate-key rule (the last row wins) is decided
  over the file's staged rows that share a key with another (found by DuckDB), with
  :func:`validation._mark_duplicate_keys` (the same expression as the whole-file path): the losers
  leave staging and become rejections, with their JSON rebuilt from the raw layer; then the rows
  of earlier deliveries with a key of this file leave staging;
* everything is ONE transaction, with the file's record, as for a small file.

Anything unusual (a row that is entirely empty, which may be a blank line; a parse or encoding
error; a header the contract refuses) rolls back and raises :class:`NotBatchable`: the loader then
takes the whole-file path, whose readers know those cases and say what is wrong.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from assets.ingestion import raw_layer
from assets.ingestion.readers import (
    CSV_OPTIONS,
    PARQUET_MAGIC,
    TEXT_EXTENSIONS,
    UTF8_BOM,
    RawTable,
    UnreadableFile,
    sniff_separator,
)
from assets.ingestion.validation import (
    DETAIL,
    REASON,
    ROW,
    References,
    _check_rows,
    _mark_duplicate_keys,
    _staging_columns,
    _v,
    match_columns,
    with_raw_json,
)
from pipelines.core.contract import Dataset

LARGE_FILE_BYTES = 64 * 2**20  # files from this size are read in batches
BATCH_ROWS = 2 * 122_880  # two DuckDB row groups: each batch appends whole row groups
# Bytes that make Polars decompress instead of parse (gzip, zstd, zlib): whole-file path.
COMPRESSED_MAGIC = (b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"\x78\x01", b"\x78\x5e", b"\x78\x9c", b"\x78\xda")


class NotBatchable(Exception):
    """The file needs the whole-file path (nothing of it was written)."""


@dataclass
class BatchedResult:
    file_format: str
    rows_total: int
    rows_accepted: int
    rows_rejected: int


def batch_format(path: Path, head: bytes) -> str | None:
    """``csv`` or ``parquet`` if the file may take the batched path, judged on its first bytes."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if path.suffix.lower() not in TEXT_EXTENSIONS:
        return None
    text = head[len(UTF8_BOM):] if head.startswith(UTF8_BOM) else head
    if b"\x00" in head or text.startswith(COMPRESSED_MAGIC) or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        text.rsplit(b"\n", 1)[0].decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "csv"


def _csv_batches(path: Path, sep: str, rows: int) -> Iterator[pl.DataFrame]:
    scan = pl.scan_csv(path, separator=sep, **CSV_OPTIONS)
    yield from scan.collect_batches(chunk_size=rows)


def _parquet_batches(path: Path, rows: int) -> Iterator[pl.DataFrame]:
    for batch in pl.scan_parquet(path).collect_batches(chunk_size=rows):
        # As readers._read_parquet: by position (a header may be "*"), a timestamp as its date.
        yield batch.with_columns(
            [
                pl.nth(i).dt.date().cast(pl.String) if dtype == pl.Datetime else pl.nth(i).cast(pl.String)
                for i, dtype in enumerate(batch.dtypes)
            ]
        )


def batches(path: Path, file_format: str, rows: int | None = None) -> tuple[RawTable, Iterator[pl.DataFrame]]:
    """An empty :class:`RawTable` naming the format and number style, and the file's batches."""
    rows = rows or BATCH_ROWS
    if file_format == "parquet":
        return RawTable(pl.DataFrame(), "parquet", decimal_comma=False), _parquet_batches(path, rows)
    with path.open("rb") as handle:
        head = handle.read(65536)
    head_text = (head.rsplit(b"\n", 1)[0] if b"\n" in head else head).decode("utf-8", errors="replace")
    sep = sniff_separator(head_text.lstrip("\ufeff"))
    table = RawTable(pl.DataFrame(), "csv-danish" if sep == ";" else "csv", decimal_comma=sep == ";")
    return table, _csv_batches(path, sep, rows)


def ingest_batched(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    file_format: str,
    dataset: Dataset,
    refs: References,
    lineage: dict,
    rows: int | None = None,
) -> BatchedResult:
    """Check and write the file batch by batch inside the caller's open transaction.

    ``lineage`` has ``sha``, ``name`` and ``at``. Raises :class:`NotBatchable` (the caller rolls
    back) when the file needs the whole-file path.
    """
    table, parts = batches(path, file_format, rows)
    sha, name = lineage["sha"], lineage["name"]
    columns = [c for c, _, _ in dataset.staging_columns]
    col_list = ", ".join(columns)
    key_match = " AND ".join(f"s.{k} IS NOT DISTINCT FROM n.{k}" for k in dataset.key)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _file_rejected "
        "(row_number BIGINT, reason VARCHAR, detail VARCHAR, raw VARCHAR)"
    ).fetchall()
    header: list[str] | None = None
    mapping: dict[str, str] = {}
    offset = 0
    try:
        for batch in parts:
            if header is None:
                header = batch.columns
                try:
                    mapping = match_columns(batch, dataset)
                except UnreadableFile as exc:
                    raise NotBatchable(str(exc)) from None
                raw_layer.write_header(con, dataset.name, sha, name, header)
            elif batch.columns != header:
                raise NotBatchable("the batches disagree on the header")
            if file_format == "csv" and batch.width and batch.select(pl.all_horizontal(pl.all().is_null()).any()).item():
                raise NotBatchable("a row without any cell (maybe a blank line)")
            checked = _check_rows(batch, offset, mapping, dataset, refs, table.number_style)
            raw_layer.write_rows(con, dataset.name, sha, name, batch, first_row=offset + 1)
            failing = checked.filter(pl.col(REASON).is_not_null()).select(
                pl.col(ROW).alias("row_number"), pl.col(REASON).alias("reason"), pl.col(DETAIL).alias("detail")
            )
            if failing.height:
                failing = with_raw_json(failing.with_columns(pl.col("row_number") - offset), batch)
                con.register("_batch_rejected", failing.with_columns(pl.col("row_number") + offset))
                con.execute("INSERT INTO _file_rejected SELECT * FROM _batch_rejected").fetchall()
                con.unregister("_batch_rejected")
            passing = checked.filter(pl.col(REASON).is_null())
            # Staged at once; the rows of earlier deliveries they replace and the rows that lose
            # to a later row of this file leave staging when the file has been read.
            con.register("_batch_passing", raw_layer.in_batches(passing.select(_staging_columns(dataset))))
            con.execute(
                f"""INSERT INTO staging.{dataset.name} ({col_list}, _file_sha256, _file_name, _row_number, _loaded_at)
                    SELECT {col_list}, $sha, $name, _row_number, $at FROM _batch_passing""",
                {"sha": sha, "name": name, "at": lineage["at"]},
            ).fetchall()
            con.unregister("_batch_passing")
            offset += batch.height
            del batch, checked, passing, failing
    except (pl.exceptions.PolarsError, OSError, UnicodeDecodeError) as exc:
        if isinstance(exc, OSError) and not isinstance(exc, FileNotFoundError | PermissionError):
            raise
        raise NotBatchable(f"{type(exc).__name__}: {exc}") from None
    if header is None:
        raise NotBatchable("no batches")
    duplicates = _duplicate_losers(_rows_sharing_a_key(con, dataset, sha), dataset)
    if duplicates.height:
        losers = duplicates.with_columns(
            raw_layer.json_records(_rows_as_read(con, sha, header, duplicates["row_number"]))
        )
        con.register("_duplicates", losers)
        con.execute(
            f"DELETE FROM staging.{dataset.name} WHERE _file_sha256 = $sha "
            "AND _row_number IN (SELECT row_number FROM _duplicates)",
            {"sha": sha},
        ).fetchall()
        con.execute("INSERT INTO _file_rejected SELECT * FROM _duplicates").fetchall()
        con.unregister("_duplicates")
    con.execute(
        f"""DELETE FROM staging.{dataset.name} s
            WHERE s._file_sha256 IS DISTINCT FROM $sha
              AND EXISTS (SELECT 1 FROM staging.{dataset.name} n WHERE n._file_sha256 = $sha AND {key_match})""",
        {"sha": sha},
    ).fetchall()
    con.execute(
        """INSERT INTO quality.rejected_rows (file_sha256, file_name, dataset, row_number, reason, detail, raw)
           SELECT $sha, $name, $dataset, row_number, reason, detail, raw FROM _file_rejected ORDER BY row_number""",
        {"sha": sha, "name": name, "dataset": dataset.name},
    ).fetchall()
    rejected = int(con.execute("SELECT count(*) FROM _file_rejected").fetchall()[0][0])
    with contextlib.suppress(Exception):
        con.execute("DROP TABLE IF EXISTS _file_rejected").fetchall()
    return BatchedResult(table.file_format, offset, offset - rejected, rejected)


def _rows_sharing_a_key(con: duckdb.DuckDBPyConnection, dataset: Dataset, sha: str) -> pl.DataFrame:
    """The file's staged rows (those that passed the row rules) whose key another of them has:
    the only rows the duplicate-key rule concerns, found by DuckDB under its memory cap. Typed as
    the validator types them (row number, then the key columns as ``_v_<key>``)."""
    keys = ", ".join(dataset.key)
    match = " AND ".join(f"m.{k} IS NOT DISTINCT FROM d.{k}" for k in dataset.key)
    return con.sql(
        f"""WITH mine AS (SELECT _row_number, {keys} FROM staging.{dataset.name} WHERE _file_sha256 = $sha)
            SELECT m._row_number AS {ROW}, {", ".join(f"m.{k} AS {_v(k)}" for k in dataset.key)}
            FROM mine m JOIN (SELECT {keys} FROM mine GROUP BY ALL HAVING count(*) > 1) d ON {match}
            ORDER BY m._row_number""",
        params={"sha": sha},
    ).pl()


def _duplicate_losers(slim: pl.DataFrame, dataset: Dataset) -> pl.DataFrame:
    """row_number, reason, detail of the rows that passed but lose to a later row with their key
    (``slim``: every row sharing its key with another, as :func:`_rows_sharing_a_key`)."""
    if not slim.height:
        return pl.DataFrame(schema={"row_number": pl.Int64, "reason": pl.String, "detail": pl.String})
    marked = _mark_duplicate_keys(
        slim.lazy().with_columns(
            pl.lit(None, dtype=pl.String).alias(REASON), pl.lit(None, dtype=pl.String).alias(DETAIL)
        ),
        dataset,
    )
    return (
        marked.filter(pl.col(REASON).is_not_null())
        .select(pl.col(ROW).alias("row_number"), pl.col(REASON).alias("reason"), pl.col(DETAIL).alias("detail"))
        .sort("row_number")
        .collect()
    )


def _rows_as_read(con: duckdb.DuckDBPyConnection, sha: str, header: list[str], rows: pl.Series) -> pl.DataFrame:
    """The delivered rows ``rows`` of the file (already in ``raw.rows``), in ascending order, as
    an all-text frame with the file's header."""
    width = len(header)
    cells = ", ".join(f"cells[{i + 1}]::VARCHAR AS c{i}" for i in range(width))
    con.register("_wanted", pl.DataFrame({"row_number": rows}))
    try:
        found = con.sql(
            f"""SELECT row_number{', ' + cells if cells else ''} FROM raw.rows
                WHERE file_sha256 = $sha AND row_number IN (SELECT row_number FROM _wanted)
                ORDER BY row_number""",
            params={"sha": sha},
        ).pl()
    finally:
        with contextlib.suppress(Exception):
            con.unregister("_wanted")
    if not width:
        return pl.DataFrame(height=found.height)
    return found.drop("row_number").rename({f"c{i}": h for i, h in enumerate(header)})
