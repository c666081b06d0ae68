"""The handoff queue as people work it: theirs, their team's or everyone's, with packets,
and the quality figures beside it (overall, by kind, by team, and week by week).

The dashboard's Handoffs page reads this; accepting and rejecting go through
:mod:`devfunnel.pipeline.handoffs`, as the API and CLI do. A person's team is the one
handoffs are addressed to (``to_team``: their routing team, else their role, see
``directory.group_of``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import sqlalchemy as sa

from devfunnel.admin.permissions import Principal
from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.pipeline.common import as_utc, utc_now
from devfunnel.pipeline.directory import group_of, users_by_id
from devfunnel.pipeline.handoff_quality import GroupQuality, Parts, blend, parts_of
from devfunnel.pipeline.handoff_records import STATES, HandoffView, view, view_query
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import handoffs

Scope = Literal["mine", "team", "all"]
SCOPES: tuple[Scope, ...] = ("mine", "team", "all")
#: Handoffs one page of the queue shows: each carries its packet, so two hundred made a
#: page of over a megabyte; the queue pages on instead.
QUEUE_LIMIT = 50


@dataclass(frozen=True)
class Queue:
    scope: Scope
    state: str | None
    team: str | None
    items: list[HandoffView]
    #: How many pending handoffs each scope holds, for the tabs.
    pending: dict[str, int]
    #: Where this page starts in the queue, and where the next one does (``None``: last).
    offset: int = 0
    next_offset: int | None = None


def queue(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    scope: str = "mine",
    state: str | None = "pending",
    kind: str | None = None,
    limit: int = QUEUE_LIMIT,
    offset: int = 0,
    now: datetime | None = None,
) -> Queue:
    """Handoffs addressed to the caller (``mine``), to their team (``team``) or all, the
    earliest due first, with their packets: ``limit`` of them from ``offset``."""
    if scope not in SCOPES:
        raise ValidationError(
            f"unknown scope {scope!r}; use one of: {', '.join(SCOPES)}", field="scope"
        )
    if state is not None and state not in STATES:
        raise ValidationError(
            f"unknown state {state!r}; use one of: {', '.join(STATES)}", field="state"
        )
    if limit < 1 or offset < 0:
        raise ValidationError("limit must be at least 1 and offset at least 0", field="offset")
    at = utc_now(now)
    h = handoffs.c
    with store.read() as conn:
        me = users_by_id(conn, [principal.user_id]).get(principal.user_id)  # type: ignore[arg-type]
        team = group_of(settings, me) if me else None
        filters: dict[str, sa.ColumnElement[bool]] = {
            "mine": h.to_user_id == principal.user_id if me else sa.false(),
            "team": h.to_team == team if team else sa.false(),
            "all": sa.true(),
        }
        pending = {
            name: int(
                conn.execute(
                    sa.select(sa.func.count())
                    .select_from(handoffs)
                    .where(where, h.state == "pending")
                ).scalar_one()
            )
            for name, where in filters.items()
        }
        where = [filters[scope]]
        if state is not None:
            where.append(h.state == state)
        if kind is not None:
            where.append(h.kind == kind)
        rows = conn.execute(
            view_query().where(*where).order_by(h.due_at, h.id).limit(limit + 1).offset(offset)
        ).all()
        items = [view(r, at, with_packet=True) for r in rows[:limit]]
    more = offset + limit if len(rows) > limit else None
    return Queue(scope, state, team, items, pending, offset, more)


@dataclass(frozen=True)
class QualityFigures:
    overall: GroupQuality
    by_kind: list[GroupQuality]
    by_team: list[GroupQuality]
    #: Week starts and the quality of the handoffs sent that week, as of now.
    weeks: list[tuple[datetime, GroupQuality]]


def quality_figures(
    store: Store, settings: Settings, *, weeks: int = 8, now: datetime | None = None
) -> QualityFigures:
    """Handoff quality overall, by kind, by receiving team, and for each of the last
    ``weeks`` weeks' handoffs, with the same parts and weights as
    :func:`~devfunnel.pipeline.handoff_quality.handoff_quality`."""
    at = utc_now(now)
    hours = {k.id: k.accept_within_hours for k in settings.handoffs.kinds}
    weights = settings.handoffs.quality_weights.model_dump()
    target = settings.kpis.handoff_quality
    h = handoffs.c
    # Only what the parts are made of: the packets (JSON, most of a row) are not read.
    columns = (h.kind, h.to_team, h.state, h.completeness, h.created_at, h.sent_at, h.due_at,
               h.accepted_at, h.next_stage_reached_at)  # fmt: skip
    with store.read() as conn:
        rows = conn.execute(sa.select(*columns).where(h.created_at <= at)).all()
    by_kind: dict[str, list[Parts]] = defaultdict(list)
    by_team: dict[str, list[Parts]] = defaultdict(list)
    start = (at - timedelta(days=at.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    starts = [start - timedelta(weeks=n) for n in reversed(range(weeks))]
    by_week: dict[datetime, list[Parts]] = {s: [] for s in starts}
    everyone: list[Parts] = []
    for row in rows:
        parts = parts_of(row, hours.get(row.kind, 24), at)
        everyone.append(parts)
        by_kind[row.kind].append(parts)
        by_team[row.to_team or "unassigned"].append(parts)
        created = as_utc(row.created_at) or at
        for week in reversed(starts):
            if created >= week:
                by_week[week].append(parts)
                break
    labels = {k.id: k.label for k in settings.handoffs.kinds}
    return QualityFigures(
        blend("all", everyone, weights, target),
        [blend(labels.get(k, k), v, weights, target) for k, v in sorted(by_kind.items())],
        [blend(k, v, weights, target) for k, v in sorted(by_team.items())],
        [(w, blend(w.date().isoformat(), by_week[w], weights, target)) for w in starts],
    )
