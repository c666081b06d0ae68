"""Speed-to-lead: the SLA clock per lead source, first touches, breaches, escalations,
and compliance.

- The clock starts when a lead is routed: ``sla_due_at = routed_at +
  routing.sla_minutes[source]`` (a source without a value has no SLA). Leads routed
  outside devfunnel (a CRM import with an owner) get theirs from the same table.
- The first touch is the owner's first call, email, meeting, chat or demo with the lead's
  person or account after routing (``conversations``; notes do not count), or an
  explicit touch (``devfunnel leads touch``). The earliest one counts.
- A lead first touched after its due time, or still untouched and open past it, has
  breached: ``breached_at`` is the due time it missed.
- A breached lead still untouched ``routing.escalate_after_minutes`` after its due time
  is escalated to its team's manager (``escalated_at``, ``escalated_to``, audited).
- Compliance is met / (met + breached), counting leads whose outcome is decided; leads
  still inside their window are ``pending``.

``check_slas`` does all of it and is a worker step; it records facts the alerts service
delivers from, and sends nothing itself.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.pipeline.common import SYSTEM_PRINCIPAL, as_utc, jsonable, utc_now
from devfunnel.pipeline.dedupe import OPEN_LEAD_STATUSES
from devfunnel.pipeline.directory import team, team_of, users_by_email, users_by_id
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.pipeline import conversations, leads

#: Conversation kinds that count as touching a lead.
TOUCH_KINDS = ("call", "email", "meeting", "chat", "demo")
GroupBy = Literal["source", "team", "person"]


@dataclass
class SlaCheck:
    """What one check recorded."""

    clocks_started: int = 0
    touches: int = 0
    breaches: int = 0
    escalations: int = 0


def check_slas(store: Store, settings: Settings, *, now: datetime | None = None) -> SlaCheck:
    """Start missing clocks, record first touches, breaches and escalations at ``now``."""
    at = utc_now(now)
    report = SlaCheck()
    with store.exclusive("sla") as conn:
        report.clocks_started = _start_clocks(conn, settings, at)
        report.touches = _first_touches(conn, at)
        report.breaches = _breaches(conn, at)
        report.escalations = _escalate(conn, settings, at)
    return report


def _start_clocks(conn: sa.Connection, settings: Settings, at: datetime) -> int:
    """Clocks for leads routed elsewhere (imports with an owner): due after their source's
    minutes."""
    lc = leads.c
    started = 0
    for source, minutes in settings.routing.sla_minutes.items():
        waiting = lc.source == source, lc.routed_at.is_not(None), lc.sla_due_at.is_(None)
        count = conn.execute(sa.select(sa.func.count()).select_from(leads).where(*waiting))
        found = int(count.scalar_one())
        if found:
            conn.execute(
                leads.update()
                .where(*waiting)
                .values(sla_due_at=lc.routed_at + timedelta(minutes=minutes))
            )
        started += found
    return started


def _first_touches(conn: sa.Connection, at: datetime) -> int:
    lc, cc = leads.c, conversations.c
    same_party = sa.or_(
        sa.and_(lc.person_id.is_not(None), cc.person_id == lc.person_id),
        sa.and_(lc.account_id.is_not(None), cc.account_id == lc.account_id),
    )
    rows = conn.execute(
        sa.select(lc.id, sa.func.min(cc.occurred_at))
        .select_from(leads.join(conversations, sa.and_(cc.user_id == lc.owner_id, same_party)))
        .where(
            lc.first_touch_at.is_(None),
            lc.routed_at.is_not(None),
            cc.kind.in_(TOUCH_KINDS),
            cc.occurred_at >= lc.routed_at,
            cc.occurred_at <= at,
        )
        .group_by(lc.id)
    ).all()
    for lead_id, touched in rows:
        conn.execute(leads.update().where(lc.id == lead_id).values(first_touch_at=touched))
    return len(rows)


def _breaches(conn: sa.Connection, at: datetime) -> int:
    lc = leads.c
    late = sa.or_(
        lc.first_touch_at > lc.sla_due_at,
        sa.and_(
            lc.first_touch_at.is_(None), lc.sla_due_at <= at, lc.status.in_(OPEN_LEAD_STATUSES)
        ),
    )
    # Counted first: DuckDB's driver does not report an UPDATE's row count.
    breached = list(
        conn.execute(
            sa.select(lc.id).where(lc.breached_at.is_(None), lc.sla_due_at.is_not(None), late)
        ).scalars()
    )
    for part in chunked(breached):
        conn.execute(leads.update().where(lc.id.in_(part)).values(breached_at=lc.sla_due_at))
    return len(breached)


def _escalate(conn: sa.Connection, settings: Settings, at: datetime) -> int:
    lc = leads.c
    wait = timedelta(minutes=settings.routing.escalate_after_minutes)
    rows = conn.execute(
        sa.select(lc.id, lc.owner_id, lc.routed_team, lc.breached_at).where(
            lc.breached_at.is_not(None),
            lc.escalated_at.is_(None),
            lc.first_touch_at.is_(None),
            lc.status.in_(OPEN_LEAD_STATUSES),
            lc.owner_id.is_not(None),
        )
    ).all()
    due = [r for r in rows if (as_utc(r.breached_at) or at) + wait <= at]
    owners = users_by_id(conn, [r.owner_id for r in due])
    managers = users_by_email(conn, [t.manager for t in settings.routing.teams if t.manager])
    for row in due:
        owner = owners.get(row.owner_id)
        found = _team(settings, row.routed_team, owner.email if owner else None)
        manager = managers.get(found.manager.lower()) if found and found.manager else None
        if manager is None and owner is not None and owner.manager_id is not None:
            manager = users_by_id(conn, [owner.manager_id]).get(owner.manager_id)
        conn.execute(
            leads.update()
            .where(lc.id == row.id)
            .values(escalated_at=at, escalated_to=manager.id if manager else None, updated_at=at)
        )
        reason = (
            f"not touched {settings.routing.escalate_after_minutes} minutes after its SLA "
            f"breach; escalated to {manager.email}"
            if manager
            else "not touched after its SLA breach; no manager to escalate to"
        )
        audit.record(
            conn,
            SYSTEM_PRINCIPAL.actor,
            "lead.escalate",
            entity_kind="lead",
            entity_id=row.id,
            after=jsonable(
                {
                    "escalated_to": manager.email if manager else None,
                    "team": found.id if found else None,
                    "breached_at": row.breached_at,
                }
            ),
            reason=reason,
        )
    return len(due)


def _team(settings: Settings, team_id: str | None, owner_email: str | None) -> Any:
    if team_id:
        try:
            return team(settings, team_id)
        except KeyError:
            pass
    return team_of(settings, owner_email)


@dataclass(frozen=True)
class Compliance:
    """Speed-to-lead compliance of one group: leads with an SLA, how many were touched in
    time, breached, and still pending; ``rate`` is met / (met + breached), ``None`` while
    nothing is decided."""

    group: str
    leads: int
    met: int
    breached: int
    pending: int
    rate: float | None = field(init=False)

    def __post_init__(self) -> None:
        decided = self.met + self.breached
        object.__setattr__(self, "rate", self.met / decided if decided else None)


def sla_compliance(
    store: Store,
    settings: Settings,
    *,
    by: str = "source",
    since: datetime | None = None,
    now: datetime | None = None,
) -> tuple[Compliance, list[Compliance]]:
    """Overall compliance and compliance per ``by`` (source, team or person) of leads
    routed since ``since`` (all by default), as of ``now``. For the KPI
    ``kpis.speed_to_lead_compliance``."""
    if by not in ("source", "team", "person"):
        raise ValidationError(
            f"by must be source, team or person, not {by!r}", field="by", value=by
        )
    at = utc_now(now)
    lc = leads.c
    met = sa.and_(lc.first_touch_at.is_not(None), lc.first_touch_at <= lc.sla_due_at)
    breached = sa.or_(
        lc.breached_at.is_not(None),
        lc.first_touch_at > lc.sla_due_at,
        sa.and_(lc.first_touch_at.is_(None), lc.sla_due_at <= at),
    )
    query = (
        sa.select(
            lc.source,
            lc.routed_team,
            lc.owner_id,
            sa.func.count(),
            sa.func.sum(sa.case((met, 1), else_=0)),
            sa.func.sum(sa.case((sa.and_(sa.not_(met), breached), 1), else_=0)),
        )
        .where(
            lc.sla_due_at.is_not(None),
            lc.routed_at <= at,
            *([lc.routed_at >= since] if since is not None else []),
        )
        .group_by(lc.source, lc.routed_team, lc.owner_id)
    )
    with store.read() as conn:
        rows = conn.execute(query).all()
        owners = users_by_id(conn, [r.owner_id for r in rows])
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    total = [0, 0, 0]
    for source, team_id, owner_id, n, n_met, n_breached in rows:
        owner = owners.get(owner_id) if owner_id else None
        if by == "source":
            key = source
        elif by == "person":
            key = owner.email if owner else "unassigned"
        else:
            found = _team(settings, team_id, owner.email if owner else None)
            key = found.id if found else "unassigned"
        for bucket in (counts[key], total):
            bucket[0] += int(n)
            bucket[1] += int(n_met or 0)
            bucket[2] += int(n_breached or 0)
    groups = [Compliance(k, n, m, b, n - m - b) for k, (n, m, b) in sorted(counts.items())]
    n, m, b = total
    return Compliance("all", n, m, b, n - m - b), groups
