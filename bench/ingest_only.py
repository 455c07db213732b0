"""Ingest an inbox into a fresh warehouse without the rest of the pipeline (for bench/ingestion.py)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from assets.ingestion.loader import ingest_dataset
from pipelines.core.contract import INGESTION_ORDER
from pipelines.core.warehouse import connect_writer


def main(inbox: Path, warehouse: Path) -> None:
    rows = 0
    start = time.perf_counter()
    with connect_writer(warehouse) as con:
        for dataset in INGESTION_ORDER:
            t0 = time.perf_counter()
            outcome = ingest_dataset(con, inbox, dataset, "bench")
            total = sum(f.rows_total for f in outcome.files)
            rows += total
            print(f"{dataset:<20} {total:>10,} rows {time.perf_counter() - t0:7.2f} s", flush=True)
    print(f"TOTAL_ROWS={rows} SECONDS={time.perf_counter() - start:.3f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
