"""Every figure of the performance issue in one command: the nightly run at national scale against
the DuckDB floor, a small delivery, memory at 1x and 4x national, the warehouse's size, the report.

Usage: .venv/bin/python bench/nightly.py [--scale 15] [--repeat 3] [--big-scale 60] [--as-of 2028-12-31]

For each repetition, on a private copy of the inbox (hard links, so the national files are not
copied): the floor (DuckDB alone loads every file, bench/floor.py), a cold `impact run` on an empty
warehouse, a re-run with no new files, then one new 500-row participation file
(:func:`small_delivery`) and the run that takes it. Then, once, a cold run at ``--big-scale`` (4x
national by default; its inbox is generated once, and how long that took is printed) for the
peak memory there, and the fixed cost (cold runs on the scale-1 inbox). Prints medians, the
ratios the issue sets, and the table for bench/README.md.

Peak memory is the largest resident set of the run's process (GNU time's "Maximum resident set
size"). The warehouse's size is the published file after the cold run and after the small
delivery, beside the floor's database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from _common import OUT, ROOT, ensure_inbox, median, timed

SMALL_DELIVERY_ROWS = 500
# A file must be left unchanged this long before a run takes it; the new delivery is taken at once.
RUN_ENV = {"IMPACT_INBOX_SETTLE_SECONDS": "0"}


def report_open_seconds(report: Path) -> tuple[float, float] | None:
    """(the page's load event, the whole chromium process), seconds, best of three each.

    Both go through the browser test's own helpers (``tests/report/browser.py``: the same
    chromium and flags). The page's figure is what ``tests/report/test_browser.py`` holds under
    3 s: parsing, plotly.js and the first screen's figures, up to the load event, timed inside the
    page. The process's figure adds chromium's own start and shutdown, and writing a screenshot:
    what someone opening the file from a shell waits."""
    sys.path.insert(0, str(ROOT))
    from tests.report import browser

    if browser.browser() is None:
        return None
    page, process = [], []
    for _ in range(3):
        with tempfile.TemporaryDirectory() as work:
            page.append(browser.open_time(report, Path(work))["load_ms"] / 1000)
            start = time.perf_counter()
            browser.run([f"--screenshot={work}/shot.png", "--window-size=1280,900", report.resolve().as_uri()],
                        Path(work), timeout=120)
            process.append(time.perf_counter() - start)
    return min(page), min(process)


def run_command(inbox: Path, work: Path, as_of: str) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "run", "--inbox", str(inbox), "--warehouse",
            str(work / "warehouse.duckdb"), "--reports", str(work / "reports"), "--as-of", as_of]


def linked_copy(inbox: Path, to: Path) -> Path:
    """A private inbox with the same files (hard links): a run may add files to it."""
    shutil.rmtree(to, ignore_errors=True)
    for path in inbox.rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            target = to / path.relative_to(inbox)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.link(path, target)
    return to


def small_delivery(inbox: Path, rows: int = SMALL_DELIVERY_ROWS, name: str = "deltagelse_bench_ny_levering.csv",
                   stride: int = 7919) -> Path:
    """One new participation file of ``rows`` rows, new (activity, firm) pairs: each row takes an
    activity and its date from one delivered row and a firm from another (``stride`` apart),
    skipping pairs that were delivered already, in the newest delivered CSV or in an earlier
    bench delivery. Written in the delivered CSV's own header and encoding."""
    folder = inbox / "participation"
    bench_files = sorted(folder.glob("deltagelse_bench_*.csv"))
    source = [p for p in sorted(folder.glob("*.csv")) if p not in bench_files][-1]
    delivered = pl.read_csv(source, infer_schema=False)
    activity, cvr, date = delivered.columns[:3]
    known = set()
    for frame in (delivered, *(pl.read_csv(p, infer_schema=False) for p in bench_files)):
        known |= set(zip(frame[activity].str.strip_chars(), frame[cvr].str.strip_chars(), strict=True))
    n, picked, seen = delivered.height, [], set()
    for i in range(n):
        a_row, f_row = delivered.row(i), delivered.row((i * stride + 13) % n)
        pair = (a_row[0].strip(), f_row[1].strip())
        if pair in known or pair in seen:
            continue
        seen.add(pair)
        picked.append((a_row[0], f_row[1], a_row[2], *f_row[3:]))
        if len(picked) == rows:
            break
    target = folder / name
    pl.DataFrame(picked, schema=delivered.columns, orient="row").write_csv(target)
    return target


def mib(path: Path) -> float:
    return path.stat().st_size / 2**20 if path.exists() else float("nan")


def big_scale_peak(scale: int, seed: int, as_of: str) -> tuple[float, float, float, float]:
    """The floor and one cold run on the ``scale`` inbox: (floor s, cold s, peak MiB, warehouse MiB)."""
    inbox = ensure_inbox(scale, seed)
    work = OUT / f"big_{scale}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    floor = timed([sys.executable, "bench/floor.py", str(inbox), str(work / "floor.duckdb")])
    cold = timed(run_command(inbox, work, as_of), RUN_ENV)
    size = mib(work / "warehouse.duckdb")
    print(f"scale {scale}: floor {floor.seconds:.1f} s, cold run {cold.seconds:.1f} s, peak "
          f"{cold.peak_rss_mib:.0f} MiB, warehouse {size:.0f} MiB", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return floor.seconds, cold.seconds, cold.peak_rss_mib, size


def fixed_cost_seconds(repeat: int, seed: int, as_of: str) -> float:
    """Median cold run on the demo-size inbox (scale 1): an upper bound of the run's fixed cost."""
    inbox = ensure_inbox(1, seed)
    seconds = []
    for i in range(repeat):
        work = OUT / f"fixed_{i}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        seconds.append(timed(run_command(inbox, work, as_of), RUN_ENV).seconds)
    print(f"fixed cost (cold runs on the scale-1 inbox): {', '.join(f'{s:.1f}' for s in seconds)} s", flush=True)
    return median(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-scale", type=int, default=60, help="0 skips the 4x national run")
    parser.add_argument("--as-of", default="2028-12-31")
    args = parser.parse_args()
    national = ensure_inbox(args.scale, args.seed)
    m = {k: [] for k in ("floor", "cold", "rerun", "small", "cold_cpu", "rerun_cpu", "small_cpu", "peak", "rerun_peak", "small_peak",
                         "size", "size_small", "size_small2", "small2", "floor_size", "delivery", "delivery2")}
    report = None
    for i in range(args.repeat):
        work = OUT / f"nightly_{i}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        inbox = linked_copy(national, work / "inbox")
        floor = timed([sys.executable, "bench/floor.py", str(inbox), str(work / "floor.duckdb")])
        run = run_command(inbox, work, args.as_of)
        cold = timed(run, RUN_ENV)
        size = mib(work / "warehouse.duckdb")
        rerun = timed(run, RUN_ENV)
        delivered = small_delivery(inbox)
        small = timed(run, RUN_ENV)
        m["size_small"].append(mib(work / "warehouse.duckdb"))
        # A second small delivery: the free blocks the first left behind are used again.
        delivered2 = small_delivery(inbox, name="deltagelse_bench_ny_levering_2.csv", stride=104729)
        m["small2"].append(timed(run, RUN_ENV).seconds)
        m["size_small2"].append(mib(work / "warehouse.duckdb"))
        m["delivery2"].append(mib(delivered2))
        m["floor"].append(floor.seconds)
        m["cold"].append(cold.seconds)
        m["rerun"].append(rerun.seconds)
        m["small"].append(small.seconds)
        m["cold_cpu"].append(cold.cpu_seconds)
        m["rerun_cpu"].append(rerun.cpu_seconds)
        m["small_cpu"].append(small.cpu_seconds)
        m["peak"].append(cold.peak_rss_mib)
        m["rerun_peak"].append(rerun.peak_rss_mib)
        m["small_peak"].append(small.peak_rss_mib)
        m["size"].append(size)
        m["floor_size"].append(mib(work / "floor.duckdb"))
        m["delivery"].append(mib(delivered))
        print(f"rep {i + 1}: floor {floor.seconds:.1f} s | cold {cold.seconds:.1f} s, {cold.cpu_seconds:.1f} s CPU (peak "
              f"{cold.peak_rss_mib:.0f} MiB) | re-run {rerun.seconds:.1f} s, {rerun.cpu_seconds:.1f} s CPU | "
              f"small delivery {small.seconds:.1f} s, {small.cpu_seconds:.1f} s CPU (peak {small.peak_rss_mib:.0f} MiB) | warehouse {size:.0f} -> "
              f"{m['size_small'][-1]:.1f} -> {m['size_small2'][-1]:.1f} MiB (second delivery {m['small2'][-1]:.1f} s), floor db {m['floor_size'][-1]:.0f} MiB", flush=True)
        report = work / "reports" / "impact_report.html"
    big = big_scale_peak(args.big_scale, args.seed, args.as_of) if args.big_scale else None
    fixed = fixed_cost_seconds(args.repeat, args.seed, args.as_of)
    med = {k: median(v) for k, v in m.items()}
    f, c = med["floor"], med["cold"]
    rows = [
        ("floor (DuckDB loads the files)", f"{f:.1f} s", ""),
        ("cold `impact run` (empty warehouse)", f"{c:.1f} s = **{c / f:.1f} x floor**", "<= 4 x (then 3 x)"),
        ("cold run, CPU seconds (user + system)", f"{med['cold_cpu']:.1f} s", ""),
        ("re-run, no new files", f"{med['rerun']:.1f} s = **{med['rerun'] / c:.0%} of cold** "
         f"(CPU {med['rerun_cpu']:.1f} s = {med['rerun_cpu'] / med['cold_cpu']:.0%})", "<= 20 %"),
        (f"one new {SMALL_DELIVERY_ROWS}-row participation file after a cold run",
         f"{med['small']:.1f} s = **{med['small'] / c:.0%} of cold** "
         f"(CPU {med['small_cpu']:.1f} s = {med['small_cpu'] / med['cold_cpu']:.0%})", "<= 20 %"),
        (f"peak memory, scale {args.scale} (cold; re-run; small delivery)",
         f"{med['peak']:,.0f}; {med['rerun_peak']:,.0f}; {med['small_peak']:,.0f} MiB", "< 2,048 MiB"),
    ]
    if big:
        rows.append((f"peak memory, scale {args.big_scale} (one cold run: {big[1]:.0f} s; floor "
                      f"{big[0]:.0f} s)", f"{big[2]:,.0f} MiB", "< 2,048 MiB"))
    rows += [
        ("warehouse after the cold run / the floor's database",
         f"{med['size']:.0f} / {med['floor_size']:.0f} MiB = **{med['size'] / med['floor_size']:.1f} x**", "<= 2 x"),
        ("warehouse growth for the small delivery (the file itself)",
         f"{med['size_small'] - med['size']:+.1f} MiB ({med['delivery'] * 1024:.0f} KiB)", "<= the file's size"),
        ("growth for a second small delivery (steady state; the file itself)",
         f"{med['size_small2'] - med['size_small']:+.2f} MiB ({med['delivery2'] * 1024:.0f} KiB)", "<= the file's size"),
        ("fixed cost: cold run on the scale-1 inbox", f"{fixed:.1f} s = {fixed / f:.1f} x floor", ""),
    ]
    if report and report.exists():
        opened = report_open_seconds(report)
        rows.append(("report size", f"{report.stat().st_size / 1e6:.2f} MB", "< 8 MB"))
        rows.append(("report opens in headless chromium: the page's load event (first screen drawn); "
                     "the whole process (chromium's start, a screenshot)",
                     f"{opened[0]:.2f} s; {opened[1]:.2f} s" if opened else "chromium not installed",
                     "< 3 s (the page)"))
    print(f"\n{dt.date.today()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"medians over {args.repeat} repetitions\n")
    print("| measure | result | target |\n|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
