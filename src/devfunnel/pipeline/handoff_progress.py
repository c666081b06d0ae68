"""What happens to handoffs over time: reminders while they wait, and whether the work
they handed on reached its next stage.

- A pending handoff is reminded every ``handoffs.remind_every_hours`` after it was sent
  (``last_reminded_at``); the alerts service delivers the reminder from that fact.
- ``next_stage_reached_at`` is set on an accepted handoff when what it handed on moved
  forward after it was sent:
  - to a seller (the kind's ``to_role`` is ``seller``): an opportunity was opened at the
    account, or the handoff's opportunity (else any opportunity of the account) moved to
    a later stage;
  - to anyone else (customer success): the account reached a further journey stage
    (``journey_transitions``), or a subscription started.
  The time is the first such event.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.pipeline.common import as_utc, utc_now
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import handoffs, opportunities, stage_history
from devfunnel.store.schema.revenue import subscriptions
from devfunnel.store.schema.scores import journey_transitions


@dataclass
class Progress:
    reminded: int = 0
    next_stage_reached: int = 0


def remind_pending(store: Store, settings: Settings, *, now: datetime | None = None) -> int:
    """Mark reminders due on pending handoffs; returns how many."""
    at = utc_now(now)
    every = timedelta(hours=settings.handoffs.remind_every_hours)
    h = handoffs.c
    with store.transaction() as conn:
        rows = conn.execute(
            sa.select(h.id, h.sent_at, h.created_at, h.last_reminded_at).where(h.state == "pending")
        ).all()
        due = [r.id for r in rows if _last_nudge(r, at) + every <= at]
        for handoff_id in due:
            conn.execute(handoffs.update().where(h.id == handoff_id).values(last_reminded_at=at))
    return len(due)


def _last_nudge(row: Any, at: datetime) -> datetime:
    """When the receiver last heard of a handoff: the last reminder, else its sending."""
    for value in (row.last_reminded_at, row.sent_at, row.created_at):
        if value is not None:
            return as_utc(value) or at
    return at


def mark_next_stages(store: Store, settings: Settings, *, now: datetime | None = None) -> int:
    """Set ``next_stage_reached_at`` on accepted handoffs whose work moved on."""
    at = utc_now(now)
    to_role = {k.id: k.to_role for k in settings.handoffs.kinds}
    order = {s.id: i for i, s in enumerate(settings.pipeline.stages)}
    h = handoffs.c
    marked = 0
    with store.transaction() as conn:
        rows = conn.execute(
            sa.select(h.id, h.kind, h.account_id, h.opportunity_id, h.sent_at, h.created_at).where(
                h.state == "accepted", h.next_stage_reached_at.is_(None)
            )
        ).all()
        for row in rows:
            sent = as_utc(row.sent_at) or as_utc(row.created_at) or at
            if to_role.get(row.kind) == "seller":
                reached = _sales_progress(conn, order, row.account_id, row.opportunity_id, sent, at)
            else:
                reached = _customer_progress(conn, row.account_id, sent, at)
            if reached is not None:
                conn.execute(
                    handoffs.update().where(h.id == row.id).values(next_stage_reached_at=reached)
                )
                marked += 1
    return marked


def _sales_progress(
    conn: sa.Connection,
    order: dict[str, int],
    account_id: uuid.UUID,
    opportunity_id: uuid.UUID | None,
    sent: datetime,
    now: datetime,
) -> datetime | None:
    o, s = opportunities.c, stage_history.c
    times: list[datetime] = []
    opened = conn.execute(
        sa.select(sa.func.min(o.created_at)).where(
            o.account_id == account_id, o.created_at > sent, o.created_at <= now
        )
    ).scalar()
    if opened is not None and opportunity_id is None:
        times.append(as_utc(opened))  # type: ignore[arg-type]
    scope = (
        (s.opportunity_id == opportunity_id)
        if opportunity_id is not None
        else s.opportunity_id.in_(sa.select(o.id).where(o.account_id == account_id))
    )
    for from_stage, to_stage, changed in conn.execute(
        sa.select(s.from_stage, s.to_stage, s.changed_at)
        .where(scope, s.changed_at > sent, s.changed_at <= now, s.from_stage.is_not(None))
        .order_by(s.changed_at)
    ):
        if order.get(to_stage, -1) > order.get(from_stage, 99) and to_stage in order:
            times.append(as_utc(changed))  # type: ignore[arg-type]
            break
    return min(times) if times else None


def _customer_progress(
    conn: sa.Connection, account_id: uuid.UUID, sent: datetime, now: datetime
) -> datetime | None:
    t, sub = journey_transitions.c, subscriptions.c
    journey = conn.execute(
        sa.select(sa.func.min(t.reached_at)).where(
            t.subject_kind == "account",
            t.subject_id == account_id,
            t.reached_at > sent,
            t.reached_at <= now,
        )
    ).scalar()
    started = conn.execute(
        sa.select(sa.func.min(sub.started_at)).where(
            sub.account_id == account_id, sub.started_at > sent, sub.started_at <= now
        )
    ).scalar()
    times = [as_utc(x) for x in (journey, started) if x is not None]
    return min(t for t in times if t is not None) if times else None
