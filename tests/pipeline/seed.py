"""A small sales world for pipeline tests, built through the product's own import paths:
the routing teams' users plus DevRel, customer success and an admin; accounts with
firmographics and owners; people resolved from contact records; and score rows (which
the scoring service writes; seeded here by hand)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import Principal
from devfunnel.admin.users import import_users, team_users
from devfunnel.config import Settings, load_settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.contacts import import_contacts
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts, identities
from devfunnel.store.schema.scores import account_scores, person_scores

#: A Monday morning, UTC.
T0 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
EXTRA_USERS = [
    {"email": "ada.admin@acme.dev", "name": "Ada Admin", "role": "admin"},
    {"email": "dana.devrel@acme.dev", "name": "Dana DevRel", "role": "devrel"},
    {"email": "carl.success@acme.dev", "name": "Carl Success", "role": "customer_success"},
    {"email": "vic.viewer@acme.dev", "name": "Vic Viewer", "role": "viewer"},
]


def seed_users(store: Store, settings: Settings) -> None:
    import_users(store, settings, team_users(settings) + EXTRA_USERS)


def user_id(store: Store, email: str) -> uuid.UUID:
    with store.read() as conn:
        return conn.execute(sa.select(users.c.id).where(users.c.email == email)).scalar_one()


def as_user(store: Store, email: str) -> Principal:
    """The principal of a signed-in user (as the dashboard's session would make it)."""
    with store.read() as conn:
        row = conn.execute(sa.select(users).where(users.c.email == email)).one()
    return Principal(Actor("user", row.id, row.email), user_id=row.id, role=row.role)


def add_account(
    store: Store,
    settings: Settings,
    name: str,
    domain: str,
    owner: str | None = None,
    **fields: Any,
) -> uuid.UUID:
    row = {"external_id": domain, "name": name, "domain": domain, "owner_email": owner, **fields}
    result = import_accounts(store, settings, [row])
    assert not result.errors, result.errors
    with store.read() as conn:
        return conn.execute(
            sa.select(accounts.c.id).where(accounts.c.domain == domain)
        ).scalar_one()


def add_people(store: Store, settings: Settings, *rows: dict[str, Any]) -> list[uuid.UUID]:
    """People from contact records (``email``, ``account_domain``, ...), resolved."""
    result = import_contacts(store, settings, list(rows))
    assert not result.errors, result.errors
    resolve_pending(store, settings)
    with store.read() as conn:
        return [
            conn.execute(
                sa.select(identities.c.person_id).where(identities.c.key == f"email:{r['email']}")
            ).scalar_one()
            for r in rows
        ]


def score_person(
    store: Store,
    person_id: uuid.UUID,
    *,
    engagement: float = 70.0,
    pql: bool = True,
    journey_stage: str = "build",
) -> None:
    with store.transaction() as conn:
        conn.execute(person_scores.delete().where(person_scores.c.person_id == person_id))
        conn.execute(
            person_scores.insert().values(
                person_id=person_id,
                engagement=engagement,
                journey_stage=journey_stage,
                pql=pql,
                why=[
                    {"signal": "first_api_call", "share": 0.4},
                    {"signal": "api_usage", "share": 0.3},
                ],
                computed_at=T0,
            )
        )


def score_account(
    store: Store,
    account_id: uuid.UUID,
    *,
    momentum: float = 75.0,
    fit: float = 12.0,
    pqa: bool = True,
    pqa_since: datetime | None = T0,
    journey_stage: str = "build",
    active_developers: int = 3,
) -> None:
    with store.transaction() as conn:
        conn.execute(account_scores.delete().where(account_scores.c.account_id == account_id))
        conn.execute(
            account_scores.insert().values(
                account_id=account_id,
                momentum=momentum,
                fit=fit,
                grade="A",
                journey_stage=journey_stage,
                active_developers=active_developers,
                pqa=pqa,
                pqa_since=pqa_since if pqa else None,
                why=[
                    {"signal": "active_developers", "share": 0.5},
                    {"signal": "trend", "share": 0.2},
                ],
                computed_at=T0,
            )
        )


def settings_from(tmp_path: Path, text: str) -> Settings:
    """The defaults with ``text`` (TOML) on top, as a devfunnel.toml would give them."""
    path = tmp_path / "devfunnel.toml"
    path.write_text(text, "utf-8")
    return load_settings(path, environ={})


def rows_of(store: Store, *tables: sa.Table) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of each table, sorted: to show that something wrote nothing."""
    with store.read() as conn:
        return {
            t.name: sorted((tuple(r) for r in conn.execute(sa.select(t))), key=repr) for t in tables
        }


def qualify(store: Store, opportunity_id: uuid.UUID, **scores: int) -> None:
    """Set qualification scores (the qualification service's job; seeded by hand)."""
    from devfunnel.ids import new_id
    from devfunnel.store.schema.pipeline import qualification
    from devfunnel.vocabulary import MEDDPICC

    with store.transaction() as conn:
        for element, score in scores.items():
            conn.execute(
                qualification.delete().where(
                    qualification.c.opportunity_id == opportunity_id,
                    qualification.c.element == element,
                )
            )
            conn.execute(
                qualification.insert().values(
                    id=new_id(),
                    opportunity_id=opportunity_id,
                    framework="meddpicc" if element in MEDDPICC else "bant",
                    element=element,
                    score=score,
                    evidence=f"{element} evidence",
                    updated_at=T0,
                )
            )


def validate_technically(
    store: Store,
    account_id: uuid.UUID,
    fit: float,
    *,
    opportunity_id: uuid.UUID | None = None,
    at: datetime = T0,
) -> None:
    from devfunnel.ids import new_id
    from devfunnel.store.schema.pipeline import technical_validations

    with store.transaction() as conn:
        conn.execute(
            technical_validations.insert().values(
                id=new_id(),
                opportunity_id=opportunity_id,
                account_id=account_id,
                active_developers=3,
                built=["Slack integration"],
                api_volume_30d=120000,
                blockers=[],
                technical_fit=fit,
                validated_at=at,
            )
        )


def track(
    store: Store, settings: Settings, email: str, *calls: tuple[str, dict[str, Any], datetime]
) -> None:
    """Track events from the person with ``email`` (event, properties, time), resolved."""
    import pyarrow as pa

    from devfunnel.ingest.append import append_events
    from devfunnel.ingest.prepare import prepare

    table = pa.table(
        {
            "messageId": [f"{email}-{i}-{event}" for i, (event, _, _) in enumerate(calls)],
            "type": ["track"] * len(calls),
            "event": [event for event, _, _ in calls],
            "email": [email] * len(calls),
            "properties": [orjson.dumps(props).decode() for _, props, _ in calls],
            "timestamp": pa.array([at for _, _, at in calls], pa.timestamp("us", "UTC")),
        }
    )
    prepared = prepare(table, source="segment:test", correct_clock_skew=False)
    assert not prepared.rejected, prepared.rejected
    append_events(store, prepared, source="segment:test")
    resolve_pending(store, settings)


def converse(store: Store, settings: Settings, *rows: dict[str, Any]) -> None:
    from devfunnel.ingest.records.conversations import import_conversations

    result = import_conversations(
        store,
        settings,
        [
            {"external_id": f"conv-{i}-{r['occurred_at'].isoformat()}", **r}
            for i, r in enumerate(rows)
        ],
    )
    assert not result.errors, result.errors
