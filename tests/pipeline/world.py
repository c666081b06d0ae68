"""A small company for qualification tests: Acme with two developers and a buyer, their
events at known times, two sellers and a manager, and one opportunity owned by Sam.

Times are fixed: NOW is when tests read things as of; the opportunity opened at OPENED.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import Principal
from devfunnel.admin.users import import_users
from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.opportunities import import_opportunities
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts, identities
from devfunnel.store.schema.pipeline import opportunities
from tests.helpers.events import segment

NOW = datetime(2026, 6, 1, tzinfo=UTC)
OPENED = NOW - timedelta(days=20)
OPPORTUNITY = "salesforce:OPP1"


@dataclass(frozen=True)
class World:
    opportunity: uuid.UUID
    account: uuid.UUID
    jane: uuid.UUID
    dev2: uuid.UUID
    bob: uuid.UUID
    owner: Principal
    other_seller: Principal
    manager: Principal


def send(store: Store, events: list[dict[str, Any]], source: str = "segment:server") -> None:
    append_events(store, prepare(segment(*events), source=source), source=source)


def usage(user: str, day: datetime, calls: int, n: int) -> dict[str, Any]:
    return {"messageId": f"use-{user}-{n}", "type": "track", "event": "API Usage",
            "userId": user, "timestamp": day, "properties": {"calls": calls}}  # fmt: skip


def developer_events(user: str, email: str, start: datetime, days: int) -> list[dict[str, Any]]:
    """Sign-up, first call, an SDK, an integration, then daily API usage for ``days``."""
    events: list[dict[str, Any]] = [
        {"messageId": f"id-{user}", "type": "identify", "userId": user, "timestamp": start,
         "traits": {"email": email, "name": user.title(), "title": "Software Engineer"}},
        {"messageId": f"su-{user}", "type": "track", "event": "Signed Up", "userId": user,
         "timestamp": start},
        {"messageId": f"fc-{user}", "type": "track", "event": "First API Call", "userId": user,
         "timestamp": start + timedelta(hours=2)},
        {"messageId": f"sdk-{user}", "type": "track", "event": "SDK Installed", "userId": user,
         "timestamp": start + timedelta(hours=3), "properties": {"language": "python"}},
        {"messageId": f"int-{user}", "type": "track", "event": "Integration Enabled",
         "userId": user, "timestamp": start + timedelta(days=1),
         "properties": {"integration": "Slack"}},
    ]  # fmt: skip
    events += [usage(user, start + timedelta(days=d, hours=5), 5_000, d) for d in range(days)]
    return events


def build(store: Store, settings: Settings) -> World:
    import_users(store, settings, [
        {"email": "sam.seller@acme.dev", "name": "Sam Seller", "role": "seller"},
        {"email": "ana.seller@acme.dev", "name": "Ana Seller", "role": "seller"},
        {"email": "maria.manager@acme.dev", "name": "Maria Manager", "role": "sales_manager"},
    ])  # fmt: skip
    import_accounts(store, settings, [{
        "external_id": "001A", "crm": "salesforce", "name": "Acme Inc", "domain": "acme.io",
        "industry": "Software", "employees": 250, "country": "US", "region": "NA"}])  # fmt: skip
    start = NOW - timedelta(days=40)
    events = developer_events("jane", "jane@acme.io", start, 35)
    events += developer_events("dev2", "dev2@acme.io", NOW - timedelta(days=12), 10)
    events += [
        {"messageId": "bob", "type": "identify", "anonymousId": "anon-bob", "timestamp": start,
         "traits": {"email": "bob@acme.io", "name": "Bob Buyer", "persona": "business"}},
        {"messageId": "err", "type": "track", "event": "API Error", "userId": "jane",
         "timestamp": NOW - timedelta(days=3), "properties": {"count": 25}},
        {"messageId": "err-small", "type": "track", "event": "API Error", "userId": "dev2",
         "timestamp": NOW - timedelta(days=2), "properties": {"count": 2}},
        {"messageId": "ticket", "type": "track", "event": "Support Ticket Opened",
         "userId": "jane", "timestamp": NOW - timedelta(days=4)},
        {"messageId": "late", "type": "track", "event": "API Usage", "userId": "jane",
         "timestamp": NOW + timedelta(days=1), "properties": {"calls": 999_999}},
    ]  # fmt: skip
    send(store, events)
    resolve_pending(store, settings)
    import_opportunities(store, settings, [{
        "external_id": "OPP1", "crm": "salesforce", "account_external_id": "001A",
        "name": "Acme - new", "stage": "technical_evaluation", "amount": "40000",
        "currency": "USD", "owner_email": "sam.seller@acme.dev",
        "primary_contact_email": "jane@acme.io", "economic_buyer_email": "bob@acme.io",
        "created_at": OPENED,
        "stage_history": [
            {"stage": "discovery", "changed_at": OPENED},
            {"stage": "technical_evaluation", "changed_at": OPENED + timedelta(days=10)},
        ],
    }])  # fmt: skip
    with store.read() as conn:
        user_ids = dict(conn.execute(sa.select(users.c.email, users.c.id)).all())
        key = identities.c.key
        person = dict(conn.execute(sa.select(key, identities.c.person_id)).all())
        opp = conn.execute(
            sa.select(opportunities.c.id).where(opportunities.c.external_key == OPPORTUNITY)
        ).scalar_one()
        account = conn.execute(
            sa.select(accounts.c.id).where(accounts.c.domain == "acme.io")
        ).scalar_one()

    def principal(email: str, role: str) -> Principal:
        uid = user_ids[email]
        return Principal(actor=Actor("user", uid, email), user_id=uid, role=role)

    return World(
        opportunity=opp,
        account=account,
        jane=person["email:jane@acme.io"],
        dev2=person["email:dev2@acme.io"],
        bob=person["email:bob@acme.io"],
        owner=principal("sam.seller@acme.dev", "seller"),
        other_seller=principal("ana.seller@acme.dev", "seller"),
        manager=principal("maria.manager@acme.dev", "sales_manager"),
    )
