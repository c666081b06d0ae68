"""Run benchmarks: ``python -m benchmarks [demo] [import_jsonl] [ingest_http] [scores] [options]``.

Every suite measures devfunnel against a baseline in the same run (the raw append
ceiling of the same backend), so a slow machine shows up as a slow ceiling too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from typing import Any

from benchmarks import import_jsonl, ingest_http, scores
from benchmarks.common import write_results

SUITES = ("demo", "import_jsonl", "ingest_http", "scores")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "suites", nargs="*", default=list(SUITES), choices=SUITES, help="default: all"
    )
    parser.add_argument(
        "--sizes",
        default="2000,20000",
        help="accounts per demo size (default: the default size and 10x)",
    )
    parser.add_argument("--backends", default="duckdb,postgresql")
    parser.add_argument("--events", type=int, default=1_000_000, help="import_jsonl file size")
    parser.add_argument("--seconds", type=float, default=20.0, help="ingest_http run per backend")
    args = parser.parse_args()
    backends = args.backends.split(",")
    if "demo" in args.suites:
        rows = []
        for size in (int(s) for s in args.sizes.split(",")):
            for backend in backends:
                row = _in_child(
                    "benchmarks.demo_load", "--backend", backend, "--accounts", str(size)
                )
                rows.append(row)
                print(_line(row), flush=True)
        print(f"wrote {write_results('demo', rows)}")
    if "import_jsonl" in args.suites:
        rows = []
        for backend in backends:
            row = _in_child(
                "benchmarks.import_jsonl",
                "--json",
                "--backends",
                backend,
                "--events",
                str(args.events),
            )
            rows.append(row)
            print(import_jsonl.line(row), flush=True)
        print(f"wrote {write_results('import_jsonl', rows)}")
    if "ingest_http" in args.suites:
        rows = []
        for backend in backends:
            # The server and the load generator already run in their own processes.
            row = ingest_http.measure(backend, args.seconds, connections=32, batch_size=100)
            rows.append(row)
            print(ingest_http.describe(row), flush=True)
        print(f"wrote {write_results('ingest_http', rows)}")
    if "scores" in args.suites:
        rows = []
        for backend in backends:
            row = _in_child("benchmarks.scores", "--backend", backend, "--accounts", "2000")
            rows.append(row)
            print(scores.line(row), flush=True)
        print(f"wrote {write_results('scores', rows)}")


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
