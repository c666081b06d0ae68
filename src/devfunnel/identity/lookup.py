"""Read what resolution produced: people by identity, accounts by id or domain.

The JSON API, the CLI and the privacy commands all find people and accounts through
these functions, so "which person has this email" has one answer everywhere. Lookups
normalise what they are given the way intake does (``identity.keys``,
``identity.domains``), so ``Jane.Doe@Acme.io`` finds ``jane.doe@acme.io`` and
``https://www.Acme.com/`` finds ``acme.com``; and they follow ``merged_into`` tombstones,
so an id that was merged away still leads to the surviving record.

Figures (event counts, first and last seen) are the resolver's per-person aggregates,
so they are as of the last resolution run: events still waiting in the queue are not
counted yet.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.errors import NotFound, ValidationError
from devfunnel.identity.domains import DomainClassifier, domain_from_url
from devfunnel.identity.keys import key, normalise_email, normalise_github, normalise_id
from devfunnel.store import Store
from devfunnel.store.query import any_of, chunked
from devfunnel.store.schema.identity import account_keys, accounts, identities, people
from devfunnel.vocabulary import IDENTITY_KINDS

#: Query parameter -> (identity kind, normaliser, what a valid value is).
PERSON_FILTERS: dict[str, tuple[str, Callable[[object], str | None], str]] = {
    "email": ("email", normalise_email, "an email address"),
    "github": ("github", normalise_github, "a GitHub login"),
    "user_id": ("user_id", normalise_id, "a user id of 1 to 256 characters"),
}
#: Longest merge chain followed; a longer one means corrupt data, not a real history.
_MAX_HOPS = 64


@dataclass(frozen=True)
class IdentityView:
    kind: str
    value: str
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True)
class AccountRef:
    id: uuid.UUID
    domain: str | None
    name: str


@dataclass(frozen=True)
class PersonView:
    """A live person with their identities and account."""

    id: uuid.UUID
    name: str | None
    email: str | None
    title: str | None
    persona: str
    is_bot: bool
    is_internal: bool
    event_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    account: AccountRef | None
    identities: list[IdentityView]


@dataclass(frozen=True)
class AccountPerson:
    id: uuid.UUID
    name: str | None
    email: str | None
    persona: str
    event_count: int
    last_seen: datetime | None


@dataclass(frozen=True)
class AccountView:
    """A live account, its firmographics, and the people resolved to it."""

    id: uuid.UUID
    domain: str | None
    name: str
    industry: str | None
    employees: int | None
    country: str | None
    region: str | None
    segment: str | None
    people_count: int
    event_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    people: list[AccountPerson]


def surviving(conn: sa.Connection, table: sa.Table, record_id: uuid.UUID) -> uuid.UUID | None:
    """The live record ``record_id`` was merged into (itself if never merged); ``None`` if
    no such record exists. Works for ``people`` and ``accounts``."""
    current = record_id
    for _ in range(_MAX_HOPS):
        row = conn.execute(
            sa.select(table.c.merged_into).where(table.c.id == current)
        ).one_or_none()
        if row is None:
            return None
        if row.merged_into is None or row.merged_into == current:
            return current
        current = row.merged_into
    return current


def person_for_key(conn: sa.Connection, identity_key: str) -> uuid.UUID | None:
    """The live person an identity key (``kind:value``) resolves to, if any."""
    owner = conn.execute(
        sa.select(identities.c.person_id).where(identities.c.key == identity_key)
    ).scalar_one_or_none()
    return surviving(conn, people, owner) if owner is not None else owner


def absorbed(conn: sa.Connection, person_id: uuid.UUID) -> list[uuid.UUID]:
    """Every tombstoned person merged into ``person_id``, directly or through a chain."""
    found: list[uuid.UUID] = []
    frontier = [person_id]
    seen = {person_id}
    while frontier:
        rows = conn.execute(sa.select(people.c.id).where(people.c.merged_into.in_(frontier)))
        frontier = [pid for pid in rows.scalars() if pid not in seen]
        seen.update(frontier)
        found.extend(frontier)
    return found


def person_filter(**given: str | None) -> str:
    """The identity key for exactly one of ``email``, ``github`` or ``user_id``.

    Raises ``ValidationError`` naming the parameters when none or several are given, or
    when the value cannot be such an identity.
    """
    present = {name: value for name, value in given.items() if value is not None}
    names = ", ".join(PERSON_FILTERS)
    if len(present) != 1 or not set(present) <= set(PERSON_FILTERS):
        detail = f"give exactly one of the query parameters {names}"
        raise ValidationError(
            detail,
            errors=[
                {"field": f"query.{n}", "message": detail, "type": "one_required"}
                for n in (present or PERSON_FILTERS)
            ],
            parameters=list(PERSON_FILTERS),
        )
    ((name, raw),) = present.items()
    kind, normalise, expected = PERSON_FILTERS[name]
    value = normalise(raw)
    if value is None:
        detail = f"{name} must be {expected}, not {raw!r}"
        raise ValidationError(
            detail,
            errors=[{"field": f"query.{name}", "message": detail, "type": "value_error"}],
            parameters=[name],
        )
    return key(kind, value)


def find_people(
    store: Store, *, email: str | None = None, github: str | None = None,
    user_id: str | None = None,
) -> list[PersonView]:  # fmt: skip
    """The people holding the given identity (at most one today; a list so the API shape
    survives identities that name several people, such as shared logins)."""
    identity_key = person_filter(email=email, github=github, user_id=user_id)
    with store.read() as conn:
        person = person_for_key(conn, identity_key)
        return people_views(conn, [person]) if person is not None else []


def people_views(conn: sa.Connection, person_ids: Sequence[uuid.UUID]) -> list[PersonView]:
    """Views of the given people, in the order given (unknown ids are left out)."""
    p, a = people.c, accounts.c
    found: dict[uuid.UUID, Any] = {}
    owned: dict[uuid.UUID, list[IdentityView]] = defaultdict(list)
    for part in chunked(list(person_ids)):
        query = (
            sa.select(p.id, p.name, p.email, p.title, p.persona, p.is_bot, p.is_internal,
                      p.event_count, p.first_seen, p.last_seen, p.account_id,
                      a.domain.label("account_domain"), a.name.label("account_name"))
            .select_from(people.outerjoin(accounts, a.id == p.account_id))
            .where(any_of(p.id, part))
        )  # fmt: skip
        found.update((row.id, row) for row in conn.execute(query))
        i = identities.c
        for row in conn.execute(
            sa.select(i.person_id, i.kind, i.value, i.first_seen, i.last_seen).where(
                any_of(i.person_id, part)
            )
        ):
            owned[row.person_id].append(
                IdentityView(row.kind, row.value, row.first_seen, row.last_seen)
            )
    order = {kind: n for n, kind in enumerate(IDENTITY_KINDS)}
    views = []
    for pid in person_ids:
        if (r := found.get(pid)) is None:
            continue
        account = (
            AccountRef(r.account_id, r.account_domain, r.account_name) if r.account_id else None
        )
        held = sorted(owned[pid], key=lambda v: (order.get(v.kind, 99), v.value))
        views.append(PersonView(
            r.id, r.name, r.email, r.title, r.persona, bool(r.is_bot), bool(r.is_internal),
            int(r.event_count or 0), r.first_seen, r.last_seen, account, held))  # fmt: skip
    return views


def normalise_account_ref(id_or_domain: str) -> uuid.UUID | str:
    """An account id, or the registrable domain a URL, host or domain names.

    ``https://www.Acme.com/pricing`` and ``eng.acme.com`` both give ``acme.com``. Raises
    ``NotFound`` for text that is neither, since no account can have it.
    """
    text = id_or_domain.strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        pass
    host = domain_from_url(text)
    domain = DomainClassifier().registrable(host) if host else None
    if not domain:
        raise NotFound(f"no account {text!r}: give an account id or a domain", account=text)
    return domain


def find_account(store: Store, id_or_domain: str, *, people_limit: int = 500) -> AccountView:
    """The account with this id (following merges) or domain (through ``account_keys``),
    with up to ``people_limit`` of its live people, most active first."""
    with store.read() as conn:
        return _account_view(conn, account_id_for(conn, id_or_domain), people_limit)


def account_id_for(conn: sa.Connection, id_or_domain: str) -> uuid.UUID:
    """The live account with this id (following merges), or this domain, host or URL
    (through ``account_keys``); ``NotFound`` when there is none."""
    ref = normalise_account_ref(id_or_domain)
    account_id = live_account_for(conn, ref)
    if account_id is None:
        raise NotFound(f"no account with the {_what(ref)} {ref}", account=str(ref))
    return account_id


def live_account_for(conn: sa.Connection, ref: uuid.UUID | str) -> uuid.UUID | None:
    """The live account a normalised reference (:func:`normalise_account_ref`) names,
    following merges; ``None`` when there is none."""
    if isinstance(ref, uuid.UUID):
        return surviving(conn, accounts, ref)
    k = account_keys.c
    owner = conn.execute(
        sa.select(k.account_id).where(k.kind == "domain", k.value == ref)
    ).scalar_one_or_none()
    return surviving(conn, accounts, owner) if owner is not None else None


def _what(ref: uuid.UUID | str) -> str:
    return "id" if isinstance(ref, uuid.UUID) else "domain"


def _account_view(conn: sa.Connection, account_id: uuid.UUID, limit: int) -> AccountView:
    a, p = accounts.c, people.c
    row = conn.execute(sa.select(accounts).where(a.id == account_id)).one()
    live = sa.and_(p.account_id == account_id, p.merged_into.is_(None))
    totals = conn.execute(
        sa.select(sa.func.count(), sa.func.sum(p.event_count), sa.func.min(p.first_seen),
                  sa.func.max(p.last_seen)).where(live)
    ).one()  # fmt: skip
    members = conn.execute(
        sa.select(p.id, p.name, p.email, p.persona, p.event_count, p.last_seen)
        .where(live)
        .order_by(p.event_count.desc(), p.id)
        .limit(limit)
    )
    return AccountView(
        row.id, row.domain, row.name, row.industry, row.employees, row.country, row.region,
        row.segment, people_count=int(totals[0]), event_count=int(totals[1] or 0),
        first_seen=totals[2], last_seen=totals[3],
        people=[AccountPerson(m.id, m.name, m.email, m.persona, int(m.event_count or 0),
                              m.last_seen) for m in members],
    )  # fmt: skip
