"""A file larger than one validation chunk and several DuckDB scan batches loses and doubles nothing.

Validation runs in chunks of ``CHUNK_ROWS`` rows and the loader hands DuckDB its frames in slices
of ``SCAN_BATCH_ROWS``; row numbers, the whole-file duplicate-key rule and the counts must not
notice either boundary.
"""

from __future__ import annotations

import polars as pl
from stdnum.dk import cvr as stdnum_cvr

from assets.ingestion.raw_layer import SCAN_BATCH_ROWS
from assets.ingestion.validation import CHUNK_ROWS

YEARS = range(2021, 2029)


def _valid_cvrs(count: int) -> list[str]:
    """Distinct valid CVR numbers, judged by python-stdnum (not by our own checksum code)."""
    out: list[str] = []
    stem = 1_000_000
    while len(out) < count:
        out += [f"{stem}{d}" for d in range(10) if stdnum_cvr.is_valid(f"{stem}{d}")][:1]
        stem += 1
    return out


def test_a_file_over_chunk_and_batch_boundaries_is_counted_exactly(inbox, ingest, query):
    firms = _valid_cvrs(CHUNK_ROWS // len(YEARS) + 1_500)
    rows = [(c, str(y), "3", "1000", "200", "500", "6201", "DK01") for c in firms for y in YEARS]
    n = len(rows)
    assert n > CHUNK_ROWS > 2 * SCAN_BATCH_ROWS  # the file crosses both kinds of boundary
    # Row CHUNK_ROWS + 1 (the next chunk) repeats the key of row 1: row 1 loses.
    rows[CHUNK_ROWS] = rows[0]
    # The first row of the second scan batch has an invalid CVR.
    bad_row = SCAN_BATCH_ROWS + 1
    rows[bad_row - 1] = ("12345678", *rows[bad_row - 1][1:])
    frame = pl.DataFrame(
        rows,
        schema=["cvr", "year", "employees", "turnover_dkk", "gross_profit_dkk", "total_assets_dkk",
                "nace_code", "region"],
        orient="row",
    )
    inbox.write("firms/register.csv", frame.write_csv())

    outcome = ingest()["firms"].files[0]

    assert (outcome.status, outcome.rows_total, outcome.rows_rejected) == ("ingested", n, 2)
    assert query("SELECT count(*), count(DISTINCT row_number), sum(row_number) FROM raw.rows") == [
        (n, n, n * (n + 1) // 2)
    ]
    assert query(
        "SELECT row_number, reason FROM quality.rejected_rows ORDER BY row_number"
    ) == [(1, "duplicate_key_in_file"), (bad_row, "invalid_cvr")]
    # Rows on either side of a scan-batch boundary keep their own cells under their own number.
    assert query(
        "SELECT row_number, cells FROM raw.rows WHERE row_number IN ($a, $b, $c) ORDER BY row_number",
        {"a": bad_row - 1, "b": bad_row, "c": n},
    ) == [(bad_row - 1, list(rows[bad_row - 2])), (bad_row, list(rows[bad_row - 1])), (n, list(rows[-1]))]
    # Every other row is accepted under its own key (row 1 lost to row CHUNK_ROWS + 1).
    assert query("SELECT count(*) FROM staging.firms") == [(n - 2,)]
    assert query(
        "SELECT _row_number FROM staging.firms WHERE cvr = $cvr AND year = 2021", {"cvr": firms[0]}
    ) == [(CHUNK_ROWS + 1,)]
    last = rows[-1]
    assert query(
        "SELECT _row_number FROM staging.firms WHERE cvr = $cvr AND year = $year",
        {"cvr": last[0], "year": int(last[1])},
    ) == [(n,)]
