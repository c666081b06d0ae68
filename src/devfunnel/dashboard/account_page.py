"""Everything the account page shows, both sides of one account: the developers (who,
their journey stage, engagement and its why, what they did, momentum over time) and
sales (owner, leads, opportunities with their stage and MEDDPICC/BANT status, handoffs,
CRM conversations, notes).

It reads through the services that own each part (``identity.lookup``,
``journey.views``, ``scoring.views``, ``pipeline`` records and qualification), so the
page shows what the API and the CLI show.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.dashboard.account_notes import AccountNote, read_notes
from devfunnel.errors import NotFound
from devfunnel.identity.lookup import AccountView, find_account
from devfunnel.journey.views import AccountJourney, journey_of
from devfunnel.pipeline.handoff_records import HandoffView, account_handoffs
from devfunnel.pipeline.lead_records import LeadView, account_leads
from devfunnel.pipeline.opportunity_records import OpportunityView, account_opportunities
from devfunnel.pipeline.qualification import ElementScore, read_qualifications
from devfunnel.scoring.views import MomentumPoint, read_momentum_history
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import accounts, identities, people
from devfunnel.store.schema.pipeline import conversations

TIMELINE_PAGE = 25


@dataclass(frozen=True)
class Activity:
    """One event of one of the account's people, named as the journey names it."""

    at: datetime
    person_id: uuid.UUID
    person: str
    type: str
    name: str | None
    #: The configured activity type's label, when the event is one.
    activity: str | None
    source: str


@dataclass(frozen=True)
class Timeline:
    items: list[Activity]
    page: int
    has_next: bool


@dataclass(frozen=True)
class Deal:
    opportunity: OpportunityView
    #: Framework -> its elements as recorded (unrecorded ones score 0).
    qualification: dict[str, list[ElementScore]]

    def validated(self, framework: str) -> tuple[int, int]:
        elements = self.qualification.get(framework, [])
        return sum(e.score == 2 for e in elements), len(elements)


@dataclass(frozen=True)
class Conversation:
    at: datetime
    kind: str
    subject: str | None
    who: str | None


@dataclass
class AccountPage:
    account: AccountView
    owner_id: uuid.UUID | None
    owner: str | None
    journey: AccountJourney
    history: list[MomentumPoint]
    timeline: Timeline
    deals: list[Deal] = field(default_factory=list)
    leads: list[LeadView] = field(default_factory=list)
    handoffs: list[HandoffView] = field(default_factory=list)
    conversations: list[Conversation] = field(default_factory=list)
    notes: list[AccountNote] = field(default_factory=list)


def parse_account_id(text: str) -> uuid.UUID:
    """The account id of a page path; anything else is a NotFound (a 404 page)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(f"no account with the id {text!r}", account=text) from None


def account_page(
    store: Store, settings: Settings, account_id: uuid.UUID, *, timeline_page: int = 1
) -> AccountPage:
    """The whole page, read in as few round trips as the parts allow: the account is
    looked up once, then every part is read on one connection (each connection checked
    out costs a begin and a rollback), and the lists the page shows whole are read
    without counting them."""
    account = find_account(store, str(account_id), people_limit=200)
    with store.read() as conn:
        journey = journey_of(conn, settings, account)
        owner = conn.execute(
            sa.select(users.c.id, sa.func.coalesce(users.c.name, users.c.email).label("label"))
            .select_from(accounts.join(users, users.c.id == accounts.c.owner_id))
            .where(accounts.c.id == account.id)
        ).first()
        talks = conn.execute(
            sa.select(
                conversations.c.occurred_at,
                conversations.c.kind,
                conversations.c.subject,
                sa.func.coalesce(users.c.name, users.c.email).label("who"),
            )
            .select_from(conversations.outerjoin(users, users.c.id == conversations.c.user_id))
            .where(conversations.c.account_id == account.id)
            .order_by(conversations.c.occurred_at.desc())
            .limit(10)
        ).all()
        history = read_momentum_history(conn, account.id)
        timeline = _timeline(conn, settings, account.id, timeline_page)
        opps = account_opportunities(conn, settings, account.id, limit=20)
        frameworks = read_qualifications(conn, settings, [o.id for o in opps])
        leads = account_leads(conn, account.id, limit=20)
        handoffs = account_handoffs(conn, account.id, limit=20)
        notes = read_notes(conn, account.id)
    deals = [Deal(o, _frameworks(settings, frameworks[o.id])) for o in opps]
    return AccountPage(
        account=account,
        owner_id=owner.id if owner else None,
        owner=owner.label if owner else None,
        journey=journey,
        history=history,
        timeline=timeline,
        deals=deals,
        leads=leads,
        handoffs=handoffs,
        conversations=[Conversation(*t) for t in talks],
        notes=notes,
    )


def _frameworks(settings: Settings, elements: list[ElementScore]) -> dict[str, list[ElementScore]]:
    out: dict[str, list[ElementScore]] = {f: [] for f in settings.qualification.frameworks}
    for element in elements:
        out[element.framework].append(element)
    return out


def activity_timeline(
    store: Store, settings: Settings, account_id: uuid.UUID, *, page: int = 1
) -> Timeline:
    """The account's people's events, newest first, :data:`TIMELINE_PAGE` a page."""
    with store.read() as conn:
        return _timeline(conn, settings, account_id, page)


def _timeline(
    conn: sa.Connection, settings: Settings, account_id: uuid.UUID, page: int
) -> Timeline:
    """Events name identities, not people: one query joins the events to the identities
    of the account's live people (a hash join on DuckDB, an indexed lookup per identity
    on PostgreSQL) and names each event's person on the way."""
    page = max(1, page)
    p, i, e = people.c, identities.c, events.c
    rows = conn.execute(
        sa.select(
            e.timestamp, e.type, e.event, e.source, p.id.label("person_id"),
            sa.func.coalesce(p.name, p.email).label("who"),
        )
        .select_from(
            events.join(identities, i.key == e.identity_key).join(people, p.id == i.person_id)
        )
        .where(p.account_id == account_id, p.merged_into.is_(None))
        .order_by(e.timestamp.desc())
        .limit(TIMELINE_PAGE + 1)
        .offset((page - 1) * TIMELINE_PAGE)
    ).all()  # fmt: skip
    labels = _activity_labels(settings)
    items = [
        Activity(
            r.timestamp,
            r.person_id,
            r.who or "someone",
            r.type,
            r.event,
            labels.get((r.type in ("page", "screen"), (r.event or "").lower())),
            r.source,
        )
        for r in rows[:TIMELINE_PAGE]
    ]
    return Timeline(items, page, len(rows) > TIMELINE_PAGE)


def _activity_labels(settings: Settings) -> dict[tuple[bool, str], str]:
    """``(is a page, lower-cased name) -> activity label`` from the activity types."""
    out: dict[tuple[bool, str], str] = {}
    for a in settings.activity_types:
        for name in a.track:
            out.setdefault((False, name.lower()), a.label)
        for name in a.pages:
            out.setdefault((True, name.lower()), a.label)
    return out


def why_items(why: Any) -> list[dict[str, Any]]:
    """The top signals of a score's why as a list (the stored shape may be a list or a
    dict of lists)."""
    if isinstance(why, list):
        return [w for w in why if isinstance(w, dict)]
    return []
