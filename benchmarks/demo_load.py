"""Demo company generation and loading, at the default size and larger, on both backends.

Each measurement runs in a fresh process-level database. The loader generates chunks
ahead in up to two worker processes; their peak memory is reported apart. Two baselines
come from the same run and the same seed: generating the company without loading it (the
generator's share, in one process), and appending the generated events to an index-free
table in one bulk insert per chunk (the storage ceiling: what loading would cost with no
validation, de-duplication, resolution or imports).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from benchmarks.common import (
    Timer,
    fresh_database,
    load_average,
    peak_rss_mb,
    worker_peak_rss_mb,
)
from devfunnel.config import load_settings
from devfunnel.demo.company import generate_chunk
from devfunnel.demo.load import chunk_bounds, load_demo
from devfunnel.demo.world import build_world
from devfunnel.ingest.prepare import EVENT_COLUMNS, prepare
from devfunnel.store import Store, migrate
from devfunnel.store.schema.events import events

AS_OF = date(2026, 11, 1)


def measure(backend: str, accounts: int, workdir: Path, seed: int = 1) -> dict[str, Any]:
    settings = load_settings(environ={})
    row: dict[str, Any] = {"backend": backend, "accounts": accounts}
    load_at_start = load_average()
    by_phase: dict[str, int] = {}

    def progress(stage: str, done: int, total: int) -> None:
        # Peak memory so far, as each phase ends: shows which phase grows with size.
        if done == total:
            phase = "generate_and_append" if stage == "events" else stage
            by_phase[phase] = round(peak_rss_mb())

    with fresh_database(backend, workdir) as url, Store(url) as store:
        migrate.upgrade(store)
        timer = Timer()
        report = load_demo(
            store, settings, seed=seed, accounts=accounts, as_of=AS_OF, progress=progress
        )
        row["load_seconds"] = round(timer.seconds, 1)
        row["phases"] = {k: round(v, 1) for k, v in report.seconds.items()}
        row["events"] = report.events
        row["people"] = report.people
    row["peak_rss_mb_by_phase"] = by_phase
    row["load_peak_rss_mb"] = round(peak_rss_mb())
    row["worker_peak_rss_mb"] = round(worker_peak_rss_mb())
    row["generate_only_seconds"], row["ceiling_seconds"] = _baselines(
        backend, accounts, seed, workdir
    )
    row["events_per_second"] = round(row["events"] / row["load_seconds"])
    row["load_vs_ceiling"] = round(row["load_seconds"] / row["ceiling_seconds"], 2)
    row["peak_rss_mb"] = round(peak_rss_mb())
    row["load_average"] = [load_at_start, load_average()]
    return row


def _baselines(backend: str, accounts: int, seed: int, workdir: Path) -> tuple[float, float]:
    """Seconds to only generate; seconds to generate and bulk-insert the raw events."""
    settings = load_settings(environ={})
    world = build_world(settings, seed=seed, accounts=accounts, as_of=AS_OF)
    bounds = chunk_bounds(world)

    timer = Timer()
    for accounts_range, independents_range in bounds:
        generate_chunk(world, accounts_range, independents_range).sink.tables()
    generate_only = timer.seconds

    world = build_world(settings, seed=seed, accounts=accounts, as_of=AS_OF)
    plain = sa.Table(
        "raw_events",
        sa.MetaData(),
        *[sa.Column(c.name, c.type) for c in events.columns if c.name != "id"],
    )
    with fresh_database(backend, workdir) as url, Store(url) as store:
        with store.transaction() as conn:
            plain.create(conn)
        timer = Timer()
        for accounts_range, independents_range in bounds:
            tables = generate_chunk(world, accounts_range, independents_range).sink.tables()
            for source, table in tables.items():
                rows: pa.Table = prepare(table, source=source).rows.select(list(EVENT_COLUMNS))
                with store.transaction() as conn:
                    store.append(conn, plain, rows)
        ceiling = timer.seconds
    return round(generate_only, 1), round(ceiling, 1)


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", required=True)
    parser.add_argument("--accounts", type=int, required=True)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="devfunnel-bench-") as tmp:
        print(json.dumps(measure(options.backend, options.accounts, Path(tmp))))
