"""The raw parts of engagement and momentum, aggregated in SQL from the activity facts.

Scores are computed at one or more *points*: ``as_of`` minus a whole number of days
(``offset``). The current scores use offset 0; the momentum history backfill asks for
one point a week over the last year in the same query, so a point of the history and the
current score agree by construction. For each point only facts in its own window count:
days ``[-window_days, -1]`` relative to it, decayed by ``2 ** (-age / half_life)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.journey.activities import facts_table

#: Personas whose activity counts as a developer's for breadth (``business`` is a buyer).
BUYER_PERSONA = "business"


@dataclass
class SubjectSignals:
    """One person's or account's signals at one point."""

    #: Decayed weighted points per activity id.
    points: dict[str, float] = field(default_factory=dict)
    developers: int = 0
    kinds: int = 0
    #: Undecayed weighted points in the latest trend period and the one before.
    this_period: float = 0.0
    last_period: float = 0.0
    events: int = 0


def _weights(settings: Settings) -> sa.Values:
    return sa.values(
        sa.column("activity", sa.String), sa.column("weight", sa.Double), name="activity_weights"
    ).data([(a.id, float(a.weight)) for a in settings.activity_types])


def _points(offsets: Sequence[int]) -> sa.Values:
    return sa.values(sa.column("offset_days", sa.Integer), name="score_points").data(
        [(o,) for o in offsets]
    )


def collect(
    conn: sa.Connection, settings: Settings, offsets: Sequence[int], *, by: str
) -> dict[tuple[int, uuid.UUID], SubjectSignals]:
    """Signals per ``(offset, subject)``; ``by`` is ``person_id`` or ``account_id``."""
    s = settings.scoring
    f = facts_table()
    w, pts = _weights(settings), _points(offsets)
    subject = f.c[by]
    rel = f.c.bucket + pts.c.offset_days  # day relative to the point, -1 = its last day
    in_window = sa.and_(rel >= -s.window_days, rel <= -1)
    growth = sa.func.power(
        sa.literal(2.0, sa.Double), pts.c.offset_days / sa.literal(s.half_life_days, sa.Double)
    )
    source = f.join(w, w.c.activity == f.c.activity).join(pts, in_window)
    base = [subject.is_not(None)]
    per_activity = (
        sa.select(pts.c.offset_days, subject, f.c.activity,
                  sa.func.sum(w.c.weight * f.c.decay * growth), sa.func.sum(f.c.n))
        .select_from(source).where(*base)
        .group_by(pts.c.offset_days, subject, f.c.activity)
    )  # fmt: skip
    out: dict[tuple[int, uuid.UUID], SubjectSignals] = {}
    for offset, sid, activity, points, n in conn.execute(per_activity):
        signals = out.setdefault((int(offset), sid), SubjectSignals())
        signals.points[activity] = float(points or 0.0)
        signals.events += int(n or 0)
    period = s.trend_period_days
    this_rel = sa.and_(rel >= -period, rel <= -1)
    last_rel = sa.and_(rel >= -2 * period, rel < -period)
    developer = sa.case((f.c.persona != BUYER_PERSONA, f.c.person_id), else_=None)
    summary = (
        sa.select(
            pts.c.offset_days, subject,
            sa.func.count(sa.distinct(sa.case((in_window, developer), else_=None))),
            sa.func.count(sa.distinct(sa.case((in_window, f.c.activity), else_=None))),
            sa.func.sum(sa.case((this_rel, w.c.weight * f.c.n), else_=0.0)),
            sa.func.sum(sa.case((last_rel, w.c.weight * f.c.n), else_=0.0)),
        )
        .select_from(
            f.join(w, w.c.activity == f.c.activity).join(
                pts, sa.and_(rel >= -max(s.window_days, 2 * period), rel <= -1)
            )
        )
        .where(*base)
        .group_by(pts.c.offset_days, subject)
    )  # fmt: skip
    for offset, sid, developers, kinds, this, last in conn.execute(summary):
        signals = out.setdefault((int(offset), sid), SubjectSignals())
        signals.developers, signals.kinds = int(developers), int(kinds)
        signals.this_period, signals.last_period = float(this or 0.0), float(last or 0.0)
    return out


def raw_event_counts(conn: sa.Connection, settings: Settings) -> dict[uuid.UUID, int]:
    """Recognised events per account in the scoring window: the naive ranking the
    evaluation compares momentum against."""
    f = facts_table()
    rows = conn.execute(
        sa.select(f.c.account_id, sa.func.sum(f.c.n))
        .where(f.c.account_id.is_not(None), f.c.bucket >= -settings.scoring.window_days)
        .group_by(f.c.account_id)
    )
    return {aid: int(n) for aid, n in rows}


def momentum_points(settings: Settings, offsets: Sequence[int]) -> sa.Subquery:
    """``(offset_days, account_id, momentum, developers)`` per point, all in SQL: the
    formula of ``formulas.momentum`` without its why, for the history backfill, where
    explaining a hundred thousand points would cost more than computing them."""
    s = settings.scoring
    w8 = s.momentum_weights
    f = facts_table()
    w, pts = _weights(settings), _points(offsets)
    rel = f.c.bucket + pts.c.offset_days
    in_window = sa.and_(rel >= -s.window_days, rel <= -1)
    growth = sa.func.power(
        sa.literal(2.0, sa.Double), pts.c.offset_days / sa.literal(s.half_life_days, sa.Double)
    )
    period = s.trend_period_days
    developer = sa.case((f.c.persona != BUYER_PERSONA, f.c.person_id), else_=None)
    zero = sa.literal(0.0, sa.Double)
    agg = (
        sa.select(
            pts.c.offset_days.label("offset_days"), f.c.account_id.label("account_id"),
            sa.func.sum(sa.case((in_window, w.c.weight * f.c.decay * growth), else_=zero))
            .label("points"),
            sa.func.count(sa.distinct(sa.case((in_window, developer), else_=None)))
            .label("developers"),
            sa.func.count(sa.distinct(sa.case((in_window, f.c.activity), else_=None)))
            .label("kinds"),
            sa.func.greatest(sa.func.sum(sa.case(
                (sa.and_(rel >= -period, rel <= -1), w.c.weight * f.c.n), else_=zero)), zero)
            .label("this"),
            sa.func.greatest(sa.func.sum(sa.case(
                (sa.and_(rel >= -2 * period, rel < -period), w.c.weight * f.c.n), else_=zero)),
                zero).label("last"),
        )
        .select_from(f.join(w, w.c.activity == f.c.activity).join(
            pts, sa.and_(rel >= -max(s.window_days, 2 * period), rel <= -1)))
        .where(f.c.account_id.is_not(None))
        .group_by(pts.c.offset_days, f.c.account_id)
        .subquery("agg")
    )  # fmt: skip
    activity = sa.case(
        (agg.c.points > 0, 1.0 - sa.func.exp(-agg.c.points / s.momentum_scale)), else_=zero
    )
    devs = sa.func.least(sa.cast(agg.c.developers, sa.Double) / s.breadth_developers, 1.0)
    kinds = sa.func.least(sa.cast(agg.c.kinds, sa.Double) / s.breadth_activity_kinds, 1.0)
    both = agg.c.this + agg.c.last
    trend = sa.case(
        (both > 0, (1.0 + (agg.c.this - agg.c.last) / sa.func.nullif(both, 0)) / 2.0), else_=zero
    )
    momentum = 100.0 * (w8.activity * activity + w8.breadth * 0.5 * (devs + kinds)
                        + w8.trend * trend)  # fmt: skip
    return sa.select(
        agg.c.offset_days, agg.c.account_id, momentum.label("momentum"),
        agg.c.developers.label("developers"),
    ).subquery("momentum_points")  # fmt: skip
