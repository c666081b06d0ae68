"""One account's journey: its stages with dates and milestones, and who is engaged on
each side, developers (bottom-up) and business buyers (top-down).

A buyer is a person whose persona is ``business`` or whose engagement includes a
buyer-signal activity (``buyer_signal = true``: pricing views, forms, sales meetings);
everyone else is on the developer side.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity import lookup
from devfunnel.scoring.views import AccountScore, read_account_score
from devfunnel.store import Store
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.scores import journey_transitions, person_scores


@dataclass(frozen=True)
class StageReached:
    stage: str
    label: str
    devrel_goal: str
    funnel_stage: str
    reached_at: datetime | None
    #: The milestone met; ``None`` when implied by reaching a later stage first.
    milestone: str | None


@dataclass(frozen=True)
class EngagedPerson:
    id: uuid.UUID
    name: str | None
    email: str | None
    title: str | None
    persona: str
    journey_stage: str | None
    engagement: float
    pql: bool
    why: list[dict[str, Any]]


@dataclass(frozen=True)
class AccountJourney:
    account_id: uuid.UUID
    name: str
    domain: str | None
    journey_stage: str | None
    stages: list[StageReached]
    developers: list[EngagedPerson] = field(default_factory=list)
    buyers: list[EngagedPerson] = field(default_factory=list)
    scores: AccountScore | None = None


def stages_of(
    store: Store, settings: Settings, kind: str, subject_id: uuid.UUID
) -> list[StageReached]:
    """Every configured stage, with when (and by which milestone) it was reached."""
    with store.read() as conn:
        return read_stages(conn, settings, kind, subject_id)


def read_stages(
    conn: sa.Connection, settings: Settings, kind: str, subject_id: uuid.UUID
) -> list[StageReached]:
    """:func:`stages_of` on the caller's connection (a page reading many parts at once)."""
    t = journey_transitions.c
    reached = {
        stage: (at, milestone)
        for stage, at, milestone in conn.execute(
            sa.select(t.stage, t.reached_at, t.milestone).where(
                t.subject_kind == kind, t.subject_id == subject_id
            )
        )
    }
    return [
        StageReached(s.id, s.label, s.devrel_goal, s.funnel_stage,
                     *(reached.get(s.id) or (None, None)))
        for s in settings.journey.stages
    ]  # fmt: skip


def account_journey(store: Store, settings: Settings, id_or_domain: str) -> AccountJourney:
    """The journey of an account by id or domain (NotFound when there is none)."""
    account = lookup.find_account(store, id_or_domain, people_limit=1)
    with store.read() as conn:
        return journey_of(conn, settings, account)


def journey_of(
    conn: sa.Connection, settings: Settings, account: lookup.AccountView
) -> AccountJourney:
    """The journey of an account already looked up, on the caller's connection, so a page
    that shows the account too looks it up once."""
    stages = read_stages(conn, settings, "account", account.id)
    reached = [s.stage for s in stages if s.reached_at is not None]
    buyer_activities = {f"activity:{a.id}" for a in settings.activity_types if a.buyer_signal}
    p, s = people.c, person_scores.c
    rows = conn.execute(
        sa.select(p.id, p.name, p.email, p.title, p.persona, s.journey_stage,
                  s.engagement, s.pql, s.why)
        .select_from(people.join(person_scores, s.person_id == p.id))
        .where(p.account_id == account.id, p.merged_into.is_(None))
        .order_by(s.engagement.desc(), p.id)
    ).all()  # fmt: skip
    developers: list[EngagedPerson] = []
    buyers: list[EngagedPerson] = []
    for r in rows:
        why = r.why if isinstance(r.why, list) else []
        person = EngagedPerson(r.id, r.name, r.email, r.title, r.persona, r.journey_stage,
                               float(r.engagement), bool(r.pql), why)  # fmt: skip
        is_buyer = r.persona == "business" or any(w.get("signal") in buyer_activities for w in why)
        (buyers if is_buyer else developers).append(person)
    return AccountJourney(
        account.id, account.name, account.domain, reached[-1] if reached else None, stages,
        developers, buyers, read_account_score(conn, account.id),
    )  # fmt: skip
