"""Rows that other areas write (scores, leads, handoffs, deals, developers' events), seeded
directly for tests of the services that read them (alerts, CRM write-back)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import account_keys, accounts, identities, people
from devfunnel.store.schema.pipeline import (
    conversations,
    handoffs,
    leads,
    opportunities,
    stage_history,
)
from devfunnel.store.schema.scores import account_scores, person_scores

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


class Seed:
    """Writes one kind of row per method, each in its own transaction."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _insert(self, table: sa.Table, **values: Any) -> uuid.UUID:
        values.setdefault("id", new_id())
        for column in ("created_at", "updated_at"):
            if column in table.c and column not in values:
                values[column] = NOW - timedelta(days=90)
        with self.store.transaction() as conn:
            conn.execute(table.insert().values(**values))
        return uuid.UUID(str(values["id"]))

    def user(self, email: str, name: str | None = None, role: str = "seller") -> uuid.UUID:
        return self._insert(users, email=email, name=name, role=role)

    def account(
        self,
        name: str,
        domain: str | None,
        *,
        owner_id: uuid.UUID | None = None,
        keys: Iterable[tuple[str, str]] = (),
    ) -> uuid.UUID:
        account_id = self._insert(
            accounts, name=name, domain=domain, owner_id=owner_id, source="crm", named_account=False
        )
        with self.store.transaction() as conn:
            for kind, value in keys:
                conn.execute(
                    account_keys.insert().values(
                        kind=kind, value=value, account_id=account_id, source="crm", created_at=NOW
                    )
                )
        return account_id

    def scores(self, account_id: uuid.UUID, **values: Any) -> None:
        row: dict[str, Any] = {
            "momentum": 82.5,
            "fit": 71.0,
            "grade": "A",
            "journey_stage": "build",
            "active_developers": 4,
            "pqa": True,
            "pqa_since": NOW - timedelta(hours=1),
            "why": [
                {"signal": "api_usage", "share": 0.42},
                {"signal": "sdk_installed", "share": 0.21},
            ],
            "computed_at": NOW - timedelta(minutes=30),
        }
        row.update(values)
        with self.store.transaction() as conn:
            conn.execute(account_scores.delete().where(account_scores.c.account_id == account_id))
            conn.execute(account_scores.insert().values(account_id=account_id, **row))

    def person_scores(self, person_id: uuid.UUID, **values: Any) -> None:
        row: dict[str, Any] = {
            "engagement": 64.0,
            "journey_stage": "build",
            "pql": True,
            "why": [{"signal": "api_usage", "share": 0.5}],
            "computed_at": NOW - timedelta(minutes=30),
        }
        row.update(values)
        with self.store.transaction() as conn:
            conn.execute(person_scores.delete().where(person_scores.c.person_id == person_id))
            conn.execute(person_scores.insert().values(person_id=person_id, **row))

    def lead(self, account_id: uuid.UUID | None, **values: Any) -> uuid.UUID:
        row: dict[str, Any] = {
            "source": "pql",
            "status": "new",
            "routed_at": NOW - timedelta(hours=3),
            "sla_due_at": NOW - timedelta(hours=2),
            "breached_at": NOW - timedelta(hours=2),
            "created_at": NOW - timedelta(hours=3),
        }
        row.update(values)
        return self._insert(leads, account_id=account_id, **row)

    def handoff(self, account_id: uuid.UUID, **values: Any) -> uuid.UUID:
        row: dict[str, Any] = {
            "kind": "devrel_to_sales",
            "state": "pending",
            "packet": {"momentum": {"score": 82.5}},
            "completeness": 0.8,
            "due_at": NOW - timedelta(hours=1),
            "created_at": NOW - timedelta(hours=25),
        }
        row.update(values)
        return self._insert(handoffs, account_id=account_id, **row)

    def opportunity(self, account_id: uuid.UUID, **values: Any) -> uuid.UUID:
        row: dict[str, Any] = {
            "name": "Acme platform",
            "type": "new",
            "stage": "technical_evaluation",
            "amount_minor": 4_800_000,
            "currency": "USD",
            "status": "open",
            "created_at": NOW - timedelta(days=60),
        }
        row.update(values)
        return self._insert(opportunities, account_id=account_id, **row)

    def conversation(
        self, account_id: uuid.UUID, at: datetime, opportunity_id: uuid.UUID | None = None
    ) -> uuid.UUID:
        return self._insert(
            conversations,
            account_id=account_id,
            opportunity_id=opportunity_id,
            kind="call",
            occurred_at=at,
            source="test",
            created_at=at,
        )

    def stage_change(self, opportunity_id: uuid.UUID, at: datetime, to: str) -> uuid.UUID:
        return self._insert(
            stage_history, opportunity_id=opportunity_id, to_stage=to, changed_at=at
        )

    def person(
        self,
        account_id: uuid.UUID | None,
        email: str,
        *,
        persona: str = "developer",
        name: str | None = None,
        traits: dict[str, Any] | None = None,
    ) -> uuid.UUID:
        person_id = self._insert(
            people, account_id=account_id, email=email, name=name, persona=persona, traits=traits
        )
        self._insert(
            identities,
            person_id=person_id,
            kind="email",
            value=email,
            key=f"email:{email}",
            source="test",
        )
        return person_id

    def events(self, email: str, times: Iterable[datetime]) -> int:
        rows = [
            {
                "id": new_id(),
                "batch_id": new_id(),
                "source": "test",
                "message_id": f"m-{new_id()}",
                "type": "track",
                "event": "API Call Made",
                "email": email,
                "identity_key": f"email:{email}",
                "timestamp": at,
                "received_at": at,
            }
            for at in times
        ]
        with self.store.transaction() as conn:
            conn.execute(events.insert(), rows)
        return len(rows)
