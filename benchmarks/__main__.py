"""Run benchmarks: ``python -m benchmarks [SUITE ...] [options]``.

With no arguments (``make bench``) every suite runs at its full size on both backends and
``benchmarks/results/<suite>.json`` is rewritten. Any part can be run alone, for example

    python -m benchmarks demo --accounts 20000 --backend duckdb
    python -m benchmarks demo --scale 1,10
    python -m benchmarks import_jsonl --backend postgresql --events 200000

A partial run replaces only the rows it measured (same suite, backend and size) and keeps
the others, each row carrying when and under what machine load it was measured.

Every suite measures devfunnel against a baseline in the same run (the raw append
ceiling of the same backend), so a slow or busy machine shows up as a slow ceiling too.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks import import_jsonl, ingest_http, pages, scores
from benchmarks.common import RESULTS, write_results

SUITES = ("demo", "import_jsonl", "ingest_http", "scores", "pages")
BACKENDS = ("duckdb", "postgresql")
#: The demo's default size; ``--scale`` multiplies it.
DEFAULT_ACCOUNTS = 2000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Results go to benchmarks/results/<suite>.json unless --results says otherwise.",
    )
    # Checked below, not with `choices`: argparse compares a list default with the choices
    # as one value and refuses it, which made a bare `python -m benchmarks` fail.
    parser.add_argument(
        "suites", nargs="*", metavar="SUITE", help=f"{', '.join(SUITES)} (default: all)"
    )
    parser.add_argument(
        "--backend",
        "--backends",
        dest="backends",
        default=",".join(BACKENDS),
        help="duckdb, postgresql or both, comma-separated (default: both)",
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--accounts",
        "--sizes",
        dest="accounts",
        help=f"demo sizes in accounts, comma-separated (default: {DEFAULT_ACCOUNTS} and 10x)",
    )
    size.add_argument(
        "--scale",
        help=f"demo sizes as multiples of the default {DEFAULT_ACCOUNTS} accounts, e.g. 1,10",
    )
    parser.add_argument(
        "--events", type=int, default=1_000_000, help="import_jsonl file size (default 1M)"
    )
    parser.add_argument(
        "--repeat", type=int, default=2, help="import_jsonl: best of N runs (default 2)"
    )
    parser.add_argument(
        "--seconds", type=float, default=20.0, help="ingest_http run per backend (default 20)"
    )
    parser.add_argument(
        "--results",
        type=Path,
        default=RESULTS,
        help="folder for the results files (default benchmarks/results)",
    )
    args = parser.parse_args(argv)
    args.suites = args.suites or list(SUITES)
    if any(s not in SUITES for s in args.suites):
        parser.error(f"unknown suite in {' '.join(args.suites)}; use {', '.join(SUITES)}")
    args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = [b for b in args.backends if b not in BACKENDS]
    if unknown:
        parser.error(f"unknown backend {', '.join(unknown)}; use {' or '.join(BACKENDS)}")
    try:
        if args.scale:
            args.sizes = [round(DEFAULT_ACCOUNTS * float(s)) for s in args.scale.split(",")]
        elif args.accounts:
            args.sizes = [int(s) for s in args.accounts.split(",")]
        else:
            args.sizes = [DEFAULT_ACCOUNTS, 10 * DEFAULT_ACCOUNTS]
    except ValueError:
        parser.error("--accounts takes whole numbers and --scale numbers, comma-separated")
    if any(s < 1 for s in args.sizes):
        parser.error("a demo size must be at least one account")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if "demo" in args.suites:
        rows = []
        for size in args.sizes:
            for backend in args.backends:
                row = _in_child(
                    "benchmarks.demo_load", "--backend", backend, "--accounts", str(size)
                )
                rows.append(row)
                print(_line(row), flush=True)
        path = write_results("demo", rows, ("backend", "accounts"), folder=args.results)
        print(f"wrote {path}")
    if "import_jsonl" in args.suites:
        rows = []
        for backend in args.backends:
            row = _in_child(
                "benchmarks.import_jsonl",
                "--json",
                "--backends",
                backend,
                "--events",
                str(args.events),
                "--repeat",
                str(args.repeat),
            )
            rows.append(row)
            print(import_jsonl.line(row), flush=True)
        path = write_results("import_jsonl", rows, ("backend", "events"), folder=args.results)
        print(f"wrote {path}")
    if "ingest_http" in args.suites:
        rows = []
        for backend in args.backends:
            # The server and the load generator already run in their own processes.
            row = ingest_http.measure(backend, args.seconds, connections=32, batch_size=100)
            rows.append(row)
            print(ingest_http.describe(row), flush=True)
        path = write_results("ingest_http", rows, ("backend",), folder=args.results)
        print(f"wrote {path}")
    if "scores" in args.suites:
        rows = []
        for backend in args.backends:
            row = _in_child("benchmarks.scores", "--backend", backend, "--accounts", "2000")
            rows.append(row)
            print(scores.line(row), flush=True)
        path = write_results("scores", rows, ("backend",), folder=args.results)
        print(f"wrote {path}")
    if "pages" in args.suites:
        rows = []
        for backend in args.backends:
            row = _in_child(
                "benchmarks.pages", "--backend", backend, "--accounts", str(DEFAULT_ACCOUNTS)
            )
            rows.append(row)
            print(pages.line(row), flush=True)
        path = write_results("pages", rows, ("backend", "accounts"), folder=args.results)
        print(f"wrote {path}")


def _in_child(module: str, *args: str) -> dict[str, Any]:
    """Run one measurement in its own process, so its peak memory is its own."""
    done = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True)
    if done.returncode:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{module} {' '.join(args)} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _line(row: dict[str, Any]) -> str:
    return (
        f"demo {row['backend']:<10} {row['accounts']:>6} accounts: {row['events']:>10,} events, "
        f"{row['people']:>7,} people; load {row['load_seconds']} s "
        f"({row['events_per_second']:,} events/s), "
        f"generate only {row['generate_only_seconds']} s, "
        f"raw append ceiling {row['ceiling_seconds']} s, "
        f"load/ceiling {row['load_vs_ceiling']}x, peak RSS {row['peak_rss_mb']} MiB "
        f"(after events {row['peak_rss_mb_by_phase']['generate_and_append']}, "
        f"resolve {row['peak_rss_mb_by_phase']['resolve']}, "
        f"records {row['peak_rss_mb_by_phase']['records']}; each chunk worker "
        f"{row.get('worker_peak_rss_mb')}), load average {row['load_average']}"
    )


if __name__ == "__main__":
    main()
