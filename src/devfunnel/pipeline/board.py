"""The pipeline board: opportunities by stage, each with its gate and win probability.

The dashboard's Pipeline page draws this; moving a card calls
:func:`devfunnel.pipeline.stages.move_opportunity`, the same gated move as the API and
the CLI, so the board only reads. Columns are the configured stages in order. Open
opportunities are all shown (up to ``limit`` per stage, the closest close date first);
closed ones only when they closed in the last ``closed_days`` days, so the won and lost
columns say what just happened instead of growing forever.

Each card carries the gate of its stage (``exit_criteria.gate_statuses``: what is still
missing to move forward, the same list a refused move answers with, read for all cards
at once), the success model's win probability when one was predicted
(``scoring.success.predictions``), and whether the caller may move it
(``permissions.can_edit`` on its owner). The board costs a handful of queries whatever
its size: the cards of every column in one, their gates in three, their chances in one.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.permissions import Principal, can_edit
from devfunnel.config import Settings
from devfunnel.config.sales import Stage
from devfunnel.money import Money
from devfunnel.pipeline.common import utc_now
from devfunnel.pipeline.directory import UserRef, find_user, users_by_id
from devfunnel.pipeline.exit_criteria import GateStatus, gate_statuses
from devfunnel.pipeline.opportunity_records import OpportunityView, view, view_query
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.pipeline import opportunities
from devfunnel.store.schema.predictions import success_predictions

#: Cards one column shows at most; the column says how many more there are.
COLUMN_LIMIT = 200
CLOSED_DAYS = 90


@dataclass(frozen=True)
class Card:
    opportunity: OpportunityView
    gate: GateStatus
    #: The success model's chance of winning, when it has scored this opportunity.
    win_probability: float | None
    #: Whether the caller may move it (its owner, or a role that changes any record).
    movable: bool

    @property
    def amount(self) -> str | None:
        o = self.opportunity
        return str(Money(o.amount_minor, o.currency)) if o.amount_minor is not None else None


@dataclass(frozen=True)
class Column:
    stage: Stage
    cards: list[Card]
    #: Opportunities in the stage (matching the filter), shown or not.
    total: int
    #: Sum of amounts per currency, of every opportunity in the stage.
    amounts: dict[str, int] = field(default_factory=dict)

    @property
    def amount_labels(self) -> list[str]:
        return [str(Money(v, c)) for c, v in sorted(self.amounts.items())]


@dataclass(frozen=True)
class Board:
    columns: list[Column]
    #: Everyone who owns an opportunity, for the owner filter.
    owners: list[UserRef]
    owner: UserRef | None
    closed_since: datetime


def board(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    owner: str | uuid.UUID | None = None,
    limit: int = COLUMN_LIMIT,
    closed_days: int = CLOSED_DAYS,
    now: datetime | None = None,
) -> Board:
    """The board for ``principal``, only ``owner``'s opportunities when given (email or id)."""
    at = utc_now(now)
    since = at - timedelta(days=closed_days)
    o = opportunities.c
    with store.read() as conn:
        chosen = find_user(conn, owner, field="owner") if owner else None
        where: list[sa.ColumnElement[bool]] = [sa.or_(o.status == "open", o.closed_at >= since)]
        if chosen is not None:
            where.append(o.owner_id == chosen.id)
        totals: dict[str, int] = defaultdict(int)
        amounts: dict[str, dict[str, int]] = defaultdict(dict)
        for stage, currency, n, minor in conn.execute(
            sa.select(o.stage, o.currency, sa.func.count(), sa.func.sum(o.amount_minor))
            .where(*where)
            .group_by(o.stage, o.currency)
        ):
            totals[stage] += int(n)
            if minor is not None:
                amounts[stage][currency] = int(minor)
        owner_ids = conn.execute(sa.select(o.owner_id).distinct()).scalars().all()
        owners = sorted(users_by_id(conn, owner_ids).values(), key=lambda u: u.email)
        configured = {s.id for s in settings.pipeline.stages}
        rows = [r for r in _cards(conn, where, limit) if r.stage in configured]
        gates = gate_statuses(conn, settings, [r._mapping for r in rows])
        chances = _win_probabilities(conn, [r.id for r in rows])
        cards: dict[str, list[Card]] = defaultdict(list)
        for row, gate in zip(rows, gates, strict=True):
            v = view(settings, row)
            cards[v.stage].append(
                Card(v, gate, chances.get(v.id), can_edit(principal, [v.owner_id]))
            )
        columns = [
            Column(stage, cards[stage.id], totals.get(stage.id, 0), amounts.get(stage.id, {}))
            for stage in settings.pipeline.stages
        ]
    return Board(columns, owners, chosen, since)


def _cards(
    conn: sa.Connection, where: list[sa.ColumnElement[bool]], limit: int
) -> list[sa.Row[Any]]:
    """Up to ``limit`` cards of every stage in one query, each stage's closest close date
    first. A window numbers the rows within their stage over the narrow opportunity
    columns first, and only the cards kept are joined to their account and owner: on
    DuckDB numbering the wide joined rows costs several times as much, and so does a
    ``stage IN (...)`` filter; cards of a stage no longer configured are left out by the
    caller instead."""
    o = opportunities.c
    order = (o.close_date.is_(None), o.close_date, o.name, o.id)
    ranked = (
        sa.select(o.id, sa.func.row_number().over(partition_by=o.stage, order_by=order).label("n"))
        .where(*where)
        .subquery()
    )
    query = (
        view_query()
        .join(ranked, ranked.c.id == o.id)
        .where(ranked.c.n <= limit)
        .order_by(o.stage, ranked.c.n)
    )
    return list(conn.execute(query).all())


def _win_probabilities(conn: sa.Connection, ids: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    p = success_predictions.c
    chances: dict[uuid.UUID, float] = {}
    for part in chunked(ids):
        rows = conn.execute(
            sa.select(p.opportunity_id, p.probability).where(p.opportunity_id.in_(part))
        )
        chances.update((row.opportunity_id, float(row.probability)) for row in rows)
    return chances
