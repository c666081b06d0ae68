"""Events recognised as activities, per person and day: the facts journey and scores read.

Every computation of this area starts from one set-wise query: events before ``as_of``
are matched to ``[[activity_types]]`` (track events by name, pages and screens by
category or name, case-insensitively), joined through ``identities`` to live people, and
summed per person, activity, day and ISO week. Team members (``people.is_internal``) and
bots (``people.is_bot``, set from ``identity.bot_patterns``) are left out here, once.

A "day" is a 24-hour bucket counted back from ``as_of`` (bucket -1 is the last 24 hours),
so score points one week apart line up exactly with bucket boundaries. Each row also
keeps ``decay``: the sum of ``2 ** ((t - as_of) / half_life)`` over its events, so the
decayed points at any earlier point ``p`` are ``decay * 2 ** ((as_of - p) / half_life)``
without going back to the events.

The facts land in a temporary table of the caller's connection and are dropped with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import identities, people

DAY_SECONDS = 86_400
#: Monday 1970-01-05 is three days after the epoch (a Thursday): weeks start on Mondays.
_WEEK_OFFSET = 3 * DAY_SECONDS
FACTS = "score_facts"
SUBJECTS = "score_subjects"


def facts_table() -> sa.Table:
    """The temporary table's shape (fresh metadata: temp tables belong to a connection)."""
    return sa.Table(
        FACTS, sa.MetaData(),
        sa.Column("person_id", sa.Uuid), sa.Column("account_id", sa.Uuid),
        sa.Column("persona", sa.String(16)), sa.Column("activity", sa.String(64)),
        sa.Column("bucket", sa.BigInteger), sa.Column("week", sa.BigInteger),
        sa.Column("n", sa.BigInteger), sa.Column("value", sa.Double),
        sa.Column("decay", sa.Double),
        sa.Column("first_at", sa.DateTime(timezone=True)),
        sa.Column("last_at", sa.DateTime(timezone=True)),
        prefixes=["TEMPORARY"],
    )  # fmt: skip


def subjects_table() -> sa.Table:
    """Person ids an incremental run is limited to."""
    return sa.Table(
        SUBJECTS, sa.MetaData(), sa.Column("person_id", sa.Uuid), prefixes=["TEMPORARY"]
    )


def activity_map(settings: Settings) -> sa.Values:
    """``(kind, name) -> activity`` as an inline table; ``kind`` is track or page."""
    rows: list[tuple[str, str, str]] = []
    for activity in settings.activity_types:
        rows += [("track", name.casefold(), activity.id) for name in activity.track]
        rows += [("page", name.casefold(), activity.id) for name in activity.pages]
    return sa.values(
        sa.column("kind", sa.String), sa.column("name", sa.String),
        sa.column("activity", sa.String), name="activity_map",
    ).data(sorted(set(rows)))  # fmt: skip


def numeric_property(conn: sa.Connection, name: str) -> sa.ColumnElement[Any]:
    """A numeric event property, null when absent or not a number (never an error)."""
    prop = events.c.properties
    if conn.dialect.name == "postgresql":
        return sa.case(
            (
                sa.func.jsonb_typeof(prop.op("->")(name)) == "number",
                sa.cast(prop.op("->>")(name), sa.Double),
            ),
            else_=None,
        )
    return sa.func.try_cast(sa.literal_column(f"events.properties->>'{_safe(name)}' AS DOUBLE"))


def _safe(name: str) -> str:
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"property name {name!r} must be letters, digits, - and _")
    return name


def epoch(column: sa.ColumnElement[Any]) -> sa.ColumnElement[float]:
    return sa.cast(sa.extract("epoch", column), sa.Double)


def build_facts(
    conn: sa.Connection,
    settings: Settings,
    as_of: datetime,
    *,
    since: datetime | None = None,
    persons: Sequence[uuid.UUID] | None = None,
) -> sa.Table:
    """Create and fill the temporary facts table for events in ``[since, as_of)``;
    ``persons`` limits it to those people (an incremental run)."""
    _drop(conn, FACTS)
    _drop(conn, SUBJECTS)
    table = facts_table()
    table.create(conn)
    amap = activity_map(settings)
    kind = sa.case((events.c.type.in_(("page", "screen")), "page"), else_=events.c.type)
    value = sa.case(
        *[
            (amap.c.activity == a.id, numeric_property(conn, a.value_property))
            for a in settings.activity_types
            if a.value_property
        ],
        else_=None,
    ) if any(a.value_property for a in settings.activity_types) else sa.null()  # fmt: skip
    half_life = settings.scoring.half_life_days * DAY_SECONDS
    age = epoch(events.c.timestamp) - sa.literal(as_of.timestamp(), sa.Double)
    bucket = sa.cast(sa.func.floor(age / DAY_SECONDS), sa.BigInteger)
    week = sa.cast(
        sa.func.floor((epoch(events.c.timestamp) + _WEEK_OFFSET) / (7 * DAY_SECONDS)),
        sa.BigInteger,
    )
    p = people.c
    conditions = [
        events.c.timestamp < as_of,
        p.merged_into.is_(None),
        p.is_internal.is_(False),
        p.is_bot.is_(False),
    ]
    if since is not None:
        conditions.append(events.c.timestamp >= since)
    if persons is not None:
        subjects = subjects_table()
        subjects.create(conn)
        if persons:
            conn.execute(subjects.insert(), [{"person_id": pid} for pid in persons])
        conditions.append(p.id.in_(sa.select(subjects.c.person_id)))
    source = (
        events.join(
            amap, sa.and_(amap.c.kind == kind, amap.c.name == sa.func.lower(events.c.event))
        )
        .join(identities, identities.c.key == events.c.identity_key)
        .join(people, p.id == identities.c.person_id)
    )
    select = (
        sa.select(
            p.id, p.account_id, p.persona, amap.c.activity, bucket, week,
            sa.func.count(), sa.func.sum(value),
            sa.func.sum(sa.func.power(sa.literal(2.0, sa.Double), age / half_life)),
            sa.func.min(events.c.timestamp), sa.func.max(events.c.timestamp),
        )
        .select_from(source)
        .where(*conditions)
        .group_by(p.id, p.account_id, p.persona, amap.c.activity, bucket, week)
    )  # fmt: skip
    conn.execute(table.insert().from_select([c.name for c in table.c], select))
    return table


def window_start(settings: Settings, as_of: datetime, history_days: int = 0) -> datetime:
    """The earliest event time scores need: the scoring window (and twice the trend
    period) before the earliest history point."""
    s = settings.scoring
    return as_of - timedelta(days=max(s.window_days, 2 * s.trend_period_days) + history_days)


def drop_facts(conn: sa.Connection) -> None:
    _drop(conn, FACTS)
    _drop(conn, SUBJECTS)


def _drop(conn: sa.Connection, name: str) -> None:
    conn.execute(sa.text(f"DROP TABLE IF EXISTS {name}"))
