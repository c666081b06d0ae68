"""Dashboard pages on the demo company: each top-bar page (from the navigation registry,
as an admin sees it) plus the account page of the account with the most momentum,
timed over in-process requests (server time: routing, queries, templates; no network),
against the 300 ms target. The baseline is ``/api/v1/health`` in the same run: the cost of
a request through the same app with no work behind it.
"""

from __future__ import annotations

import re
import statistics
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.common import Timer, fresh_database, peak_rss_mb

AS_OF = date(2026, 11, 1)
TARGET_MS = 300.0
PASSWORD = "benchmark pages password"


def measure(
    backend: str,
    accounts: int,
    workdir: Path,
    *,
    seed: int = 1,
    loaded: str | None = None,
    requests: int = 20,
) -> dict[str, Any]:
    """``loaded``: the URL of a database already holding a demo, to skip loading one."""
    from fastapi.testclient import TestClient

    from devfunnel.admin import users
    from devfunnel.admin.audit import CLI, Actor
    from devfunnel.admin.permissions import Principal
    from devfunnel.config import load_settings
    from devfunnel.demo.load import load_demo
    from devfunnel.store import Store, migrate
    from devfunnel.web.app import create_app
    from devfunnel.web.pages.nav import top_nav

    settings = load_settings(environ={})
    row: dict[str, Any] = {
        "backend": backend,
        "accounts": accounts,
        "requests": requests,
        "target_ms": TARGET_MS,
    }
    with _database(backend, workdir, loaded) as url, Store(url) as store:
        migrate.upgrade(store)
        if loaded is None:
            load_demo(store, settings, seed=seed, accounts=accounts, as_of=AS_OF)
        email = f"bench-{uuid.uuid4().hex[:8]}@bench.dev"
        users.create_user(store, email, "admin", PASSWORD, CLI, name="Bench Admin")
        with store.read() as conn:
            row["events"] = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
            top = conn.execute(
                sa.text("SELECT account_id FROM account_scores ORDER BY momentum DESC LIMIT 1")
            ).scalar_one_or_none()
            busiest = conn.execute(
                sa.text(
                    "SELECT id, name FROM people WHERE merged_into IS NULL AND name IS NOT NULL "
                    "ORDER BY event_count DESC, id LIMIT 1"
                )
            ).first()
        with TestClient(create_app(settings, store, run_worker=False)) as client:
            form = client.get("/login").text
            token = re.search(r'name="csrf_token" value="([^"]*)"', form)
            assert token is not None
            signed = client.post(
                "/login", data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
            )
            assert signed.status_code == 200, signed.text[-300:]
            admin = Principal(
                Actor("user", uuid.uuid4(), email), user_id=uuid.uuid4(), role="admin"
            )
            paths = [item.path for item in top_nav(admin)]
            if top is not None:
                paths.append(f"/accounts/{top}")
            # The work pages beyond their defaults: everyone's handoffs, a people search
            # and a person, and the admins' alert and CRM settings.
            paths += ["/handoffs?scope=all", "/settings/alerts", "/settings/crm"]
            if busiest is not None:
                first = busiest.name.split()[0].lower()
                paths += [f"/people?q={first}", f"/people?person={busiest.id}"]
            row["baseline_health_ms"] = _timed(client, "/api/v1/health", requests)["median_ms"]
            row["pages"] = {path: _timed(client, path, requests) for path in paths}
    slowest = max((p["p95_ms"] for p in row["pages"].values()), default=0.0)
    row["slowest_p95_ms"] = slowest
    row["all_under_target"] = all(p["median_ms"] < TARGET_MS for p in row["pages"].values())
    row["all_p95_under_target"] = slowest < TARGET_MS
    row["peak_rss_mb"] = round(peak_rss_mb())
    return row


def _timed(client: Any, path: str, requests: int) -> dict[str, Any]:
    warm = client.get(path)
    assert warm.status_code == 200, (path, warm.status_code)
    times = []
    for _ in range(requests):
        timer = Timer()
        response = client.get(path)
        times.append(timer.seconds * 1000)
        assert response.status_code == 200, (path, response.status_code)
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "bytes": len(warm.content),
    }


@contextmanager
def _database(backend: str, workdir: Path, loaded: str | None) -> Iterator[str]:
    if loaded is not None:
        yield loaded
        return
    with fresh_database(backend, workdir) as url:
        yield url


def line(row: dict[str, Any]) -> str:
    pages = ", ".join(
        f"{re.sub(r'[0-9a-f-]{36}', '{id}', p)} {v['median_ms']:.0f}/{v['p95_ms']:.0f}"
        for p, v in row["pages"].items()
    )
    medians = "every median under" if row["all_under_target"] else "NOT every median under"
    tails = "every p95 under" if row.get("all_p95_under_target") else "NOT every p95 under"
    verdict = f"{medians}, {tails}"
    return (
        f"pages {row['backend']:<10} {row['accounts']:>6} accounts: median/p95 ms {pages}; "
        f"{verdict} {row['target_ms']:.0f} ms (health baseline {row['baseline_health_ms']} ms)"
    )


if __name__ == "__main__":
    import argparse
    import json
    import tempfile

    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="duckdb")
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--db", help="a database already holding the demo")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        print(
            json.dumps(
                measure(
                    options.backend,
                    options.accounts,
                    Path(tmp),
                    loaded=options.db,
                    requests=options.requests,
                )
            )
        )
