"""Benchmark: ingestion of `impact demo --scale N` (default national size) into a fresh warehouse.

Usage: .venv/bin/python bench/ingestion.py [--scale 15] [--seed 2025] [--repeat 3]
Prints rows per second and peak memory; the figures are kept in bench/README.md.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys

from _common import OUT, ensure_inbox, median, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    inbox = ensure_inbox(args.scale, args.seed)
    seconds, peaks, rows = [], [], 0
    for i in range(args.repeat):
        target = OUT / f"ingest_bench_{i}"
        shutil.rmtree(target, ignore_errors=True)
        m = timed([sys.executable, "bench/ingest_only.py", str(inbox), str(target / "w.duckdb")])
        rows = int(re.search(r"TOTAL_ROWS=(\d+)", m.stdout).group(1))
        seconds.append(m.seconds)
        peaks.append(m.peak_rss_mib)
        if i == 0:
            print(m.stdout)
        size = (target / "w.duckdb").stat().st_size / 2**20
        print(f"run {i + 1}: {m.seconds:.1f} s, peak {m.peak_rss_mib:.0f} MiB, warehouse {size:.0f} MiB", flush=True)
        shutil.rmtree(target, ignore_errors=True)
    t = median(seconds)
    print(f"\nscale {args.scale}: {rows:,} rows; median {t:.1f} s over {args.repeat} runs "
          f"= {rows / t:,.0f} rows/s; peak memory (max) {max(peaks):.0f} MiB")


if __name__ == "__main__":
    main()
