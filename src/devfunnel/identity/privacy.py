"""Data-subject requests: export everything held on a person, or erase it.

A person is found by an email identity and followed through merges to the surviving
person; their *footprint* is that person, every tombstoned person merged into them, and
every identity key those people hold. Both operations work on the same footprint, so an
export shows exactly what an erasure would remove.

Events are matched by what they carry, not only by how they resolved: an event belongs to
the footprint when its ``identity_key`` is one of the keys, or when any identity column
(``user_id``, ``email``, ``github_login``, ``anonymous_id``, an alias's ``previous_id``)
holds one of the footprint's values. That also catches events still waiting for
resolution and the rare event that resolved to someone else through a never-merge block
while carrying this person's email.

Erasure, per table (everything in one transaction, under the identity-resolution lock so
a concurrent resolution run cannot re-create what is being removed):

- deleted, because the row is about the person and nothing else: ``people`` (the person
  and their tombstones), ``identities``, ``events`` (see above), ``touchpoints`` (by
  identity key, or pointing at a deleted event), ``identity_edges`` and ``merge_blocks``
  touching their keys (both store the keys in clear), ``merges`` and
  ``merge_suggestions`` involving them (their evidence holds the person's identities),
  ``person_scores`` and the person's ``journey_transitions``;
- ``leads``: deleted, except a converted lead (status converted, a converted
  opportunity, or named by ``opportunities.lead_id``, a foreign key on PostgreSQL), which
  stays so conversion history remains true, with ``person_id``, ``snapshot`` and
  ``external_key`` (the CRM's id of the person's lead) cleared;
- ``opportunities`` and ``qualification``: the deal is the company's, so the row stays
  and only the contact references to the person are cleared;
- ``conversations``: one on an opportunity stays (it is deal history) but loses the
  person; one with the person and no opportunity is a record of them alone: deleted;
- ``feedback_items``: one with an account stays (product weighs requests by the
  account's revenue) but loses the person; one without an account is deleted;
- ``audit_log``: entries about the person keep what was done but lose the person's id;
- free text and JSON elsewhere (conversation and feedback text, qualification evidence,
  webhook payloads, audit entries, handoff packets, alerts, the CRM outbox): the
  person's email addresses are replaced by ``[erased]``, and in JSON so are strings equal
  to one of their identity keys, person ids or GitHub login. Names are not scrubbed: a
  name alone is ambiguous.

What stays is an ``erasures`` row with the SHA-256 of each erased identity key and the
counts above, and an audit entry naming only that row and the counts. Later events with
the same identity start a new person with only the new history: the old events are gone,
so there is nothing for resolution to join them to. (A replay of an erased event, same
``messageId``, is such a later event too: its de-duplication record went with it. A
source that still holds the person, such as a CRM export, sends them again until it
forgets them as well.)
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.admin.audit import CLI, Actor, record
from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.identity import lookup
from devfunnel.identity import people as person_attributes
from devfunnel.identity.keys import key, key_hash, normalise_email, normalise_github
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import alerts, audit_log, crm_outbox
from devfunnel.store.schema.events import events, touchpoints, webhook_deliveries
from devfunnel.store.schema.identity import (
    accounts,
    erasures,
    identities,
    identity_edges,
    merge_blocks,
    merge_suggestions,
    merges,
    people,
)
from devfunnel.store.schema.pipeline import (
    conversations,
    handoffs,
    leads,
    opportunities,
    qualification,
)
from devfunnel.store.schema.scores import journey_transitions, person_scores
from devfunnel.store.schema.success import feedback_items

EXPORT_FORMAT = "devfunnel.person-export/1"
ERASED = "[erased]"
#: Where erased emails are scrubbed from text: (table, text columns, holds JSON).
_MENTIONS: tuple[tuple[sa.Table, tuple[str, ...], bool], ...] = (
    (conversations, ("subject", "body"), False),
    (feedback_items, ("title", "body"), False),
    (qualification, ("evidence",), False),
    (webhook_deliveries, ("payload",), True),
    (audit_log, ("before", "after"), True),
    (handoffs, ("packet",), True),
    (alerts, ("payload",), True),
    (crm_outbox, ("payload",), True),
)
#: events column -> identity kind it holds.
_EVENT_IDENTITY_COLUMNS = {"user_id": "user_id", "email": "email",
                           "github_login": "github", "anonymous_id": "anonymous_id"}  # fmt: skip


@dataclass(frozen=True)
class Footprint:
    """The surviving person, everyone merged into them, and all their identity keys."""

    person_id: uuid.UUID
    person_ids: list[uuid.UUID]
    keys: list[str]

    def values(self, *kinds: str) -> list[str]:
        return [k.split(":", 1)[1] for k in self.keys if k.split(":", 1)[0] in kinds]

    def events(self) -> sa.ColumnElement[bool]:
        """Events that carry any of the footprint's identities (see the module docs)."""
        e = events.c
        clauses: list[sa.ColumnElement[bool]] = [e.identity_key.in_(self.keys)]
        for column, kind in _EVENT_IDENTITY_COLUMNS.items():
            if values := self.values(kind):
                clauses.append(e[column].in_(values))
        if previous := self.values("user_id", "anonymous_id"):
            clauses.append(sa.and_(e.type == "alias", e.previous_id.in_(previous)))
        return sa.or_(*clauses)


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: the ``erasures`` row id and counts per table and action
    (``events.deleted``, ``leads.cleared``, ``webhook_deliveries.scrubbed``, ...)."""

    id: uuid.UUID
    erased_at: datetime
    counts: dict[str, int]


def footprint(conn: sa.Connection, email: str) -> Footprint:
    """The footprint of the person with this email; ``NotFound`` (saying when, if it was
    erased) otherwise."""
    normalised = normalise_email(email)
    if normalised is None:
        raise ValidationError(f"{email!r} is not an email address", field="email")
    identity_key = key("email", normalised)
    person = lookup.person_for_key(conn, identity_key)
    if person is None:
        raise _not_found(conn, normalised, identity_key)
    ids = [person, *lookup.absorbed(conn, person)]
    held = conn.execute(
        sa.select(identities.c.key).where(identities.c.person_id.in_(ids)).order_by("key")
    )
    return Footprint(person, ids, list(held.scalars()))


def _not_found(conn: sa.Connection, email: str, identity_key: str) -> NotFound:
    digest = key_hash(identity_key)
    rows = conn.execute(
        sa.select(erasures.c.id, erasures.c.erased_at, erasures.c.key_hashes).order_by(
            erasures.c.erased_at.desc()
        )
    )
    for erasure_id, erased_at, hashes in rows:
        if digest in _json(hashes):
            return NotFound(
                f"no person has the email {email}: it was erased on {erased_at:%Y-%m-%d %H:%M} "
                f"UTC (erasure {erasure_id})",
                erasure_id=str(erasure_id),
            )
    return NotFound(f"no person has the email {email}", email=email)


def export_person(store: Store, email: str, actor: Actor = CLI) -> dict[str, Any]:
    """Everything held on the person with this email, as one JSON-ready document.

    The export itself is audited (who exported which person id, and how many events),
    since handing out personal data is worth a trace.
    """
    with store.transaction() as conn:
        fp = footprint(conn, email)
        ids, keys = fp.person_ids, fp.keys
        o = opportunities.c
        person = _rows(conn, people, people.c.id == fp.person_id)[0]
        doc: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "exported_at": datetime.now(UTC),
            "person": person,
            "merged_people": _rows(conn, people, people.c.id.in_(ids[1:])),
            "identities": _rows(conn, identities, identities.c.person_id.in_(ids)),
            "account": _account(conn, person["account_id"]),
            "events": _rows(conn, events, fp.events(), events.c.timestamp),
            "touchpoints": _rows(conn, touchpoints, touchpoints.c.identity_key.in_(keys)),
            "leads": _rows(conn, leads, leads.c.person_id.in_(ids)),
            "opportunities": _rows(
                conn,
                opportunities,
                sa.or_(o.primary_contact_id.in_(ids), o.economic_buyer_contact_id.in_(ids)),
            ),
            "qualification": _rows(conn, qualification, qualification.c.contact_id.in_(ids)),
            "conversations": _rows(conn, conversations, conversations.c.person_id.in_(ids)),
            "feedback": _rows(conn, feedback_items, feedback_items.c.person_id.in_(ids)),
            "scores": _rows(conn, person_scores, person_scores.c.person_id.in_(ids)),
            "journey": _rows(conn, journey_transitions, _journey(ids)),
            "merges": _rows(conn, merges, _involving(merges, ("winner_id", "loser_id"), ids)),
            "merge_suggestions": _rows(
                conn,
                merge_suggestions,
                _involving(merge_suggestions, ("person_a", "person_b"), ids),
            ),
            "identity_edges": _rows(
                conn, identity_edges, _involving(identity_edges, ("a", "b"), keys)
            ),
        }
        counted = {"events": len(doc["events"]), "identities": len(doc["identities"])}
        record(conn, actor, "person.export", entity_kind="person", entity_id=fp.person_id,
               after=counted)  # fmt: skip
    return doc


def export_json(doc: dict[str, Any]) -> bytes:
    """An export as indented JSON (UUIDs and times as ISO text)."""
    return orjson.dumps(
        doc, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_UTC_Z | orjson.OPT_NON_STR_KEYS
    )


def erase_person(store: Store, settings: Settings, email: str, actor: Actor = CLI) -> Erasure:
    """Erase the person with this email everywhere, in one transaction (see the module
    docs for what happens to each table). Raises ``NotFound`` for an unknown email."""
    now = datetime.now(UTC)
    with store.exclusive("identity-resolution") as conn:
        fp = footprint(conn, email)
        ids, keys = fp.person_ids, fp.keys
        carried = fp.events()
        others = _others_with_events(conn, carried, ids)
        counts: dict[str, int] = {}

        def delete(table: sa.Table, where: sa.ColumnElement[bool]) -> None:
            counts[f"{table.name}.deleted"] = _apply(conn, table.delete(), table, where)

        def clear(table: sa.Table, where: sa.ColumnElement[bool], **values: Any) -> None:
            counts[f"{table.name}.cleared"] = _apply(
                conn, table.update().values(values), table, where
            )

        t, o, lc = touchpoints.c, opportunities.c, leads.c
        carried_ids = sa.select(events.c.id).where(carried)
        delete(touchpoints, sa.or_(t.identity_key.in_(keys), t.event_id.in_(carried_ids)))
        delete(events, carried)
        delete(identity_edges, _involving(identity_edges, ("a", "b"), keys))
        delete(merge_blocks, _involving(merge_blocks, ("key_a", "key_b"), keys))
        delete(merges, _involving(merges, ("winner_id", "loser_id"), ids))
        delete(merge_suggestions, _involving(merge_suggestions, ("person_a", "person_b"), ids))
        delete(person_scores, person_scores.c.person_id.in_(ids))
        delete(journey_transitions, _journey(ids))
        converted = sa.or_(
            lc.status == "converted",
            lc.converted_opportunity_id.is_not(None),
            lc.id.in_(sa.select(o.lead_id).where(o.lead_id.is_not(None))),
        )
        clear(leads, sa.and_(lc.person_id.in_(ids), converted),
              person_id=None, snapshot=sa.null(), external_key=None, updated_at=now)  # fmt: skip
        delete(leads, lc.person_id.in_(ids))
        clear(opportunities, sa.or_(o.primary_contact_id.in_(ids),
                                    o.economic_buyer_contact_id.in_(ids)),
              primary_contact_id=_unless_in(o.primary_contact_id, ids),
              economic_buyer_contact_id=_unless_in(o.economic_buyer_contact_id, ids))  # fmt: skip
        clear(qualification, qualification.c.contact_id.in_(ids), contact_id=None)
        c, f = conversations.c, feedback_items.c
        delete(conversations, sa.and_(c.person_id.in_(ids), c.opportunity_id.is_(None)))
        clear(conversations, c.person_id.in_(ids), person_id=None)
        delete(feedback_items, sa.and_(f.person_id.in_(ids), f.account_id.is_(None)))
        clear(feedback_items, f.person_id.in_(ids), person_id=None, updated_at=now)
        delete(identities, identities.c.person_id.in_(ids))
        delete(people, people.c.id.in_(ids))
        a = audit_log.c
        clear(audit_log, sa.and_(a.entity_kind == "person", a.entity_id.in_(ids)), entity_id=None)
        counts.update(_scrub(conn, fp))

        erasure_id = new_id()
        conn.execute(erasures.insert().values(
            id=erasure_id, key_hashes=sorted(key_hash(k) for k in keys),
            erased_by=actor.id, erased_at=now, counts=counts))  # fmt: skip
        record(conn, actor, "person.erase", entity_kind="erasure", entity_id=erasure_id,
               after={"erasure_id": str(erasure_id), "counts": counts})  # fmt: skip
        person_attributes.refresh(store, conn, settings, others, now)
    return Erasure(erasure_id, now, counts)


def _apply(
    conn: sa.Connection, statement: sa.Delete | sa.Update, table: sa.Table, where: Any
) -> int:
    """Run ``statement`` on the rows ``where`` selects and return how many there were
    (counted first: DuckDB does not report affected rows)."""
    count = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    if count:
        conn.execute(statement.where(where))
    return int(count)


def _others_with_events(
    conn: sa.Connection, carried: sa.ColumnElement[bool], ids: Sequence[uuid.UUID]
) -> list[uuid.UUID]:
    """Other people some of the erased events resolved to, whose aggregates must be
    recomputed once those events are gone."""
    i = identities.c
    query = (
        sa.select(i.person_id)
        .distinct()
        .select_from(events.join(identities, events.c.identity_key == i.key))
        .where(carried, i.person_id.not_in(ids))
    )
    return sorted(conn.execute(query).scalars())


@dataclass(frozen=True)
class _Scrubber:
    """What to replace by ``[erased]``: the person's emails anywhere in a text; in JSON
    also strings that are exactly one of their identity keys or person ids, or that
    normalise to one of their GitHub logins (a login alone is too short to replace
    inside other text)."""

    emails: tuple[str, ...]
    exact: frozenset[str]
    logins: frozenset[str]

    @classmethod
    def of(cls, fp: Footprint) -> _Scrubber:
        exact = frozenset([*fp.keys, *(str(i) for i in fp.person_ids)])
        return cls(tuple(fp.values("email")), exact, frozenset(fp.values("github")))

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        return re.compile("|".join(map(re.escape, self.emails)), re.I) if self.emails else None

    def needles(self, is_json: bool) -> list[str]:
        """Lower-cased substrings that a row must contain to be worth parsing."""
        extra = {n.lower() for n in (*self.exact, *self.logins)} if is_json else set()
        return [*self.emails, *sorted(extra)]

    def clean(self, value: Any, is_json: bool) -> Any:
        if isinstance(value, str):
            if is_json and (value in self.exact or normalise_github(value) in self.logins):
                return ERASED
            return self.pattern.sub(ERASED, value) if self.pattern else value
        if isinstance(value, dict):
            return {k: self.clean(v, is_json) for k, v in value.items()}
        if isinstance(value, list):
            return [self.clean(v, is_json) for v in value]
        return value


def _scrub(conn: sa.Connection, fp: Footprint) -> dict[str, int]:
    """Replace the person's identities in text and JSON kept elsewhere (``_MENTIONS``)."""
    scrubber = _Scrubber.of(fp)
    counts: dict[str, int] = {}
    for table, columns, is_json in _MENTIONS:
        if not (needles := scrubber.needles(is_json)):
            continue
        changed = 0
        for name in columns:
            column = table.c[name]
            text = sa.func.lower(sa.cast(column, sa.Text))
            where = sa.or_(*(text.contains(n, autoescape=True) for n in needles))
            for row_id, value in conn.execute(sa.select(table.c.id, column).where(where)).all():
                data = _json(value) if is_json else value
                cleaned = scrubber.clean(data, is_json)
                if cleaned != data:
                    conn.execute(table.update().where(table.c.id == row_id).values({name: cleaned}))
                    changed += 1
        if changed:
            counts[f"{table.name}.scrubbed"] = changed
    return counts


def _unless_in(column: sa.ColumnElement[Any], ids: Sequence[uuid.UUID]) -> Any:
    return sa.case((column.in_(ids), sa.null()), else_=column)


def _involving(
    table: sa.Table, columns: Iterable[str], values: Sequence[Any]
) -> sa.ColumnElement[bool]:
    return sa.or_(*(table.c[name].in_(values) for name in columns))


def _journey(ids: Sequence[uuid.UUID]) -> sa.ColumnElement[bool]:
    j = journey_transitions.c
    return sa.and_(j.subject_kind == "person", j.subject_id.in_(ids))


def _account(conn: sa.Connection, account_id: uuid.UUID | None) -> dict[str, Any] | None:
    if account_id is None:
        return None
    a = accounts.c
    row = conn.execute(sa.select(a.id, a.domain, a.name).where(a.id == account_id)).first()
    return dict(row._mapping) if row is not None else None


def _rows(
    conn: sa.Connection, table: sa.Table, where: Any, order_by: Any = None
) -> list[dict[str, Any]]:
    """Whole rows as dicts, JSON columns decoded (DuckDB returns them as text)."""
    query = sa.select(table).where(where)
    query = query.order_by(order_by) if order_by is not None else query
    json_columns = [c.name for c in table.c if isinstance(c.type, sa.JSON)]
    found = []
    for row in conn.execute(query):
        item = dict(row._mapping)
        for name in json_columns:
            item[name] = _json(item[name])
        found.append(item)
    return found


def _json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value
