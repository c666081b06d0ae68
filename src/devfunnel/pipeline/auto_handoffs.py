"""Handoffs devfunnel creates by itself, for kinds with ``auto_create_on``:

- ``pqa``: an account that is PQA (``account_scores``), has an owner and no open
  opportunity, and has had no handoff of the kind since it became PQA, is handed to its
  owner (or, if the owner cannot receive it, the default receiver) with the packet of
  developers, journey and momentum. No scores, no handoffs.
- ``won``: an opportunity won in the last ``WON_WITHIN_DAYS`` days without a handoff of
  the kind is handed on from its owner (``stages.move_opportunity`` does it at once when a
  seller wins a deal; this catches wins that arrived by import).

All are created as the system, with ``trigger`` ``pqa`` or ``won``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.sales import HandoffKind
from devfunnel.errors import Conflict, ValidationError
from devfunnel.pipeline.common import SYSTEM_PRINCIPAL, as_utc, utc_now
from devfunnel.pipeline.handoffs import insert_handoff
from devfunnel.pipeline.packet_developers import DeveloperSide, developer_side
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import handoffs, opportunities
from devfunnel.store.schema.scores import account_scores

log = logging.getLogger(__name__)
#: Wins older than this are history, not a customer waiting for onboarding.
WON_WITHIN_DAYS = 30


@dataclass
class AutoHandoffs:
    created: list[uuid.UUID] = field(default_factory=list)
    #: Why a due handoff could not be created (nobody to receive it, ...).
    problems: list[str] = field(default_factory=list)


def handoff_for_won(
    store: Store,
    settings: Settings,
    opportunity_id: uuid.UUID,
    *,
    now: datetime | None = None,
    prefetched: DeveloperSide | None = None,
) -> uuid.UUID | None:
    """Create the ``won`` handoffs of one won opportunity, each kind in its own
    transaction; the first one's id."""
    at = utc_now(now)
    created = None
    for kind in _won_kinds(settings):
        with store.transaction() as conn:
            made = _won_handoff(conn, settings, kind, opportunity_id, at, prefetched)
        created = created or made
    return created


def _won_kinds(settings: Settings) -> list[HandoffKind]:
    return [k for k in settings.handoffs.kinds if k.auto_create_on == "won"]


def _won_handoff(
    conn: sa.Connection,
    settings: Settings,
    kind: HandoffKind,
    opportunity_id: uuid.UUID,
    at: datetime,
    prefetched: DeveloperSide | None,
) -> uuid.UUID | None:
    """The ``won`` handoff of ``kind`` from the opportunity's owner, unless it exists."""
    row = conn.execute(
        sa.select(opportunities.c.owner_id, users.c.email, users.c.role)
        .select_from(opportunities.outerjoin(users, users.c.id == opportunities.c.owner_id))
        .where(opportunities.c.id == opportunity_id)
    ).first()
    if row is None or _exists(conn, kind.id, opportunity_id=opportunity_id):
        return None
    return insert_handoff(
        conn,
        settings,
        SYSTEM_PRINCIPAL,
        kind=kind.id,
        opportunity=opportunity_id,
        from_user=row.email if row.email and row.role == kind.from_role else None,
        trigger="won",
        now=at,
        prefetched=prefetched,
    )


def run_auto_handoffs(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> AutoHandoffs:
    """Create every due ``pqa`` and ``won`` handoff, in one transaction (a refused one is
    refused before it writes anything, so the others go on)."""
    at = utc_now(now)
    report = AutoHandoffs()
    pqa = {
        k.id: _pqa_accounts(store, k.id)
        for k in settings.handoffs.kinds
        if k.auto_create_on == "pqa"
    }
    won = _recent_wins(store, at)
    if not won and not any(pqa.values()):
        return report
    with store.transaction() as conn:
        # Every packet's developer side in one pass over the events.
        prefetched = developer_side(
            conn,
            settings,
            sorted({a for ids in pqa.values() for a in ids} | {a for _, a in won}, key=str),
            at,
        )
        for kind_id, account_ids in pqa.items():
            for account_id in account_ids:
                try:
                    handoff_id = insert_handoff(
                        conn,
                        settings,
                        SYSTEM_PRINCIPAL,
                        kind=kind_id,
                        account=str(account_id),
                        trigger="pqa",
                        now=at,
                        prefetched=prefetched,
                    )
                except (ValidationError, Conflict) as exc:
                    _problem(report, exc)
                else:
                    report.created.append(handoff_id)
        for opp_id, _ in won:
            for kind in _won_kinds(settings):
                try:
                    made = _won_handoff(conn, settings, kind, opp_id, at, prefetched)
                except (ValidationError, Conflict) as exc:
                    _problem(report, exc)
                else:
                    if made is not None:
                        report.created.append(made)
    return report


def _recent_wins(store: Store, at: datetime) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(opportunity, account) of wins in the last ``WON_WITHIN_DAYS`` days, oldest first."""
    o = opportunities.c
    since = at - timedelta(days=WON_WITHIN_DAYS)
    with store.read() as conn:
        rows = conn.execute(
            sa.select(o.id, o.account_id)
            .where(o.status == "won", o.closed_at >= since, o.closed_at <= at)
            .order_by(o.closed_at)
        ).all()
    return [(r.id, r.account_id) for r in rows]


def _problem(report: AutoHandoffs, exc: ValidationError | Conflict) -> None:
    report.problems.append(exc.detail)
    log.info("automatic handoff not created: %s", exc.detail)


def _pqa_accounts(store: Store, kind: str) -> list[uuid.UUID]:
    s, a, o, h = account_scores.c, accounts.c, opportunities.c, handoffs.c
    open_opp = sa.exists().where(o.account_id == s.account_id, o.status == "open")
    with store.read() as conn:
        rows = conn.execute(
            sa.select(s.account_id, s.pqa_since)
            .select_from(account_scores.join(accounts, a.id == s.account_id))
            .where(s.pqa.is_(True), a.owner_id.is_not(None), a.merged_into.is_(None), ~open_opp)
            .order_by(s.momentum.desc(), s.account_id)
        ).all()
        found = []
        for account_id, since in rows:
            earlier = conn.execute(
                sa.select(h.created_at)
                .where(h.kind == kind, h.account_id == account_id)
                .order_by(h.created_at.desc())
                .limit(1)
            ).scalar()
            since_utc = as_utc(since)
            if earlier is None or (since_utc is not None and as_utc(earlier) < since_utc):  # type: ignore[operator]
                found.append(account_id)
        return found


def _exists(conn: sa.Connection, kind: str, *, opportunity_id: uuid.UUID) -> bool:
    h = handoffs.c
    query = sa.select(h.id).where(h.kind == kind, h.opportunity_id == opportunity_id).limit(1)
    return conn.execute(query).first() is not None
