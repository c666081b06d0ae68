"""One comparable record per person, for the probabilistic matcher.

Deterministic keys already joined everything that shares an identity; what is left to
compare is how people are *written*: names (with nicknames and typos), email local parts
(a typo on a form, a personal address beside a work one), GitHub handles that echo an
email, the company they are at. Anonymous-only people have nothing to compare and are
left out, as are bots and the company's own staff.
"""

from __future__ import annotations

import re
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from devfunnel.identity.companies import company_key
from devfunnel.identity.domains import DomainClassifier
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import account_keys, accounts, identities, people

_LETTERS = re.compile(r"[^a-z]")
_DIGITS = re.compile(r"(\d{4,})$")
_TRAILING_DIGITS = re.compile(r"\d+$")
#: A full-name handle shorter than this ("jolee") is shared by too many people to tell.
_FULL_NAME_LENGTH = 8

_TEXT_COLUMNS = (
    "unique_id",
    "full_name",
    "first_name",
    "last_name",
    "email_local",
    "email_domain",
    "handle_digits",
    "company_domain",
    "company_name",
    "title",
)
#: Handle stems (GitHub login and email local parts, lower-cased, digits and punctuation
#: removed) and the handles a name suggests ("janedoe", "jdoe", "janed").
_LIST_COLUMNS = ("handle_keys", "name_keys", "full_name_keys", "abbreviation_keys",
                 "spelled_keys", "short_keys", "held")  # fmt: skip
SCHEMA = pa.schema([(c, pa.string()) for c in _TEXT_COLUMNS]
                   + [(c, pa.list_(pa.string())) for c in _LIST_COLUMNS])  # fmt: skip


@dataclass
class PersonRecords:
    """The records, and each person's identity keys (for honouring blocks)."""

    table: pa.Table
    keys: dict[uuid.UUID, list[str]]


def build_records(conn: sa.Connection, classifier: DomainClassifier) -> PersonRecords:
    """Records for every live, human, non-staff person with a known identity."""
    p, i = people.c, identities.c
    rows = conn.execute(
        sa.select(p.id, p.name, p.title, p.account_id, p.traits).where(
            p.merged_into.is_(None), p.is_bot.is_(False), p.is_internal.is_(False)
        )
    ).all()
    keys: dict[uuid.UUID, list[str]] = defaultdict(list)
    values: dict[uuid.UUID, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for part in chunked([r.id for r in rows], 5000):
        for person_id, kind, value, key in conn.execute(
            sa.select(i.person_id, i.kind, i.value, i.key).where(i.person_id.in_(part))
        ):
            keys[person_id].append(key)
            values[person_id][kind].append(value)
    account_domains = _account_domains(conn)
    account_names = {a: n for a, n in conn.execute(sa.select(accounts.c.id, accounts.c.name))}
    out: list[tuple[str, dict[str, Any]]] = []
    for row in rows:
        found = values.get(row.id)
        if not found or not (found.get("email") or found.get("github")):
            continue
        record = _record(row.id, row.name, account_domains.get(row.account_id), found, classifier)
        record["company_name"] = _company(row.traits, account_names.get(row.account_id))
        record["title"] = _title(row.title)
        record["held"] = held(found)
        # Blocking keys: handles with the handles names suggest; handles with abbreviations.
        record["spelled_keys"] = sorted({*record["handle_keys"], *record["name_keys"]})
        record["short_keys"] = sorted({*record["handle_keys"], *record["abbreviation_keys"]})
        out.append((min(keys[row.id]), record))
    # Ordered by each person's first identity key, not by id: ids are new on every load
    # (time-ordered, random within a millisecond), and the matcher numbers the records in
    # this order (its u sample and pair orientation follow the numbers).
    out.sort(key=lambda entry: entry[0])
    table = pa.Table.from_pylist([record for _, record in out], schema=SCHEMA)
    return PersonRecords(table=table, keys=dict(keys))


def _account_domains(conn: sa.Connection) -> dict[uuid.UUID, str]:
    k = account_keys.c
    found = {
        account_id: value
        for account_id, value in conn.execute(
            sa.select(k.account_id, k.value).where(k.kind == "domain")
        )
    }
    for account_id, domain in conn.execute(
        sa.select(accounts.c.id, accounts.c.domain).where(accounts.c.domain.is_not(None))
    ):
        found[account_id] = domain
    return found


def _record(
    person_id: uuid.UUID,
    name: str | None,
    account_domain: str | None,
    values: dict[str, list[str]],
    classifier: DomainClassifier,
) -> dict[str, Any]:
    emails = sorted(values.get("email", []))
    work = [e for e in emails if classifier.company_domain(e)]
    primary = next(iter(work or emails), None)
    github = values.get("github", [])
    locals_ = [e.split("@", 1)[0] for e in emails]
    first, last = _name_parts(name) if name else _name_from_handles([*github, *locals_])
    handles = sorted({h for h in (_stem(x) for x in [*github, *locals_]) if h and len(h) >= 3})
    digits = next((d for d in (_digits(x) for x in [*github, *locals_]) if d), None)
    company = account_domain or (classifier.company_domain(primary) if primary else None)
    return {
        "unique_id": str(person_id),
        "full_name": " ".join(p for p in (first, last) if p) or None,
        "first_name": first,
        "last_name": last,
        "email_local": primary.split("@", 1)[0] if primary else None,
        "email_domain": primary.split("@", 1)[1] if primary else None,
        "handle_digits": digits,
        "company_domain": company,
        "handle_keys": handles,
        "abbreviation_keys": sorted({a for h in handles for a in _abbreviations(h)}),
        "name_keys": sorted(
            {
                *_name_handles(first, last),
                *(k for loc in locals_ for k in _name_handles(*_split_local(loc))),
            }
        ),
        "full_name_keys": sorted(
            {k for k in (_full_handle(first, last), *map(_full_local, locals_)) if k}
        ),
    }


#: Identity kinds a person rarely holds two of, by what the record calls them.
_HELD = {"github": "github", "user_id": "user"}


def held(values: dict[str, list[str]]) -> list[str]:
    """Which of a GitHub login and a product account (user id) the person has: two
    records that each have one are seldom one person."""
    return sorted(name for kind, name in _HELD.items() if values.get(kind))


def _full_handle(first: str | None, last: str | None) -> str | None:
    """The handle a whole name spells ("janedoe"), long enough to be telling."""
    f, l_ = _stem(first), _stem(last)
    return f + l_ if f and l_ and len(f + l_) >= _FULL_NAME_LENGTH else None


def _full_local(local: str) -> str | None:
    return _full_handle(*_split_local(local))


def _title(title: str | None) -> str | None:
    """Job titles compared without case or punctuation ("Sr. Engineer" stays itself)."""
    if not title:
        return None
    text = " ".join(re.split(r"[^a-z0-9]+", title.lower())).strip()
    return text or None


def _name_from_handles(handles: list[str]) -> tuple[str | None, str | None]:
    """A name for someone who never stated one, read from a handle that spells it with a
    separator ("dmitri_pellton102@gmail.com", GitHub's "dmitri-pellton"), as people
    write their own name into their addresses; "dpellton" says too little."""
    for handle in sorted(handles):
        first, last = _split_local(handle)
        if first and last:
            return first, last
    return None, None


def _split_local(local: str) -> tuple[str | None, str | None]:
    """ "bianca.suzuki" or "bianca_suzuki" read as a first and last name; else nothing."""
    parts = [p for p in re.split(r"[._-]+", _TRAILING_DIGITS.sub("", local.lower())) if p]
    if len(parts) == 2 and all(p.isalpha() and len(p) >= 2 for p in parts):
        return parts[0], parts[1]
    return None, None


def _company(traits: Any, account_name: str | None) -> str | None:
    """The company a person states (a registration form) or is at, normalised for
    comparison: "Nimbus Retail, Inc." and "nimbusretail" are one."""
    stated = traits.get("company") if isinstance(traits, dict) else None
    if isinstance(traits, str | bytes):
        import orjson

        parsed = orjson.loads(traits)
        stated = parsed.get("company") if isinstance(parsed, dict) else None
    name = stated if isinstance(stated, str) and stated.strip() else account_name
    return company_key(name)


def _name_handles(first: str | None, last: str | None) -> list[str]:
    """Handles people derive from their name: janedoe, jdoe, janed (not "jane" alone)."""
    f, l_ = _stem(first), _stem(last)
    if not f or not l_:
        return []
    return sorted({f + l_, f[0] + l_, f + l_[0]})


def _abbreviations(handle: str) -> set[str]:
    """How a long handle may be shortened when the first-name boundary is unknown:
    "karinmellski" gives "kmellski" (initial and surname) and "karinm" (name and initial)."""
    if len(handle) < 6:
        return set()
    initial_tail = {handle[0] + handle[k:] for k in range(2, len(handle) - 3)}
    head_letter = {handle[:k] + handle[k] for k in range(3, len(handle) - 3)}
    return {key for key in initial_tail | head_letter if len(key) >= 6}


def _stem(value: str | None) -> str | None:
    """Lower-case letters only: "Jane.Doe-42" -> "janedoe"."""
    if not value:
        return None
    text = _LETTERS.sub("", value.lower())
    return text or None


def _name_parts(name: str | None) -> tuple[str | None, str | None]:
    if not name:
        return None, None
    tokens = [t for t in re.split(r"[\s,]+", name.strip().lower()) if t]
    if not tokens:
        return None, None
    return tokens[0], (tokens[-1] if len(tokens) > 1 else None)


def _digits(value: str | None) -> str | None:
    if not value:
        return None
    match = _DIGITS.search(value)
    return match.group(1) if match else None
