"""``python -m demo --out DIR [--scale N] [--seed S]``: write the demo inbox and print a summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from demo.generator import write_demo_inbox


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("--out", default="data/inbox", help="folder to write (default data/inbox)")
    parser.add_argument("--scale", type=int, default=1, help="1 = demo size; 15 = national size")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = write_demo_inbox(Path(args.out), scale=args.scale, seed=args.seed)
    for dataset, entry in summary.items():
        files = ", ".join(entry["files"])
        print(f"{dataset:<20} {entry['rows']:>10,} rows ({entry['bad_rows']} planted bad)  {files}")
    print(f"written to {args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
