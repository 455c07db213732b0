"""The daytime case under the real daemon: a small delivery lands, the inbox sensor launches a run.
Warm worker (the shipped run launcher) against cold runs (``warm: false``: a new process per run,
as Dagster's own launcher starts them).

Usage: .venv/bin/python bench/daemon_runs.py [--scale 15] [--deliveries 2] [--as-of 2028-12-31] [--paired]

For each route, on a private copy of the national inbox: a cold ``impact run`` builds the
warehouse; then ``dagster-daemon`` runs with the route's instance, and ``--deliveries`` small
participation files (bench/nightly.py's :func:`small_delivery`) are dropped one after another, each
once the previous run has ended. A run's time is from its launch to its end (Dagster's run stats),
so the sensor's tick interval is left out. The first delivery's run of the warm route includes
starting the worker; the later ones are what a day of deliveries costs.

``--paired`` measures the issue's ratio in pairs, for a machine whose speed moves within the hour:
the warm route only, and right after each delivery's run a cold national ``impact run`` on an
empty warehouse of its own (:func:`cold_reference`); each delivery is divided by its own pair's
cold run, and the median of those shares is printed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
from _common import OUT, ROOT, ensure_inbox, median, timed
from nightly import RUN_ENV, linked_copy, run_command, small_delivery

BIN = Path(sys.executable).parent
LAUNCHER = "run_launcher:\n  module: pipelines.launcher\n  class: WarmRunLauncher\n  config:\n    warm: {warm}\n"


def _home(work: Path, warm: bool) -> Path:
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    shipped = (ROOT / "deploy" / "dagster.yaml").read_text()
    start = shipped.index("run_launcher:")
    end = shipped.index("\n\n", start)
    (home / "dagster.yaml").write_text(shipped[:start] + LAUNCHER.format(warm=str(warm).lower()) + shipped[end:])
    with dg.DagsterInstance.from_config(str(home)):
        pass  # its storage, before the daemon starts
    return home


def _wait_for_run(home: Path, known: set[str], timeout: float = 900) -> dg.DagsterRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            for run in instance.get_runs():
                if run.run_id not in known and run.is_finished:
                    return run
        time.sleep(2)
    raise SystemExit("no run ended in time")


def pair_inbox(national: Path) -> Path:
    """A real copy of the national inbox for the pairs' cold runs, made once, before the route.

    Not hard links: a new link to a file (and its removal) changes the file's change time, which
    the daemon's planner reads, so every delivery's run would have re-planned every dataset."""
    inbox = OUT / "daemon_pair_inbox"
    shutil.rmtree(inbox, ignore_errors=True)
    shutil.rmtree(OUT / "daemon_pair_cold", ignore_errors=True)  # an interrupted run's links, too
    shutil.copytree(national, inbox, ignore=shutil.ignore_patterns(".*"))
    return inbox


def cold_reference(inbox: Path, as_of: str) -> float:
    """Seconds of a cold national ``impact run``: an empty warehouse and an instance of its own
    (not the daemon's), on :func:`pair_inbox`."""
    work = OUT / "daemon_pair_cold"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    return timed(run_command(inbox, work, as_of), {**RUN_ENV, "DAGSTER_HOME": str(work / "dagster_home")}).seconds


def route(
    national: Path, warm: bool, deliveries: int, as_of: str, pairs: Path | None = None
) -> tuple[float, list[tuple[float, str, str, float]]]:
    """(the cold ``impact run`` that builds the warehouse, seconds; each delivery's run: seconds
    from launch to end, status, how it was started, and with ``pairs`` (:func:`pair_inbox`) the
    cold reference run made right after it, seconds (else nan))."""
    work = OUT / f"daemon_{'warm' if warm else 'cold'}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    inbox = linked_copy(national, work / "inbox")
    env = {
        **os.environ, **RUN_ENV,
        "IMPACT_INBOX": str(inbox), "IMPACT_WAREHOUSE": str(work / "warehouse.duckdb"),
        "IMPACT_REPORTS": str(work / "reports"), "IMPACT_AS_OF": as_of,
        "IMPACT_SENSOR_SETTLED_AFTER_SECONDS": "0", "IMPACT_NIGHTLY_CRON": "0 3 1 1 *",
    }
    home = _home(work, warm)
    env["DAGSTER_HOME"] = str(home)
    os.environ.update({k: env[k] for k in ("DAGSTER_HOME",)})
    cold = timed(run_command(inbox, work, as_of), {k: env[k] for k in env if k.startswith(("IMPACT", "DAGSTER"))})
    print(f"{'warm' if warm else 'cold'} route: the cold national `impact run` took {cold.seconds:.1f} s", flush=True)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        known = {r.run_id for r in instance.get_runs()}
    log = (work / "daemon.log").open("wb")
    daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-m", "pipelines.definitions"], cwd=ROOT,
                              env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    results = []
    try:
        for i in range(deliveries):
            small_delivery(inbox, name=f"deltagelse_bench_ny_levering_{i + 1}.csv", stride=7919 + 96_000 * i)
            run = _wait_for_run(home, known)
            known.add(run.run_id)
            with dg.DagsterInstance.from_config(str(home)) as instance:
                stats = instance.get_run_stats(run.run_id)
            seconds = (stats.end_time or 0) - (stats.launch_time or stats.start_time or 0)
            reference = cold_reference(pairs, as_of) if pairs else float("nan")
            results.append((seconds, run.status.value, run.tags.get("impact/worker", "?"), reference))
            print(f"{'warm' if warm else 'cold'} delivery {i + 1}: {seconds:.1f} s from launch to end, "
                  f"{run.status.value}, started {run.tags.get('impact/worker')}, ran {run.tags.get('impact/ran')}"
                  + (f"; its pair's cold national run {reference:.1f} s = {seconds / reference:.0%}" if pairs else ""),
                  flush=True)
    finally:
        os.killpg(daemon.pid, signal.SIGTERM)
        daemon.wait(60)
        log.close()
    return cold.seconds, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=15)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--deliveries", type=int, default=2)
    parser.add_argument("--as-of", default="2028-12-31")
    parser.add_argument("--paired", action="store_true", help="warm route only, each delivery with its own cold run")
    args = parser.parse_args()
    national = ensure_inbox(args.scale, args.seed)
    if args.paired:
        paired(national, args.deliveries, args.as_of)
        return
    measured = {warm: route(national, warm, args.deliveries, args.as_of) for warm in (False, True)}
    print("\n| small delivery through the daemon | cold (new process) | warm worker |")
    print("|---|---|---|")
    for i in range(args.deliveries):
        print(f"| delivery {i + 1} | {measured[False][1][i][0]:.1f} s | {measured[True][1][i][0]:.1f} s |")
    later = [
        median([s for s, *_ in measured[w][1][1:]]) if args.deliveries > 1 else float("nan")
        for w in (False, True)
    ]
    print(f"| later deliveries (median) | {later[0]:.1f} s | {later[1]:.1f} s |")
    # The yardstick of the target: a cold national run, here the two `impact run`s that
    # built the routes' warehouses (same hour, same machine).
    cold = median([measured[False][0], measured[True][0]])
    print(f"| share of a cold national `impact run` ({cold:.1f} s) | {later[0] / cold:.0%} | "
          f"**{later[1] / cold:.0%}** |")


def paired(national: Path, deliveries: int, as_of: str) -> None:
    _, results = route(national, True, deliveries, as_of, pairs=pair_inbox(national))
    print("\n| delivery (warm worker) | its run | the cold national run right after it | share |")
    print("|---|---|---|---|")
    for i, (seconds, _, _, reference) in enumerate(results):
        print(f"| {i + 1}{' (starts the worker)' if i == 0 else ''} | {seconds:.1f} s | {reference:.1f} s | "
              f"{seconds / reference:.0%} |")
    later = [seconds / reference for seconds, _, _, reference in results[1:]]
    if later:
        print(f"| later deliveries, median of the pairs' shares | | | **{median(later):.0%}** "
              f"({min(later):.0%}-{max(later):.0%}) |")


if __name__ == "__main__":
    main()
