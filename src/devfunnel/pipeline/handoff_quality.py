"""Handoff quality: how good the handoffs of a team or person are, against the
``kpis.handoff_quality`` target.

Each handoff contributes up to four parts, each from 0 to 1:

- **completeness**: its packet's completeness (share of required sections present);
- **time to accept**: 1 when accepted within the kind's ``accept_within_hours``, falling
  linearly to 0 at twice that; a pending handoff past due scores the same way on the time
  it has waited past due; a pending one not yet due, or a rejected or returned one, has no
  time part;
- **acceptance**: 1 when accepted, 0 when rejected or returned; pending has none;
- **next stage reached**: for accepted handoffs, 1 once ``next_stage_reached_at`` is set,
  0 when it is still unset ``NEXT_STAGE_WINDOW_DAYS`` after acceptance; none before that.

A group's parts are the means over its handoffs that have them; its score blends the
parts with ``handoffs.quality_weights``, re-normalised over the parts present (a group
whose handoffs are all pending is scored on completeness alone). The rejection rate
(rejected over decided) is reported beside it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.pipeline.common import as_utc, utc_now
from devfunnel.pipeline.directory import group_of, users_by_id
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import handoffs

NEXT_STAGE_WINDOW_DAYS = 30
PARTS = ("completeness", "time_to_accept", "acceptance", "next_stage_reached")


@dataclass(frozen=True)
class Parts:
    """One handoff's quality parts (``None``: not measurable yet) and its state."""

    state: str
    completeness: float
    time_to_accept: float | None
    acceptance: float | None
    next_stage_reached: float | None


def parts_of(row: Any, accept_within_hours: int, now: datetime) -> Parts:
    """The quality parts of one ``handoffs`` row at ``now``."""
    limit = float(accept_within_hours)
    sent = as_utc(row.sent_at) or as_utc(row.created_at) or now
    time_part: float | None = None
    if row.state == "accepted" and row.accepted_at is not None:
        waited = ((as_utc(row.accepted_at) or now) - sent).total_seconds() / 3600
        time_part = 1.0 if waited <= limit else max(0.0, 1 - (waited - limit) / limit)
    elif row.state == "pending":
        due = as_utc(row.due_at) or now
        if now > due:
            time_part = max(0.0, 1 - (now - due).total_seconds() / 3600 / limit)
    acceptance = {"accepted": 1.0, "rejected": 0.0, "returned": 0.0}.get(row.state)
    next_stage: float | None = None
    if row.state == "accepted":
        if row.next_stage_reached_at is not None:
            next_stage = 1.0
        elif (as_utc(row.accepted_at) or now) + timedelta(days=NEXT_STAGE_WINDOW_DAYS) <= now:
            next_stage = 0.0
    return Parts(row.state, float(row.completeness), time_part, acceptance, next_stage)


@dataclass(frozen=True)
class GroupQuality:
    """The quality of one group's handoffs against the target."""

    group: str
    handoffs: int
    completeness: float | None
    time_to_accept: float | None
    acceptance: float | None
    next_stage_reached: float | None
    rejection_rate: float | None
    score: float | None
    target: float
    met: bool | None = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "met", None if self.score is None else self.score >= self.target)


def blend(group: str, parts: list[Parts], weights: dict[str, float], target: float) -> GroupQuality:
    means: dict[str, float | None] = {}
    for name in PARTS:
        values = [v for p in parts if (v := getattr(p, name)) is not None]
        means[name] = sum(values) / len(values) if values else None
    present = {n: (w, m) for n, w in weights.items() if (m := means[n]) is not None}
    total = sum(w for w, _ in present.values())
    score = sum(w * m for w, m in present.values()) / total if total > 0 else None
    decided = [p for p in parts if p.state in ("accepted", "rejected", "returned")]
    rejected = sum(p.state == "rejected" for p in decided)
    return GroupQuality(
        group,
        len(parts),
        means["completeness"],
        means["time_to_accept"],
        means["acceptance"],
        means["next_stage_reached"],
        rejected / len(decided) if decided else None,
        score,
        target,
    )


@dataclass(frozen=True)
class QualityReport:
    """Overall, per team and per person, for the ``side`` (sender or receiver) chosen."""

    side: str
    target: float
    overall: GroupQuality
    by_team: list[GroupQuality]
    by_person: list[GroupQuality]


def handoff_quality(
    store: Store,
    settings: Settings,
    *,
    side: str = "sender",
    since: datetime | None = None,
    now: datetime | None = None,
) -> QualityReport:
    """Handoff quality of handoffs sent since ``since`` (all by default), grouped by the
    sending (or receiving) team and person."""
    if side not in ("sender", "receiver"):
        raise ValidationError(
            f"side must be sender or receiver, not {side!r}", field="side", value=side
        )
    at = utc_now(now)
    h = handoffs.c
    query = sa.select(handoffs).where(h.created_at <= at)
    if since is not None:
        query = query.where(h.created_at >= since)
    hours = {k.id: k.accept_within_hours for k in settings.handoffs.kinds}
    with store.read() as conn:
        rows = conn.execute(query).all()
        people = users_by_id(conn, [r.from_user_id for r in rows] + [r.to_user_id for r in rows])
    weights = settings.handoffs.quality_weights.model_dump()
    target = settings.kpis.handoff_quality
    teams: dict[str, list[Parts]] = defaultdict(list)
    persons: dict[str, list[Parts]] = defaultdict(list)
    everyone: list[Parts] = []
    for row in rows:
        parts = parts_of(row, hours.get(row.kind, 24), at)
        user_id = row.from_user_id if side == "sender" else row.to_user_id
        user = people.get(user_id) if user_id else None
        team = group_of(settings, user) if side == "sender" or not row.to_team else row.to_team
        teams[team].append(parts)
        persons[user.email if user else "devfunnel"].append(parts)
        everyone.append(parts)
    return QualityReport(
        side,
        target,
        blend("all", everyone, weights, target),
        [blend(k, v, weights, target) for k, v in sorted(teams.items())],
        [blend(k, v, weights, target) for k, v in sorted(persons.items())],
    )
