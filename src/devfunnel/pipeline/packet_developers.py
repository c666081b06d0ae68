"""The developer side of a handoff packet: who the account's developers are, what they
built, and the risks their activity shows (quiet developers, API errors).

"What they built" reads the account's events through its people's identities and
recognises them with the configured activity types of the ``product`` and ``github``
channels (track events only; page views are visits, not building): how often, by how
many developers, first and last, the integrations, SDK languages and other named things
(``NAMED_PROPERTIES``), and for types with a ``value_property`` the volume over the last
30 days.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.engagement import ActivityType
from devfunnel.pipeline.common import as_utc, jsonable, load_json
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import identities, people
from devfunnel.store.schema.scores import person_scores

#: Properties that name what was built (an integration, an SDK's language, ...).
NAMED_PROPERTIES = ("integration", "language", "sdk", "framework", "platform", "name")
BUILD_CHANNELS = ("product", "github")
MAX_DEVELOPERS = 10
VOLUME_DAYS = 30


@dataclass(frozen=True)
class DeveloperSide:
    """The developer side of many accounts' packets, read ahead in one pass each: the
    worker and the demo assemble hundreds of packets at once, and DuckDB scans the events
    table for every query (it keeps no index on them)."""

    developers: Mapping[uuid.UUID, list[dict[str, Any]]]
    built: Mapping[uuid.UUID, list[dict[str, Any]]]


def developer_side(
    conn: sa.Connection, settings: Settings, account_ids: list[uuid.UUID], now: datetime
) -> DeveloperSide:
    return DeveloperSide(
        developers_for(conn, account_ids, now), built_for(conn, settings, account_ids, now)
    )


def developers(conn: sa.Connection, account_id: uuid.UUID, now: datetime) -> list[dict[str, Any]]:
    """The account's developers (not business buyers) who did something, most engaged
    (else most active) first, each with ``last_active``: their latest track, page or
    screen event up to ``now`` (CRM records and identify calls are not activity)."""
    return developers_for(conn, [account_id], now).get(account_id, [])


def developers_for(
    conn: sa.Connection, account_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """``developers`` for many accounts, with one pass over the events per chunk."""
    p, s = people.c, person_scores.c
    candidates: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for part in chunked(account_ids):
        rows = conn.execute(
            sa.select(
                p.account_id,
                p.id,
                p.name,
                p.email,
                p.github_login,
                p.title,
                p.persona,
                p.event_count,
                p.first_seen,
                s.engagement,
                s.journey_stage,
            )
            .select_from(people.outerjoin(person_scores, s.person_id == p.id))
            .where(
                p.account_id.in_(part),
                p.merged_into.is_(None),
                p.is_bot.is_(False),
                p.is_internal.is_(False),
                p.persona != "business",
                p.event_count > 0,
            )
            .order_by(p.account_id, s.engagement.desc().nulls_last(), p.event_count.desc(), p.id)
        )
        for row in rows:
            found = candidates[row.account_id]
            if len(found) < MAX_DEVELOPERS * 5:
                found.append({k: v for k, v in row._mapping.items() if k != "account_id"})
    last = _last_active(conn, [d["id"] for found in candidates.values() for d in found], now)
    result: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for account_id, found in candidates.items():
        for dev in found:
            dev["last_active"] = last.get(dev["id"])
        active = [d for d in found if d["last_active"] is not None][:MAX_DEVELOPERS]
        result[account_id] = [jsonable(d) for d in active]
    return result


def _last_active(
    conn: sa.Connection, person_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, datetime]:
    e, i = events.c, identities.c
    last: dict[uuid.UUID, datetime] = {}
    for part in chunked(person_ids, 5000):
        last.update(
            conn.execute(
                sa.select(i.person_id, sa.func.max(e.timestamp))
                .select_from(events.join(identities, i.key == e.identity_key))
                .where(
                    i.person_id.in_(part),
                    e.type.in_(("track", "page", "screen")),
                    e.timestamp <= now,
                )
                .group_by(i.person_id)
            ).all()
        )
    return last


def _identity_keys(conn: sa.Connection, account_ids: list[uuid.UUID]) -> dict[str, uuid.UUID]:
    """The identity keys of the accounts' live people (bots left out), by account."""
    i, p = identities.c, people.c
    found: dict[str, uuid.UUID] = {}
    for part in chunked(account_ids):
        for key, account_id in conn.execute(
            sa.select(i.key, p.account_id)
            .select_from(identities.join(people, p.id == i.person_id))
            .where(p.account_id.in_(part), p.merged_into.is_(None), p.is_bot.is_(False))
        ):
            found[key] = account_id
    return found


def _types(settings: Settings) -> dict[str, ActivityType]:
    """Track event name (lower-cased) -> activity type, for building activities."""
    found: dict[str, ActivityType] = {}
    for kind in settings.activity_types:
        if kind.channel in BUILD_CHANNELS and not kind.buyer_signal:
            for name in kind.track:
                found.setdefault(name.lower(), kind)
    return found


def built(
    conn: sa.Connection, settings: Settings, account_id: uuid.UUID, now: datetime
) -> list[dict[str, Any]]:
    """Per building activity type: count, developers, first and last time, named things
    and 30-day volume; most recent first."""
    return built_for(conn, settings, [account_id], now).get(account_id, [])


def built_for(
    conn: sa.Connection, settings: Settings, account_ids: list[uuid.UUID], now: datetime
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """``built`` for many accounts in one pass over their events (the worker and the demo
    assemble many packets at once, and DuckDB scans the events table for each query)."""
    types = _types(settings)
    owner = _identity_keys(conn, account_ids)
    if not types or not owner:
        return {}
    e = events.c
    name = sa.func.lower(e.event)
    activity: dict[uuid.UUID, _Activity] = defaultdict(lambda: _Activity(now))
    for part in chunked(sorted(owner)):
        rows = conn.execute(
            sa.select(name, e.identity_key, e.timestamp, e.properties).where(
                e.identity_key.in_(part),
                e.type == "track",
                name.in_(list(types)),
                e.timestamp <= now,
            )
        )
        for event, key, at, props in rows:
            activity[owner[key]].add(types[event], key, as_utc(at) or now, props)
    return {account_id: found.summary() for account_id, found in activity.items()}


class _Activity:
    """One account's building activity, summarised as its events stream past."""

    def __init__(self, now: datetime) -> None:
        self.since = now - timedelta(days=VOLUME_DAYS)
        self.entries: dict[str, dict[str, Any]] = {}
        self.people: dict[str, set[str]] = defaultdict(set)
        self.named: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.volume: dict[str, float] = defaultdict(float)

    def add(self, kind: ActivityType, key: str, when: datetime, props: Any) -> None:
        entry = self.entries.setdefault(
            kind.id,
            {
                "activity": kind.id,
                "label": kind.label,
                "channel": kind.channel,
                "count": 0,
                "first_at": when,
                "last_at": when,
            },
        )
        entry["count"] += 1
        entry["first_at"] = min(entry["first_at"], when)
        entry["last_at"] = max(entry["last_at"], when)
        self.people[kind.id].add(key)
        if kind.value_property is None:
            _collect(self.named[kind.id], load_json(props) if props is not None else None)
        elif when >= self.since and props is not None:
            data = load_json(props)
            value = data.get(kind.value_property) if isinstance(data, dict) else None
            if isinstance(value, int | float) and not isinstance(value, bool):
                self.volume[kind.id] += float(value)

    def summary(self) -> list[dict[str, Any]]:
        result = []
        for kind_id, entry in self.entries.items():
            entry["developers"] = len(self.people[kind_id])
            if self.named[kind_id]:
                named = self.named[kind_id]
                entry["named"] = {k: sorted(v)[:20] for k, v in sorted(named.items())}
            if kind_id in self.volume:
                entry[f"volume_{VOLUME_DAYS}d"] = self.volume[kind_id]
            result.append(jsonable(entry))
        return sorted(result, key=lambda r: r["last_at"], reverse=True)


def _collect(into: dict[str, set[str]], props: Any) -> None:
    if not isinstance(props, dict):
        return
    for key in NAMED_PROPERTIES:
        value = props.get(key)
        if isinstance(value, str) and value.strip():
            into[key].add(value.strip()[:100])


def developer_risks(
    settings: Settings,
    devs: list[dict[str, Any]],
    built_: list[dict[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    """Quiet developers (no activity for ``pipeline.quiet_after_days``) and API errors."""
    risks: list[dict[str, Any]] = []
    quiet_after = timedelta(days=settings.pipeline.quiet_after_days)
    quiet = [
        d
        for d in devs
        if d.get("last_active") and now - datetime.fromisoformat(d["last_active"]) > quiet_after
    ]
    if quiet:
        names = ", ".join(d.get("name") or d.get("email") or str(d["id"]) for d in quiet)
        risks.append(
            {
                "kind": "quiet_developers",
                "count": len(quiet),
                "detail": f"{len(quiet)} of {len(devs)} developers quiet for over "
                f"{settings.pipeline.quiet_after_days} days: {names}",
            }
        )
    errors = next((b for b in built_ if b["activity"] == "api_error"), None)
    if errors is not None:
        recent = errors.get(f"volume_{VOLUME_DAYS}d", 0)
        if recent:
            risks.append(
                {
                    "kind": "api_errors",
                    "count": recent,
                    "detail": f"{recent:g} API errors in the last {VOLUME_DAYS} days",
                }
            )
    return risks
