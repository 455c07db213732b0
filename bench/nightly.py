"""Benchmark the whole nightly run at national scale against the DuckDB floor.

Usage: .venv/bin/python bench/nightly.py [--scale 15] [--repeat 3] [--as-of 2028-12-31]

For each repetition: the floor (DuckDB alone loads every file, bench/floor.py), then a cold
`impact run` on an empty warehouse, then a re-run with no new files. Prints medians and the ratios
the performance issue sets (cold <= 3x floor, re-run <= 20 % of cold, peak < 2 GiB, report < 8 MB
and opens in headless chromium in < 3 s).

It also bounds the run's fixed cost from above: a cold run on the demo-size inbox (scale 1, 1/15 of
the national rows) pays everything that does not grow with the data (start-up, Dagster's steps,
GX's import and per-suite work, the report) plus a fifteenth of the data work; it is compared with
the national floor.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import OUT, ensure_inbox, median, timed


def chromium_open_seconds(report: Path) -> float | None:
    chromium = shutil.which("chromium")
    if not chromium:
        return None
    with tempfile.TemporaryDirectory() as profile:
        start = time.perf_counter()
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             f"--screenshot={profile}/shot.png", "--window-size=1280,900", report.resolve().as_uri()],
            capture_output=True, timeout=120,
        )
        return time.perf_counter() - start


def cold_run_command(inbox: Path, work: Path, as_of: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--warehouse",
            str(work / "warehouse.duckdb"), "--reports", str(work / "reports"), "--as-of", as_of]


def fixed_cost_seconds(repeat: int, seed: int, as_of: str) -> float:
    """Median cold run on the demo-size inbox (scale 1): an upper bound of the run's fixed cost."""
    inbox = ensure_inbox(1, seed)
    seconds = []
    for i in range(repeat):
        work = OUT / f"fixed_{i}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        seconds.append(timed(cold_run_command(inbox, work, as_of)).seconds)
    print(f"fixed cost (cold runs on the scale-1 inbox): {', '.join(f'{s:.1f}' for s in seconds)} s", flush=True)
    return median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--as-of", default="2028-12-31")
    args = parser.parse_args()
    inbox = ensure_inbox(args.scale, args.seed)
    floors, colds, reruns, peaks = [], [], [], []
    report = None
    for i in range(args.repeat):
        work = OUT / f"nightly_{i}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        floor = timed([sys.executable, "bench/floor.py", str(inbox), str(work / "floor.duckdb")])
        run = cold_run_command(inbox, work, args.as_of)
        cold = timed(run)
        rerun = timed(run)
        floors.append(floor.seconds)
        colds.append(cold.seconds)
        reruns.append(rerun.seconds)
        peaks += [cold.peak_rss_mib, rerun.peak_rss_mib]
        print(f"rep {i + 1}: floor {floor.seconds:.1f} s | cold run {cold.seconds:.1f} s "
              f"(peak {cold.peak_rss_mib:.0f} MiB) | re-run {rerun.seconds:.1f} s "
              f"(peak {rerun.peak_rss_mib:.0f} MiB)", flush=True)
        report = work / "reports" / "impact_report.html"
    fixed = fixed_cost_seconds(args.repeat, args.seed, args.as_of)
    f, c, r = median(floors), median(colds), median(reruns)
    print(f"\nmedians over {args.repeat}: floor {f:.1f} s, cold {c:.1f} s, re-run {r:.1f} s")
    print(f"cold / floor = {c / f:.2f} (target <= 3.00)")
    print(f"re-run / cold = {r / c:.1%} (target <= 20 %)")
    print(f"peak memory = {max(peaks):.0f} MiB (target < 2048 MiB)")
    print(f"fixed cost: a cold run on the scale-1 inbox takes {fixed:.1f} s = {fixed / f:.2f} x the "
          "national floor (what does not shrink with the data)")
    if report and report.exists():
        print(f"report size = {report.stat().st_size / 1e6:.2f} MB (target < 8 MB)")
        opened = chromium_open_seconds(report)
        print("chromium open+screenshot = " + (f"{opened:.2f} s (target < 3 s)" if opened else "chromium not installed"))


if __name__ == "__main__":
    main()
