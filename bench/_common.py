"""Shared helpers for the benchmarks: run a command under /usr/bin/time -v, parse, summarise."""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float
    stdout: str
    cpu_seconds: float = float("nan")  # user + system: less moved than wall time on a shared machine


def timed(command: list[str], env: dict[str, str] | None = None) -> Measured:
    """Wall time and peak resident memory of ``command`` (GNU time when available)."""
    gnu_time = Path("/usr/bin/time")
    full = [str(gnu_time), "-v", *command] if gnu_time.exists() else command
    start = time.perf_counter()
    done = subprocess.run(
        full, cwd=ROOT, capture_output=True, text=True, env=dict(os.environ, **(env or {}))
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"benchmark command failed ({done.returncode}): {' '.join(command)}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    peak = int(match.group(1)) / 1024 if match else float("nan")
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr))
    return Measured(seconds, peak, done.stdout, cpu if match else float("nan"))


def ensure_inbox(scale: int, seed: int) -> Path:
    inbox = OUT / f"inbox_scale{scale}_seed{seed}"
    marker = inbox / ".complete"
    if not marker.exists():
        print(f"generating the demo inbox at scale {scale} -> {inbox}", flush=True)
        m = timed([sys.executable, "-m", "pipelines.cli", "demo", "--out", str(inbox),
                   "--scale", str(scale), "--seed", str(seed)])
        print(f"  generated in {m.seconds:.1f} s, peak {m.peak_rss_mib:.0f} MiB", flush=True)
        marker.write_text("ok")
    return inbox


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
