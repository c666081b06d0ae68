"""Reading leads: one by id, pages of them, and the view the API and CLI show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.errors import NotFound, ValidationError
from devfunnel.ids import parse_id
from devfunnel.pipeline.common import Page, as_utc, check_page, load_json
from devfunnel.pipeline.dedupe import OPEN_LEAD_STATUSES
from devfunnel.pipeline.directory import find_user
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.pipeline import leads
from devfunnel.vocabulary import LEAD_SOURCES

LEAD_STATUSES = ("new", "working", "qualified", "disqualified", "converted")


@dataclass(frozen=True)
class LeadView:
    """A lead with its person, account and owner named, its routing and its SLA state."""

    id: uuid.UUID
    source: str
    status: str
    person_id: uuid.UUID | None
    person_name: str | None
    person_email: str | None
    account_id: uuid.UUID | None
    account_name: str | None
    account_domain: str | None
    owner_id: uuid.UUID | None
    owner_email: str | None
    routed_by: str | None
    routed_team: str | None
    routing_reason: str | None
    routed_at: datetime | None
    sla_due_at: datetime | None
    first_touch_at: datetime | None
    breached_at: datetime | None
    escalated_at: datetime | None
    snapshot: dict[str, Any] | None
    created_at: datetime


def lead_row(conn: sa.Connection, lead_id: uuid.UUID | str) -> dict[str, Any]:
    """The ``leads`` row, or ``NotFound`` naming the id."""
    parsed = parse_id(lead_id)
    row = conn.execute(sa.select(leads).where(leads.c.id == parsed)).first()
    if row is None:
        raise NotFound(f"no lead with id {parsed}", lead=str(parsed))
    return dict(row._mapping)


def _query() -> sa.Select[Any]:
    lc, pc, ac, uc = leads.c, people.c, accounts.c, users.c
    return sa.select(
        leads,
        pc.name.label("person_name"),
        pc.email.label("person_email"),
        ac.name.label("account_name"),
        ac.domain.label("account_domain"),
        uc.email.label("owner_email"),
    ).select_from(
        leads.outerjoin(people, pc.id == lc.person_id)
        .outerjoin(accounts, ac.id == lc.account_id)
        .outerjoin(users, uc.id == lc.owner_id)
    )


def _view(row: Any) -> LeadView:
    m = row._mapping
    return LeadView(
        m["id"],
        m["source"],
        m["status"],
        m["person_id"],
        m["person_name"],
        m["person_email"],
        m["account_id"],
        m["account_name"],
        m["account_domain"],
        m["owner_id"],
        m["owner_email"],
        m["routed_by"],
        m["routed_team"],
        m["routing_reason"],
        as_utc(m["routed_at"]),
        as_utc(m["sla_due_at"]),
        as_utc(m["first_touch_at"]),
        as_utc(m["breached_at"]),
        as_utc(m["escalated_at"]),
        load_json(m["snapshot"]),
        m["created_at"],
    )


def lead_view(conn: sa.Connection, lead_id: uuid.UUID | str) -> LeadView:
    parsed = parse_id(lead_id)
    row = conn.execute(_query().where(leads.c.id == parsed)).first()
    if row is None:
        raise NotFound(f"no lead with id {parsed}", lead=str(parsed))
    return _view(row)


def get_lead(store: Store, lead_id: uuid.UUID | str) -> LeadView:
    with store.read() as conn:
        return lead_view(conn, lead_id)


def list_leads(
    store: Store,
    *,
    status: str | None = None,
    source: str | None = None,
    owner: str | None = None,
    team: str | None = None,
    account_id: uuid.UUID | None = None,
    breached: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[LeadView]:
    """Leads, newest first, filtered; ``status="open"`` means new, working or qualified."""
    check_page(limit, offset)
    lc = leads.c
    where: list[sa.ColumnElement[bool]] = []
    if status is not None:
        if status == "open":
            where.append(lc.status.in_(OPEN_LEAD_STATUSES))
        elif status in LEAD_STATUSES:
            where.append(lc.status == status)
        else:
            raise ValidationError(
                f"unknown lead status {status!r}; use open or one of: {', '.join(LEAD_STATUSES)}",
                field="status",
                value=status,
            )
    if source is not None:
        if source not in LEAD_SOURCES:
            raise ValidationError(
                f"unknown lead source {source!r}; use one of: {', '.join(LEAD_SOURCES)}",
                field="source",
                value=source,
            )
        where.append(lc.source == source)
    if team is not None:
        where.append(lc.routed_team == team)
    if account_id is not None:
        where.append(lc.account_id == account_id)
    if breached is not None:
        where.append(lc.breached_at.is_not(None) if breached else lc.breached_at.is_(None))
    with store.read() as conn:
        if owner is not None:
            where.append(lc.owner_id == find_user(conn, owner, field="owner").id)
        total = conn.execute(sa.select(sa.func.count()).select_from(leads).where(*where))
        count = int(total.scalar_one())
        rows = conn.execute(
            _query()
            .where(*where)
            .order_by(lc.created_at.desc(), lc.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([_view(r) for r in rows], count, limit, offset)


def account_leads(conn: sa.Connection, account_id: uuid.UUID, *, limit: int = 50) -> list[LeadView]:
    """An account's leads as :func:`list_leads` orders them, on the caller's connection
    and without the total (the account page shows them all at once)."""
    check_page(limit, 0)
    lc = leads.c
    rows = conn.execute(
        _query()
        .where(lc.account_id == account_id)
        .order_by(lc.created_at.desc(), lc.id.desc())
        .limit(limit)
    )
    return [_view(r) for r in rows]
