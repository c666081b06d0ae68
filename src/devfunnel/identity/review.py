"""Reviewing identity resolution by hand: finding people, a person's merge history, the
matcher's merge suggestions with their evidence, deciding them, and undoing merges.

The dashboard's People page, the JSON API (``web/routes/identity.py``) and the CLI
(``devfunnel identity``) share these functions; merging itself is
:mod:`devfunnel.identity.merging`.

Who may merge and unmerge people: admins, sales managers and DevRel (the people who
steward contact data for both sides of the funnel), and keys of scope write or admin.
Sellers, customer success, product and viewers may read but not merge: a merge changes
records many people rely on (every event, score and opportunity contact follows it), and
those roles edit only what they own. Every decision is audited
(``merge_suggestion.accept``/``reject`` beside ``person.merge``, ``person.block`` and
``person.unmerge`` written by the merge itself).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.admin.audit import record
from devfunnel.admin.permissions import EDIT_ANY_SCOPES, Principal
from devfunnel.config import Settings
from devfunnel.errors import Forbidden, NotFound, ValidationError
from devfunnel.identity import merging
from devfunnel.identity import people as person_attributes
from devfunnel.identity.lookup import _MAX_HOPS, PersonView, people_views, surviving
from devfunnel.ids import parse_id
from devfunnel.store import Store
from devfunnel.store.query import any_of, chunked
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import identities, merge_suggestions, merges, people

#: Roles that may merge and unmerge people (see the module docstring for why).
MERGE_ROLES = frozenset({"admin", "sales_manager", "devrel"})
SUGGESTION_STATUSES = ("pending", "accepted", "rejected", "auto_merged", "stale")
SEARCH_LIMIT = 50


def can_merge(principal: Principal) -> bool:
    if principal.is_user:
        return principal.role in MERGE_ROLES
    return principal.scope in EDIT_ANY_SCOPES


def require_merge(principal: Principal) -> None:
    if not can_merge(principal):
        who = f"a {principal.role}" if principal.is_user else f"a {principal.scope} key"
        raise Forbidden(
            f"{who} may not merge or unmerge people; admins, sales managers and DevRel may",
            needed="merge",
        )


@dataclass(frozen=True)
class MergeRecord:
    """One merge the person took part in, and whether it was undone."""

    id: uuid.UUID
    kind: str
    winner_id: uuid.UUID
    loser_id: uuid.UUID
    #: The absorbed person's name and email, so the history says who came in.
    loser_name: str | None
    loser_email: str | None
    identity_keys: list[str]
    suggestion_id: uuid.UUID | None
    merged_by: str | None
    merged_at: datetime
    undone_at: datetime | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass(frozen=True)
class Suggestion:
    """A pair the matcher thinks may be one person, with its evidence: per comparison,
    the values compared, the level reached and its match weight (log2 Bayes factor;
    positive is evidence for a match)."""

    id: uuid.UUID
    probability: float
    match_weight: float
    status: str
    evidence: list[dict[str, Any]]
    person_a: PersonView | None
    person_b: PersonView | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


@dataclass(frozen=True)
class PersonDetail:
    person: PersonView
    merges: list[MergeRecord]
    suggestions: list[Suggestion] = field(default_factory=list)
    #: Set when the id asked for was merged into this person.
    asked_for: uuid.UUID | None = None


def search_people(store: Store, text: str | None, *, limit: int = SEARCH_LIMIT) -> list[PersonView]:
    """Live people whose name, email or any identity contains ``text`` (any case), most
    recently seen first; without ``text``, the most recently seen."""
    p, i = people.c, identities.c
    query = sa.select(p.id).where(p.merged_into.is_(None))
    needle = (text or "").strip().lower()
    if len(needle) > 200:
        raise ValidationError("search text must have at most 200 characters", field="q")
    if needle:
        # autoescape: "%" and "_" are searched for as themselves, not as wildcards.
        query = query.where(
            sa.or_(
                sa.func.lower(p.name).contains(needle, autoescape=True),
                sa.func.lower(p.email).contains(needle, autoescape=True),
                p.id.in_(
                    sa.select(i.person_id).where(
                        sa.func.lower(i.value).contains(needle, autoescape=True)
                    )
                ),
            )
        )
    query = query.order_by(p.last_seen.desc().nulls_last(), p.id).limit(limit)
    with store.read() as conn:
        return people_views(conn, list(conn.execute(query).scalars()))


def person_detail(store: Store, person_id: uuid.UUID | str) -> PersonDetail:
    """A person (following merges to the survivor) with their identities, account, merge
    history (newest first) and pending suggestions."""
    asked = parse_id(person_id)
    with store.read() as conn:
        live = surviving(conn, people, asked)
        if live is None:
            raise NotFound(f"no person {asked}", person_id=str(asked))
        found = people_views(conn, [live])
        if not found:
            raise NotFound(f"no person {asked}", person_id=str(asked))
        m, s = merges.c, merge_suggestions.c
        history = conn.execute(
            sa.select(merges, people.c.name, people.c.email)
            .join(people, people.c.id == m.loser_id)
            .where(sa.or_(m.winner_id == live, m.loser_id == live))
            .order_by(m.merged_at.desc(), m.id)
        ).all()
        names = _user_emails(conn, [r.merged_by for r in history])
        records = [
            MergeRecord(
                r.id,
                r.kind,
                r.winner_id,
                r.loser_id,
                r.name,
                r.email,
                list(r.identity_keys or []),
                r.suggestion_id,
                names.get(r.merged_by),
                r.merged_at,
                r.undone_at,
            )
            for r in history
        ]
        pending = conn.execute(
            sa.select(merge_suggestions)
            .where(s.status == "pending", sa.or_(s.person_a == live, s.person_b == live))
            .order_by(s.probability.desc())
        ).all()
        suggestions = _suggestions(conn, pending)
    return PersonDetail(found[0], records, suggestions, asked if asked != live else None)


def list_suggestions(
    store: Store, *, status: str = "pending", limit: int = 50, offset: int = 0
) -> tuple[list[Suggestion], int]:
    """Suggestions of ``status``, the most probable first, and how many there are."""
    if status not in SUGGESTION_STATUSES:
        raise ValidationError(
            f"unknown status {status!r}; use one of: {', '.join(SUGGESTION_STATUSES)}",
            field="status",
            value=status,
        )
    s = merge_suggestions.c
    with store.read() as conn:
        total = int(
            conn.execute(
                sa.select(sa.func.count()).select_from(merge_suggestions).where(s.status == status)
            ).scalar_one()
        )
        rows = conn.execute(
            sa.select(merge_suggestions)
            .where(s.status == status)
            .order_by(s.probability.desc(), s.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return _suggestions(conn, rows), total


def get_suggestion(store: Store, suggestion_id: uuid.UUID | str) -> Suggestion:
    parsed = parse_id(suggestion_id)
    with store.read() as conn:
        row = conn.execute(
            sa.select(merge_suggestions).where(merge_suggestions.c.id == parsed)
        ).first()
        if row is None:
            raise NotFound(f"no merge suggestion {parsed}", suggestion_id=str(parsed))
        return _suggestions(conn, [row])[0]


def decide(
    store: Store,
    settings: Settings,
    principal: Principal,
    suggestion_id: uuid.UUID | str,
    accept: bool,
    *,
    reason: str | None = None,
) -> dict[str, Any]:
    """Accept (merge the two people) or reject (keep them apart for good) a pending
    suggestion; audited. The survivor's derived columns (name, email, counts) are
    recomputed. Returns the outcome of ``merging.decide_suggestion``."""
    require_merge(principal)
    parsed = parse_id(suggestion_id)
    text = (reason or "").strip() or None
    if text is not None and len(text) > 2000:
        raise ValidationError("reason must have at most 2000 characters", field="reason")
    with store.transaction() as conn:
        outcome = merging.decide_suggestion(conn, parsed, accept, principal.actor, text)
        if accept:
            person_attributes.refresh(
                store, conn, settings, [uuid.UUID(outcome["person"])], datetime.now(UTC)
            )
        probability = conn.execute(
            sa.select(merge_suggestions.c.probability).where(merge_suggestions.c.id == parsed)
        ).scalar_one()
        record(
            conn,
            principal.actor,
            f"merge_suggestion.{'accept' if accept else 'reject'}",
            entity_kind="merge_suggestion",
            entity_id=parsed,
            before={"status": "pending", "probability": float(probability)},
            after={"status": "accepted" if accept else "rejected", **outcome},
            reason=text,
        )
    return outcome


def unmerge(
    store: Store,
    settings: Settings,
    principal: Principal,
    merge_id: uuid.UUID | str,
    *,
    reason: str | None = None,
    block: bool = True,
) -> tuple[uuid.UUID, uuid.UUID]:
    """Undo a merge (the absorbed person comes back with their identities and events);
    with ``block`` the two are never merged again. Returns (survivor, restored)."""
    require_merge(principal)
    text = (reason or "").strip() or None
    with store.transaction() as conn:
        survivor, restored = merging.unmerge(
            conn, parse_id(merge_id), principal.actor, reason=text, block=block
        )
        person_attributes.refresh(store, conn, settings, [survivor, restored], datetime.now(UTC))
    return survivor, restored


def _suggestions(conn: sa.Connection, rows: Sequence[Any]) -> list[Suggestion]:
    live = _survivors(conn, [p for r in rows for p in (r.person_a, r.person_b)])
    ids: list[uuid.UUID] = []
    for r in rows:
        ids += [live.get(r.person_a) or r.person_a, live.get(r.person_b) or r.person_b]
    views = {v.id: v for v in people_views(conn, list(dict.fromkeys(ids)))}
    deciders = _user_emails(conn, [r.decided_by for r in rows])
    return [
        Suggestion(
            r.id,
            float(r.probability),
            float(r.match_weight),
            r.status,
            list(_evidence(r.evidence)),
            views.get(ids[2 * n]),
            views.get(ids[2 * n + 1]),
            r.created_at,
            r.decided_at,
            deciders.get(r.decided_by),
        )
        for n, r in enumerate(rows)
    ]


def _survivors(
    conn: sa.Connection, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID | None]:
    """``lookup.surviving`` of many people at once: one query per merge hop for all of
    them (a list of 50 suggestions took a hundred queries one by one)."""
    p = people.c
    current = {pid: pid for pid in person_ids}
    found: dict[uuid.UUID, uuid.UUID | None] = {}
    for _ in range(_MAX_HOPS):
        if not current:
            break
        step: dict[uuid.UUID, uuid.UUID | None] = {}
        for part in chunked(sorted(set(current.values()), key=str)):
            step.update(
                conn.execute(sa.select(p.id, p.merged_into).where(any_of(p.id, part))).all()
            )
        ahead: dict[uuid.UUID, uuid.UUID] = {}
        for asked, at in current.items():
            into = step.get(at, at)
            if at not in step:
                found[asked] = None
            elif into is None or into == at:
                found[asked] = at
            else:
                ahead[asked] = into
        current = ahead
    found.update(current)
    return found


def _evidence(value: Any) -> list[dict[str, Any]]:
    """Evidence as stored: a JSON list (a string on backends without a JSON type)."""
    loaded = orjson.loads(value) if isinstance(value, str | bytes) else value
    return [e for e in loaded if isinstance(e, dict)] if isinstance(loaded, list) else []


def _user_emails(conn: sa.Connection, ids: Sequence[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    wanted = sorted({i for i in ids if i is not None}, key=str)
    if not wanted:
        return {}
    rows = conn.execute(sa.select(users.c.id, users.c.email).where(users.c.id.in_(wanted)))
    return {row.id: row.email for row in rows}
