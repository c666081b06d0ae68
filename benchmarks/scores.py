"""Journey and score recompute on the demo company, against a scan of the same events.

The demo is loaded first (its own scoring step included, not timed here). Then, as of the
demo's date: the baseline, one plain aggregate over every event (count and latest time
per identity and event name, the least any recompute must read); a full recompute; a full
recompute with the demo's year of weekly momentum history; and an incremental recompute
of the people of 1% of accounts, as the worker runs after a batch.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.common import Timer, fresh_database, peak_rss_mb
from devfunnel.config import load_settings
from devfunnel.demo.load import load_demo
from devfunnel.evaluate.pqa import demo_as_of, demo_date
from devfunnel.scoring.recompute import HISTORY_WEEKS, recompute
from devfunnel.store import Store, migrate
from devfunnel.store.schema.identity import people

AS_OF = date(2026, 11, 1)


def measure(
    backend: str, accounts: int, workdir: Path, seed: int = 1, loaded: str | None = None
) -> dict[str, Any]:
    """``loaded``: the URL of a database already holding the demo (as of ``AS_OF``), to
    measure without loading it again."""
    settings = load_settings(environ={})
    row: dict[str, Any] = {"backend": backend, "accounts": accounts}
    with _database(backend, workdir, loaded) as url, Store(url) as store:
        migrate.upgrade(store)
        if loaded is None:
            load_demo(store, settings, seed=seed, accounts=accounts, as_of=AS_OF)
        end = demo_as_of(demo_date(store))
        with store.read() as conn:
            row["events"] = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
        timer = Timer()
        with store.read() as conn:
            conn.execute(sa.text(
                "SELECT identity_key, event, count(*), max(timestamp) FROM events "
                "GROUP BY identity_key, event")).all()  # fmt: skip
        row["scan_seconds"] = round(timer.seconds, 2)
        timer = Timer()
        full = recompute(store, settings, as_of=end)
        row["full_seconds"] = round(timer.seconds, 2)
        row["full_phases"] = {k: round(v, 2) for k, v in full.seconds.items()}
        timer = Timer()
        recompute(store, settings, as_of=end, history_weeks=HISTORY_WEEKS)
        row["full_with_history_seconds"] = round(timer.seconds, 2)
        with store.read() as conn:
            some = [a for (a,) in conn.execute(sa.text(
                "SELECT id FROM accounts WHERE merged_into IS NULL ORDER BY id"))]  # fmt: skip
            chosen = some[:: max(1, len(some) // max(1, accounts // 100))][
                : max(1, accounts // 100)
            ]
            persons: list[uuid.UUID] = [
                p for (p,) in conn.execute(
                    sa.select(people.c.id).where(people.c.account_id.in_(chosen)))
            ]  # fmt: skip
        timer = Timer()
        incremental = recompute(store, settings, as_of=end, persons=persons)
        row["incremental_seconds"] = round(timer.seconds, 2)
        row["incremental_accounts"] = incremental.accounts
        row["scored_accounts"] = full.accounts
    row["full_vs_scan"] = round(row["full_seconds"] / max(row["scan_seconds"], 0.01), 1)
    row["peak_rss_mb"] = round(peak_rss_mb())
    return row


@contextmanager
def _database(backend: str, workdir: Path, loaded: str | None) -> Iterator[str]:
    if loaded is not None:
        yield loaded
        return
    with fresh_database(backend, workdir) as url:
        yield url


def line(row: dict[str, Any]) -> str:
    return (
        f"scores {row['backend']:<10} {row['accounts']:>6} accounts, {row['events']:,} events: "
        f"full {row['full_seconds']} s, with {HISTORY_WEEKS} weeks of history "
        f"{row['full_with_history_seconds']} s, incremental ({row['incremental_accounts']} "
        f"accounts) {row['incremental_seconds']} s; event scan baseline {row['scan_seconds']} s "
        f"(full/scan {row['full_vs_scan']}x)"
    )


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="duckdb")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--db", help="a database already holding the demo")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(json.dumps(measure(options.backend, options.accounts, Path(tmp), loaded=options.db)))
