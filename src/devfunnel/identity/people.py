"""A person's attributes, derived from their identities and events.

Name, title and persona come from traits (``identify`` calls, but also the profile a
forum or an event registration form sends; the latest value of each trait wins); the
primary email prefers a company address over a personal one; first/last seen and the event
count come from the events resolved to the person. Recomputed only for the people a
resolution run touched.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.identity.accounts import country_code
from devfunnel.identity.domains import DomainClassifier
from devfunnel.store import Store
from devfunnel.store.query import any_of, chunked
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import identities, merge_suggestions, people
from devfunnel.store.schema.pipeline import conversations, leads, opportunities, qualification
from devfunnel.store.schema.scores import person_scores
from devfunnel.store.schema.success import feedback_items

_DEVELOPER = re.compile(
    r"(?i)develop|engineer|programmer|devops|sre|architect|data scien|"
    r"software|backend|frontend|full.?stack|platform|\bcto\b"
)
_BUSINESS = re.compile(
    r"(?i)\bvp\b|vice president|director|head of|chief|\bceo\b|\bcfo\b|"
    r"\bcio\b|procurement|purchasing|finance|manager|owner|founder"
)


def refresh(
    store: Store,
    conn: sa.Connection,
    settings: Settings,
    person_ids: list[uuid.UUID],
    now: datetime,
) -> None:
    """Recompute the derived columns of ``person_ids`` in one bulk update."""
    if not person_ids:
        return
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    internal = {d.lower() for d in settings.company.internal_domains}
    bots = [re.compile(p) for p in settings.identity.bot_patterns]
    rows = []
    # Large parts: each part costs two scans of the events, however few its people.
    for part in chunked(person_ids, 20_000):
        stats = _event_stats(conn, part)
        traits = _latest_traits(conn, part)
        keys = _identity_keys(conn, part)
        for person_id in part:
            rows.append(
                _row(
                    person_id,
                    stats.get(person_id),
                    traits.get(person_id, {}),
                    keys.get(person_id, []),
                    classifier,
                    internal,
                    bots,
                    now,
                )
            )
    store.update(conn, people, pa.Table.from_pylist(rows))


def _event_stats(conn: sa.Connection, part: Any) -> dict[uuid.UUID, tuple[Any, Any, int]]:
    e, i = events.c, identities.c
    query = (
        sa.select(i.person_id, sa.func.min(e.timestamp), sa.func.max(e.timestamp), sa.func.count())
        .select_from(events.join(identities, e.identity_key == i.key))
        .where(any_of(i.person_id, part))
        .group_by(i.person_id)
    )
    found = {}
    for person_id, first, last, count in conn.execute(query):
        if not (isinstance(first, datetime) and isinstance(last, datetime)):
            named = conn.execute(
                sa.select(identities.c.key)
                .where(identities.c.person_id == person_id)
                .order_by(identities.c.key)
                .limit(3)
            ).scalars()
            require_times(f"an event of the person with {', '.join(named)}", first, last)
        found[person_id] = (first, last, int(count))
    return found


def require_times(what: str, *values: Any) -> None:
    """Refuse event times the database handed back as something other than a time.

    DuckDB returns a stored time outside Python's years 1-9999 (in UTC) as text, such as
    ``10000-01-01 04:59:59+00``. Written on (a person's last seen) it spreads; mixed with
    real times in an Arrow column it fails the whole write, as identity resolution did
    on every poll. Intake refuses such times now (:mod:`devfunnel.ingest.times`); this
    names the problem for any stored before, as a data error, so the worker sets the
    batch aside rather than retrying it forever.
    """
    for value in values:
        if not isinstance(value, datetime):
            raise ValidationError(
                f"{what} has a timestamp the database reads back as {value!r}, not a "
                "time: it is outside the years 1-9999 in UTC; delete or correct that event"
            )


def _latest_traits(conn: sa.Connection, part: Any) -> dict[uuid.UUID, dict[str, Any]]:
    e, i = events.c, identities.c
    query = (
        sa.select(i.person_id, e.traits)
        .select_from(events.join(identities, e.identity_key == i.key))
        # A group call's traits describe the group (the account), not the person.
        .where(any_of(i.person_id, part), e.traits.is_not(None), e.type != "group")
        # Events at the same moment (a CRM export and a profile fetch stamped alike) in
        # a fixed order, so the same data always gives the same name.
        .order_by(i.person_id, e.timestamp, e.source, e.message_id)
    )
    merged: dict[uuid.UUID, dict[str, Any]] = defaultdict(dict)
    for person_id, traits in conn.execute(query):
        if isinstance(traits, str | bytes):
            traits = orjson.loads(traits)
        if isinstance(traits, dict):
            merged[person_id].update({k: v for k, v in traits.items() if v not in (None, "")})
    return merged


def _identity_keys(
    conn: sa.Connection, part: Any
) -> dict[uuid.UUID, list[tuple[str, str, datetime | None]]]:
    i = identities.c
    found: dict[uuid.UUID, list[tuple[str, str, datetime | None]]] = defaultdict(list)
    for person_id, kind, value, last_seen in conn.execute(
        sa.select(i.person_id, i.kind, i.value, i.last_seen).where(any_of(i.person_id, part))
    ):
        found[person_id].append((kind, value, last_seen))
    return found


def _row(
    person_id: uuid.UUID,
    stats: tuple[Any, Any, int] | None,
    traits: dict[str, Any],
    keys: list[tuple[str, str, datetime | None]],
    classifier: DomainClassifier,
    internal: set[str],
    bots: list[re.Pattern[str]],
    now: datetime,
) -> dict[str, Any]:
    emails = [(v, seen) for k, v, seen in keys if k == "email"]
    github = next((v for k, v, _ in keys if k == "github"), None)
    name = _name(traits)
    title = _text(traits.get("title"), 300)
    return {
        "id": str(person_id),
        "first_seen": stats[0] if stats else None,
        "last_seen": stats[1] if stats else None,
        "event_count": stats[2] if stats else 0,
        "name": name,
        "email": _primary_email(emails, classifier),
        "title": title,
        "persona": _persona(traits, title, keys),
        "github_login": github,
        "country": country_code(traits.get("country")),
        "is_internal": any(
            classifier.registrable(e.rsplit("@", 1)[1]) in internal for e, _ in emails
        ),
        "is_bot": github is not None and any(p.search(github) for p in bots),
        "traits": orjson.dumps(traits).decode() if traits else None,
        "updated_at": now,
    }


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip()[:limit]


def _name(traits: dict[str, Any]) -> str | None:
    name = _text(traits.get("name"), 300)
    if name:
        return name
    parts = [
        _text(traits.get(k), 150) for k in ("firstName", "first_name", "lastName", "last_name")
    ]
    joined = " ".join(p for p in parts if p)
    return joined or None


def _primary_email(
    emails: list[tuple[str, datetime | None]], classifier: DomainClassifier
) -> str | None:
    """The most recently seen company email, else the most recent personal one."""
    if not emails:
        return None
    floor = datetime.min.replace(tzinfo=None)

    def recency(item: tuple[str, datetime | None]) -> tuple[datetime, str]:
        # Ties (two addresses seen in one import) go to the same address every time.
        return (item[1].replace(tzinfo=None) if item[1] else floor, item[0])

    work = [e for e in emails if classifier.company_domain(e[0])]
    return max(work or emails, key=recency)[0]


def _persona(
    traits: dict[str, Any], title: str | None, keys: list[tuple[str, str, datetime | None]]
) -> str:
    stated = str(traits.get("persona") or traits.get("role") or "").lower()
    if stated in ("developer", "business"):
        return stated
    if title and _BUSINESS.search(title) and not _DEVELOPER.search(title):
        return "business"
    if title and _DEVELOPER.search(title):
        return "developer"
    if any(k in ("github", "user_id") for k, _, _ in keys):
        return "developer"
    return "unknown"


#: The records that name a person: repointed when the person is absorbed by a merge.
_REFERENCES: tuple[tuple[sa.Table, str], ...] = (
    (leads, "person_id"),
    (opportunities, "primary_contact_id"),
    (opportunities, "economic_buyer_contact_id"),
    (qualification, "contact_id"),
    (conversations, "person_id"),
    (feedback_items, "person_id"),
)


def repoint_many(store: Store, conn: sa.Connection, survivors: dict[uuid.UUID, uuid.UUID]) -> None:
    """:func:`repoint_references` for many absorbed people at once (absorbed -> survivor)."""
    if not survivors:
        return
    absorbed = sorted(survivors)
    for table, column in _REFERENCES:
        col = table.c[column]
        rows = []
        for part in chunked(absorbed):
            for row_id, person in conn.execute(sa.select(table.c.id, col).where(col.in_(part))):
                rows.append({"id": str(row_id), column: str(survivors[person])})
        if rows:
            store.update(conn, table, pa.Table.from_pylist(rows))
    for part in chunked(absorbed):
        conn.execute(person_scores.delete().where(person_scores.c.person_id.in_(part)))
        s = merge_suggestions.c
        conn.execute(
            merge_suggestions.update()
            .where(s.status == "pending", sa.or_(s.person_a.in_(part), s.person_b.in_(part)))
            .values(status="stale")
        )


def repoint_references(conn: sa.Connection, loser: uuid.UUID, winner: uuid.UUID) -> None:
    """Records that named the absorbed person now name the surviving one."""
    for table, column in _REFERENCES:
        col = table.c[column]
        conn.execute(table.update().where(col == loser).values({column: winner}))
    conn.execute(person_scores.delete().where(person_scores.c.person_id == loser))
    s = merge_suggestions.c
    conn.execute(
        merge_suggestions.update()
        .where(s.status == "pending", sa.or_(s.person_a == loser, s.person_b == loser))
        .values(status="stale")
    )
