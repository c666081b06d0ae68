"""Run benchmarks: ``python -m benchmarks [demo] [--sizes 2000,20000] [--backends ...]``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from benchmarks.common import write_results


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("suites", nargs="*", default=["demo"], choices=["demo"])
    parser.add_argument(
        "--sizes",
        default="2000,20000",
        help="accounts per demo size (default: the default size and 10x)",
    )
    parser.add_argument("--backends", default="duckdb,postgresql")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = args.backends.split(",")
    if "demo" in args.suites:
        rows = []
        for size in sizes:
            for backend in backends:
                row = _in_child(
                    "benchmarks.demo_load", "--backend", backend, "--accounts", str(size)
                )
                rows.append(row)
                print(_line(row), flush=True)
        print(f"wrote {write_results('demo', rows)}")


def _in_child(module: str, *args: str) -> dict[str, Any]:
    """Run one measurement in its own process, so its peak memory is its own."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _line(row: dict[str, object]) -> str:
    return (
        f"demo {row['backend']:<10} {row['accounts']:>6} accounts: {row['events']:>10,} events, "
        f"{row['people']:>7,} people; load {row['load_seconds']} s "
        f"({row['events_per_second']:,} events/s), "
        f"generate only {row['generate_only_seconds']} s, "
        f"raw append ceiling {row['ceiling_seconds']} s, "
        f"load/ceiling {row['load_vs_ceiling']}x, peak RSS {row['peak_rss_mb']} MiB"
    )


if __name__ == "__main__":
    main()
