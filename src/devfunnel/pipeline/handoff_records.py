"""Reading handoffs: one by id (with its packet), pages of them, and the view shown."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.sales import HandoffKind
from devfunnel.errors import NotFound, ValidationError
from devfunnel.ids import parse_id
from devfunnel.pipeline.common import Page, as_utc, check_page, load_json, utc_now
from devfunnel.pipeline.directory import find_user
from devfunnel.pipeline.packets import in_order
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import handoffs, opportunities

STATES = ("pending", "accepted", "rejected", "returned")


@dataclass(frozen=True)
class HandoffView:
    """A handoff, who it is from and to, its state and clock, and (when asked for one
    handoff) its packet. ``overdue``: pending past ``due_at`` at the time of reading."""

    id: uuid.UUID
    kind: str
    state: str
    account_id: uuid.UUID
    account_name: str | None
    opportunity_id: uuid.UUID | None
    opportunity_name: str | None
    from_user_id: uuid.UUID | None
    from_email: str | None
    to_user_id: uuid.UUID | None
    to_email: str | None
    to_team: str | None
    completeness: float
    missing: list[str]
    trigger: str | None
    sent_at: datetime | None
    due_at: datetime
    overdue: bool
    accepted_at: datetime | None
    rejected_at: datetime | None
    returned_at: datetime | None
    reason: str | None
    last_reminded_at: datetime | None
    next_stage_reached_at: datetime | None
    created_at: datetime
    packet: dict[str, Any] | None = None


def kind_of(settings: Settings, kind_id: str) -> HandoffKind:
    """The configured kind, or ``ValidationError`` naming the valid ones."""
    for kind in settings.handoffs.kinds:
        if kind.id == kind_id:
            return kind
    valid = [k.id for k in settings.handoffs.kinds]
    raise ValidationError(
        f"unknown handoff kind {kind_id!r}; valid kinds: {', '.join(valid)}",
        field="kind",
        value=kind_id,
        valid=valid,
    )


def handoff_row(conn: sa.Connection, handoff_id: uuid.UUID | str) -> dict[str, Any]:
    parsed = parse_id(handoff_id)
    row = conn.execute(sa.select(handoffs).where(handoffs.c.id == parsed)).first()
    if row is None:
        raise NotFound(f"no handoff with id {parsed}", handoff=str(parsed))
    return dict(row._mapping)


def _query() -> sa.Select[Any]:
    h, a, o = handoffs.c, accounts.c, opportunities.c
    sender, receiver = users.alias("sender"), users.alias("receiver")
    return sa.select(
        handoffs,
        a.name.label("account_name"),
        o.name.label("opportunity_name"),
        sender.c.email.label("from_email"),
        receiver.c.email.label("to_email"),
    ).select_from(
        handoffs.outerjoin(accounts, a.id == h.account_id)
        .outerjoin(opportunities, o.id == h.opportunity_id)
        .outerjoin(sender, sender.c.id == h.from_user_id)
        .outerjoin(receiver, receiver.c.id == h.to_user_id)
    )


def view_query() -> sa.Select[Any]:
    """Handoffs with the names :func:`view` shows (account, opportunity, sender and
    receiver); add ``where`` and ``order_by`` clauses."""
    return _query()


def view(row: Any, now: datetime, *, with_packet: bool = False) -> HandoffView:
    m = row._mapping
    packet = in_order(load_json(m["packet"]) or {})
    due = as_utc(m["due_at"]) or now
    return HandoffView(
        m["id"],
        m["kind"],
        m["state"],
        m["account_id"],
        m["account_name"],
        m["opportunity_id"],
        m["opportunity_name"],
        m["from_user_id"],
        m["from_email"],
        m["to_user_id"],
        m["to_email"],
        m["to_team"],
        float(m["completeness"]),
        list(packet.get("missing", [])),
        m["trigger"],
        as_utc(m["sent_at"]),
        due,
        m["state"] == "pending" and due < now,
        as_utc(m["accepted_at"]),
        as_utc(m["rejected_at"]),
        as_utc(m["returned_at"]),
        m["reason"],
        as_utc(m["last_reminded_at"]),
        as_utc(m["next_stage_reached_at"]),
        m["created_at"],
        packet if with_packet else None,
    )


def handoff_view(
    conn: sa.Connection, handoff_id: uuid.UUID | str, now: datetime | None = None
) -> HandoffView:
    parsed = parse_id(handoff_id)
    row = conn.execute(_query().where(handoffs.c.id == parsed)).first()
    if row is None:
        raise NotFound(f"no handoff with id {parsed}", handoff=str(parsed))
    return view(row, utc_now(now), with_packet=True)


def get_handoff(
    store: Store, handoff_id: uuid.UUID | str, *, now: datetime | None = None
) -> HandoffView:
    with store.read() as conn:
        return handoff_view(conn, handoff_id, now)


def list_handoffs(
    store: Store,
    settings: Settings,
    *,
    state: str | None = None,
    kind: str | None = None,
    to_user: str | None = None,
    from_user: str | None = None,
    account_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> Page[HandoffView]:
    """Handoffs, the earliest due first, filtered (packets left out: ask for one)."""
    check_page(limit, offset)
    at = utc_now(now)
    h = handoffs.c
    where: list[sa.ColumnElement[bool]] = []
    if state is not None:
        if state not in STATES:
            raise ValidationError(
                f"unknown state {state!r}; use one of: {', '.join(STATES)}",
                field="state",
                value=state,
            )
        where.append(h.state == state)
    if kind is not None:
        where.append(h.kind == kind_of(settings, kind).id)
    if account_id is not None:
        where.append(h.account_id == account_id)
    if overdue is not None:
        late = sa.and_(h.state == "pending", h.due_at < at)
        where.append(late if overdue else sa.not_(late))
    with store.read() as conn:
        if to_user is not None:
            where.append(h.to_user_id == find_user(conn, to_user, field="to_user").id)
        if from_user is not None:
            where.append(h.from_user_id == find_user(conn, from_user, field="from_user").id)
        total = int(
            conn.execute(
                sa.select(sa.func.count()).select_from(handoffs).where(*where)
            ).scalar_one()
        )
        rows = conn.execute(
            _query().where(*where).order_by(h.due_at, h.id).limit(limit).offset(offset)
        )
        return Page([view(r, at) for r in rows], total, limit, offset)


def account_handoffs(
    conn: sa.Connection, account_id: uuid.UUID, *, limit: int = 50, now: datetime | None = None
) -> list[HandoffView]:
    """An account's handoffs as :func:`list_handoffs` orders them, on the caller's
    connection and without the total."""
    check_page(limit, 0)
    at = utc_now(now)
    h = handoffs.c
    rows = conn.execute(
        _query().where(h.account_id == account_id).order_by(h.due_at, h.id).limit(limit)
    )
    return [view(r, at) for r in rows]
