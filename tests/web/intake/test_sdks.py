"""Real SDKs against a real server: Segment's own Python library and RudderStack's
(another Segment-compatible one, sending gzip) deliver identify, track, alias and group
calls that the in-process worker resolves into people and accounts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa
from rudderstack.analytics import request as rudder_request
from rudderstack.analytics.client import Client as RudderClient
from segment.analytics import request as segment_request
from segment.analytics.client import Client as SegmentClient

from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts, identities, people
from tests.web.intake.serving import eventually, new_key, serving

#: People, accounts and identities the two scenarios below resolve to.
EXPECTED_COUNTS = {"people": 4, "accounts": 3, "identities": 12}


def send_with_segment(url: str, key: str, errors: list[Any]) -> None:
    client = SegmentClient(key, host=url, on_error=lambda e, _: errors.append(e), max_retries=1)
    client.identify("seg-ada", {"email": "Ada@Lovelace-Labs.io", "name": "Ada", "github": "ada-l"})
    client.track(anonymous_id="seg-anon", event="Docs Viewed", properties={"path": "/docs"})
    client.alias("seg-anon", "seg-ada")
    client.track("seg-ada", "API Request", {"endpoint": "/v1/charges", "status": 200})
    client.group("seg-ada", "org-lovelace", {"name": "Lovelace Labs", "domain": "lovelace-labs.io"})
    client.identify("seg-grace", {"email": "grace@hopper-systems.io"})
    client.shutdown()  # flushes synchronously, then stops the upload thread


def send_with_rudderstack(url: str, key: str, errors: list[Any]) -> None:
    client = RudderClient(key, host=url, on_error=lambda e, _: errors.append(e), max_retries=1)
    client.identify("rs-charles", {"email": "charles@babbage-engines.io", "github": "CBabbage"})
    client.track(anonymous_id="rs-anon", event="Pricing Viewed")
    client.alias("rs-anon", "rs-charles")
    company = {"name": "Babbage Engines", "website": "https://www.babbage-engines.io/"}
    client.group("rs-charles", "org-babbage", company)
    client.identify("rs-mary", {"email": "mary.somerville@gmail.com"})  # free mail: no account
    client.track("rs-mary", "SDK Installed", {"language": "python"})
    client.shutdown()


def resolved(url: str, read_key: str) -> Callable[[], bool]:
    def check() -> bool:
        auth = {"Authorization": f"Bearer {read_key}"}
        counts = httpx.get(f"{url}/api/v1/summary", headers=auth, timeout=10).json()["counts"]
        return all(counts[name] == n for name, n in EXPECTED_COUNTS.items())

    return check


def people_by_user(store: Store) -> dict[str, dict[str, Any]]:
    """Each resolved person by user id: their identity keys and account name and domain."""
    with store.read() as conn:
        rows = conn.execute(
            sa.select(people.c.id, identities.c.key, accounts.c.name, accounts.c.domain)
            .join(identities, identities.c.person_id == people.c.id)
            .outerjoin(accounts, accounts.c.id == people.c.account_id)
            .where(people.c.merged_into.is_(None))
        ).all()
    found: dict[Any, dict[str, Any]] = {}
    for person_id, key, account, domain in rows:
        entry = found.setdefault(person_id, {"keys": set(), "account": (account, domain)})
        entry["keys"].add(key)
    by_user = {}
    for entry in found.values():
        [user] = [k.split(":", 1)[1] for k in entry["keys"] if k.startswith("user_id:")]
        by_user[user] = entry
    return by_user


def test_segment_and_rudderstack_sdks_land_as_people_and_accounts(
    store_url: str, tmp_path: Path
) -> None:
    segment_key, _ = new_key(store_url)
    rudder_key, _ = new_key(store_url)
    read_key, _ = new_key(store_url, "read")
    errors: list[Any] = []
    try:
        with serving(store_url, tmp_path, worker_poll_seconds="0.2") as server:
            send_with_segment(server.url, segment_key, errors)
            send_with_rudderstack(server.url, rudder_key, errors)
            assert errors == []
            eventually(resolved(server.url, read_key), timeout=60, what=f"counts {EXPECTED_COUNTS}")
    finally:  # the libraries keep one connection pool per process
        segment_request._session.close()
        rudder_request._session.close()

    with Store(store_url) as store:
        found = people_by_user(store)
    assert found == {
        "seg-ada": {
            "keys": {"user_id:seg-ada", "email:ada@lovelace-labs.io", "github:ada-l",
                     "anonymous_id:seg-anon"},
            "account": ("Lovelace Labs", "lovelace-labs.io"),
        },
        "seg-grace": {
            "keys": {"user_id:seg-grace", "email:grace@hopper-systems.io"},
            "account": ("Hopper Systems", "hopper-systems.io"),
        },
        "rs-charles": {
            "keys": {"user_id:rs-charles", "email:charles@babbage-engines.io",
                     "github:cbabbage", "anonymous_id:rs-anon"},
            "account": ("Babbage Engines", "babbage-engines.io"),
        },
        "rs-mary": {
            "keys": {"user_id:rs-mary", "email:mary.somerville@gmail.com"},
            "account": (None, None),
        },
    }  # fmt: skip
