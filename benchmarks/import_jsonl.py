"""Bulk import of Segment JSON Lines (``devfunnel import events``), on both backends.

One generated file (deterministic: 80% track, 10% identify with an email trait, 10% page,
each with properties and context) is imported into a fresh database the way the CLI does
it. Two baselines come from the same run and the same events: the *ceiling*, writing
them through the store in-process the way the import stores them (``prepare`` and
``append_events`` of a fresh file's chunks, one after the other, from Arrow tables already
in memory), and *parse only*, reading the file into Arrow. ``import/ceiling`` is the
import's time over the ceiling's: above 1, reading the file costs on top of storing it;
below 1, the import's overlap of reading, preparing and storing (on two cores) beats
doing the same steps one after the other. Each also records its CPU time (all threads
of this process; a PostgreSQL server's work is not in it): on a machine shared with other
work the wall times measure the neighbours too, the CPU times much less so.

    python -m benchmarks.import_jsonl [--events 1000000] [--backends duckdb,postgresql]
                                      [--repeat 2]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from benchmarks.common import Timer, fresh_database, load_average, peak_rss_mb, write_results
from devfunnel.config import load_settings
from devfunnel.ingest.append import append_events
from devfunnel.ingest.files.events import CHUNK_ROWS, read_batches
from devfunnel.ingest.files.load import import_file
from devfunnel.ingest.prepare import as_checked_json, prepare
from devfunnel.store import Store, migrate

TARGET_EVENTS_PER_SECOND = 300_000


def generate(path: Path, events: int) -> None:
    """Write ``events`` Segment messages, one a line (DuckDB writes JSON Lines fast)."""
    with duckdb.connect(":memory:") as con:
        con.execute(
            f"""
            COPY (
              SELECT 'm-' || i AS messageId,
                CASE WHEN i % 10 < 8 THEN 'track' WHEN i % 10 = 8 THEN 'identify'
                     ELSE 'page' END AS type,
                CASE WHEN i % 10 < 8 THEN ['API Call', 'Docs Viewed', 'Signed Up',
                     'SDK Installed', 'Project Created'][i % 5 + 1] END AS event,
                CASE WHEN i % 10 = 9 THEN 'Pricing' END AS name,
                CASE WHEN i % 10 < 9 THEN 'user-' || (i * 7919 % 50000) END AS userId,
                CASE WHEN i % 10 = 9 THEN 'anon-' || (i * 104729 % 90000) END AS anonymousId,
                strftime(TIMESTAMP '2026-01-01' + to_seconds(i * 7), '%Y-%m-%dT%H:%M:%SZ')
                  AS "timestamp",
                CASE WHEN i % 10 <> 8 THEN {{'plan': 'pro', 'path': '/docs/' || (i % 300),
                     'count': i % 17}} END AS properties,
                CASE WHEN i % 10 = 8 THEN {{'email': 'user-' || (i * 7919 % 50000)
                     || '@example' || (i % 900) || '.com', 'name': 'Dev ' || i}} END AS traits,
                {{'library': {{'name': 'analytics-python', 'version': '2.3.0'}},
                  'ip': '10.0.0.1'}} AS context
              FROM range({int(events)}) t(i)
            ) TO '{path}' (FORMAT json)
            """
        )


def measure(
    backend: str, path: Path, events: int, workdir: Path, repeat: int = 1
) -> dict[str, Any]:
    """Import and ceiling, alternated ``repeat`` times; the best of each is kept, since on
    a shared machine the slower runs measure the neighbours, not devfunnel."""
    settings = load_settings(environ={})
    row: dict[str, Any] = {"backend": backend, "events": events, "chunk_rows": CHUNK_ROWS}
    load_at_start = load_average()
    with duckdb.connect(":memory:") as parser:
        parser.execute("SET TimeZone = 'UTC'")
        timer = Timer()
        chunks = [
            pa.Table.from_batches([b]).drop_columns(["__problem"])
            for b in read_batches(parser, path, CHUNK_ROWS)
        ]
        row["parse_only_seconds"] = round(timer.seconds, 2)
    imports: list[float] = []
    ceilings: list[float] = []
    import_cpu: list[float] = []
    ceiling_cpu: list[float] = []

    def run_import() -> None:
        with fresh_database(backend, workdir) as url, Store(url) as store:
            migrate.upgrade(store)
            timer, cpu = Timer(), time.process_time()
            report = import_file(store, settings, "events", path)
            imports.append(timer.seconds)
            import_cpu.append(time.process_time() - cpu)
            if report.created != events or report.rejects:
                raise RuntimeError(f"the import did not load every event: {report}")

    def run_ceiling() -> None:
        with fresh_database(backend, workdir) as url, Store(url) as store:
            migrate.upgrade(store)
            timer, cpu = Timer(), time.process_time()
            for chunk in chunks:
                # The same preparation the import does, one chunk after the other.
                prepared = prepare(
                    chunk, source="ceiling", correct_clock_skew=False, read_traits=False
                )
                prepared.rows = as_checked_json(prepared.rows)
                append_events(store, prepared, source="ceiling", known_new=True)
            ceilings.append(timer.seconds)
            ceiling_cpu.append(time.process_time() - cpu)

    for n in range(repeat):
        # Alternate which goes first: the one after pays for the other's disk writeback.
        for run in (run_import, run_ceiling) if n % 2 == 0 else (run_ceiling, run_import):
            run()
    row["repeat"] = repeat
    row["import_seconds"] = round(min(imports), 2)
    row["ceiling_seconds"] = round(min(ceilings), 2)
    row["import_cpu_seconds"] = round(min(import_cpu), 2)
    row["ceiling_cpu_seconds"] = round(min(ceiling_cpu), 2)
    row["import_events_per_second"] = round(events / row["import_seconds"])
    row["ceiling_events_per_second"] = round(events / row["ceiling_seconds"])
    row["parse_only_events_per_second"] = round(events / row["parse_only_seconds"])
    row["import_vs_ceiling"] = round(row["import_seconds"] / row["ceiling_seconds"], 2)
    row["target_events_per_second"] = TARGET_EVENTS_PER_SECOND
    row["peak_rss_mb"] = round(peak_rss_mb())
    row["load_average"] = [load_at_start, load_average()]
    return row


def line(row: dict[str, Any]) -> str:
    return (
        f"import_jsonl {row['backend']:<10} {row['events']:>9,} events: import "
        f"{row['import_seconds']} s ({row['import_events_per_second']:,} events/s), "
        f"ceiling {row['ceiling_seconds']} s ({row['ceiling_events_per_second']:,} events/s), "
        f"import/ceiling {row['import_vs_ceiling']}x (CPU {row['import_cpu_seconds']} s / "
        f"{row['ceiling_cpu_seconds']} s), parse only {row['parse_only_seconds']} s "
        f"({row['parse_only_events_per_second']:,} events/s), target "
        f"{row['target_events_per_second']:,} events/s, peak RSS {row['peak_rss_mb']} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.import_jsonl")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--backends", default="duckdb,postgresql")
    parser.add_argument("--repeat", type=int, default=2, help="best of N runs (default 2)")
    parser.add_argument("--json", action="store_true", help="print one JSON row per backend")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="devfunnel-bench-") as tmp:
        path = Path(tmp) / "events.jsonl"
        generate(path, args.events)
        for backend in args.backends.split(","):
            row = measure(backend, path, args.events, Path(tmp), args.repeat)
            rows.append(row)
            print(json.dumps(row) if args.json else line(row), flush=True)
    if not args.json:
        print(f"wrote {write_results('import_jsonl', rows, ('backend', 'events'))}")


if __name__ == "__main__":
    main()
