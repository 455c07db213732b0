"""The raw layer as it was until November 2026, kept as the test oracle of the layer that
replaced it: each delivered row as one JSON document (header -> cell), built per row in Polars.

This is the expression ``validation._check_rows`` used for ``raw.rows.record`` and
``quality.rejected_rows.raw`` (commit 005ac9b), unchanged.
"""

from __future__ import annotations

import polars as pl


def old_records(frame: pl.DataFrame) -> list[str]:
    """Each row of the all-text ``frame`` as the old raw layer's JSON text."""
    return (
        frame.lazy()
        .select(
            pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row_number"),
            pl.struct(pl.all()).struct.json_encode().alias("_raw") if frame.width else pl.lit("{}").alias("_raw"),
        )
        .collect()["_raw"]
        .to_list()
    )
