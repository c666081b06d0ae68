"""Which account each person belongs to.

Precedence, strongest first: a manual assignment, a CRM record, a Segment ``group`` call,
the registrable domain of the person's most recent company email, then the company the
person states (a form's or a GitHub profile's ``company``), when it names exactly one
existing account. Free-mail and disposable domains never create or imply an account, and
neither does a stated company. An account is found by any of its keys (``account_keys``:
domain, group id, CRM ids) and created only when none matches.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity.companies import CompanyIndex, stated_company
from devfunnel.identity.domains import DomainClassifier, domain_from_url, name_from_domain
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import account_keys, accounts, identities, people

#: A higher rank wins; the resolver never overrides manual or CRM assignments.
RANK = {"manual": 5, "crm": 4, "group": 3, "email_domain": 2, "company_name": 1}


@dataclass
class AssignmentOutcome:
    new_accounts: int = 0
    touched_accounts: list[uuid.UUID] = field(default_factory=list)


class AccountDirectory:
    """Finds accounts by key within one transaction, creating them in bulk at the end."""

    def __init__(self, conn: sa.Connection, now: datetime) -> None:
        self.conn = conn
        self.now = now
        self._cache: dict[tuple[str, str], uuid.UUID | None] = {}
        self.new_accounts: list[dict[str, Any]] = []
        self.new_keys: list[dict[str, Any]] = []

    def preload(self, kind: str, values: list[str]) -> None:
        missing = [v for v in values if (kind, v) not in self._cache]
        for v in missing:
            self._cache[(kind, v)] = None
        k = account_keys.c
        for part in chunked(missing):
            for value, account_id in self.conn.execute(
                sa.select(k.value, k.account_id).where(k.kind == kind, k.value.in_(part))
            ):
                self._cache[(kind, value)] = account_id

    def find(self, kind: str, value: str) -> uuid.UUID | None:
        if (kind, value) not in self._cache:
            self.preload(kind, [value])
        return self._cache[(kind, value)]

    def create(
        self, *, name: str, source: str, keys: list[tuple[str, str]], **firmographics: Any
    ) -> uuid.UUID:
        account_id = new_id()
        domain = next((v for k, v in keys if k == "domain"), None)
        self.new_accounts.append({
            "id": str(account_id), "name": name[:300], "domain": domain, "source": source,
            "named_account": False, "created_at": self.now, "updated_at": self.now,
            **firmographics})  # fmt: skip
        for kind, value in keys:
            self.add_key(account_id, kind, value, source)
        return account_id

    def add_key(self, account_id: uuid.UUID, kind: str, value: str, source: str) -> None:
        if self.find(kind, value) is None:
            self._cache[(kind, value)] = account_id
            self.new_keys.append(
                {
                    "kind": kind,
                    "value": value,
                    "account_id": str(account_id),
                    "source": source,
                    "created_at": self.now,
                }
            )

    def flush(self, store: Store) -> int:
        if self.new_accounts:
            columns = sorted({c for row in self.new_accounts for c in row})
            rows = [{c: row.get(c) for c in columns} for row in self.new_accounts]
            store.append(self.conn, accounts, pa.Table.from_pylist(rows))
        if self.new_keys:
            store.append(
                self.conn,
                account_keys,
                pa.Table.from_pylist(self.new_keys),
                unique_on=("kind", "value"),
            )
        created = len(self.new_accounts)
        self.new_accounts, self.new_keys = [], []
        return created


def assign(
    store: Store,
    conn: sa.Connection,
    settings: Settings,
    batch_ids: list[uuid.UUID],
    person_ids: list[uuid.UUID],
    now: datetime,
    *,
    ask_waiting: bool = True,
) -> AssignmentOutcome:
    """Assign accounts to the touched people from group calls and email domains.

    ``ask_waiting=False`` when ``person_ids`` already holds everyone still waiting for an
    account who states a company (there is no one else to ask again).
    """
    outcome = AssignmentOutcome()
    if not person_ids:
        return outcome
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    directory = AccountDirectory(conn, now)
    group_of = _group_accounts(conn, batch_ids, directory, classifier)
    crm_of = _crm_accounts(conn, batch_ids, directory, classifier)

    current: dict[uuid.UUID, tuple[uuid.UUID | None, str | None]] = {}
    emails: dict[uuid.UUID, list[tuple[str, datetime | None]]] = defaultdict(list)
    company_of: dict[uuid.UUID, str] = {}
    for part in chunked(person_ids):
        p = people.c
        for pid, account_id, source, traits in conn.execute(
            sa.select(p.id, p.account_id, p.account_source, p.traits).where(p.id.in_(part))
        ):
            current[pid] = (account_id, source)
            company = stated_company(traits)
            if company and RANK.get(source or "", 0) <= RANK["company_name"]:
                company_of[pid] = company
        i = identities.c
        for pid, value, seen in conn.execute(
            sa.select(i.person_id, i.value, i.last_seen).where(
                i.person_id.in_(part), i.kind == "email"
            )
        ):
            emails[pid].append((value, seen))

    domain_of: dict[uuid.UUID, str] = {}
    for pid, addresses in emails.items():
        ranked = sorted(
            addresses, key=lambda a: (a[1].timestamp() if a[1] else 0, a[0]), reverse=True
        )
        for address, _ in ranked:
            domain = classifier.company_domain(address)
            if domain:
                domain_of[pid] = domain
                break
    directory.preload("domain", sorted(set(domain_of.values())))

    chosen: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for pid in person_ids:
        rank = RANK.get(current.get(pid, (None, None))[1] or "", 0)
        if pid in crm_of and rank <= RANK["crm"]:
            chosen[pid] = (crm_of[pid], "crm")
        elif pid in group_of and rank <= RANK["group"]:
            chosen[pid] = (group_of[pid], "group")
        elif pid in domain_of and rank <= RANK["email_domain"]:
            domain = domain_of[pid]
            found = directory.find("domain", domain)
            if found is None:
                found = directory.create(
                    name=name_from_domain(domain), source="email_domain", keys=[("domain", domain)]
                )
            chosen[pid] = (found, "email_domain")
    # Stated companies last, against every account including those this run created.
    stating = {pid: key for pid, key in company_of.items() if pid not in chosen}
    outcome.new_accounts = directory.flush(store)
    if ask_waiting and (outcome.new_accounts or chosen):
        # A new account, or new colleagues stating their company, may be what people seen
        # earlier named: those still without an account are asked again.
        waiting = _unplaced_stating(conn, exclude={*person_ids, *chosen})
        stating.update(waiting)
        current.update({pid: (None, None) for pid in waiting})
    if stating:
        named = CompanyIndex(conn, classifier).find_all(stating.values())
        for pid, key in stating.items():
            if key in named:
                chosen[pid] = (named[key], "company_name")

    updates = []
    touched: set[uuid.UUID] = set()
    asked = set(person_ids)
    for pid in [*person_ids, *(p for p in stating if p not in asked)]:
        account_id, source = current.get(pid, (None, None))
        choice = chosen.get(pid)
        if choice and choice != (account_id, source):
            updates.append(
                {
                    "id": str(pid),
                    "account_id": str(choice[0]),
                    "account_source": choice[1],
                    "updated_at": now,
                }
            )
            touched.add(choice[0])
            if account_id:
                touched.add(account_id)
        elif account_id:
            touched.add(account_id)
    if updates:
        store.update(conn, people, pa.Table.from_pylist(updates))
    outcome.touched_accounts = sorted(touched)
    return outcome


def place_stating_people(
    store: Store, conn: sa.Connection, settings: Settings, now: datetime
) -> AssignmentOutcome:
    """Ask every live person without an account who states a company again, as when what
    a company name or ``@org`` means became known without any of them being seen (GitHub
    organisations imported)."""
    waiting = sorted(_unplaced_stating(conn, exclude=set()))
    return assign(store, conn, settings, [], waiting, now, ask_waiting=False)


def _unplaced_stating(conn: sa.Connection, exclude: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Live people without an account who state a company, but for ``exclude``."""
    p = people.c
    stated = p.traits["company"].as_string()
    found = {}
    for pid, traits in conn.execute(
        sa.select(p.id, p.traits).where(
            p.merged_into.is_(None), p.account_id.is_(None), stated.is_not(None)
        )
    ):
        company = stated_company(traits)
        if company and pid not in exclude:
            found[pid] = company
    return found


def _group_accounts(
    conn: sa.Connection,
    batch_ids: list[uuid.UUID],
    directory: AccountDirectory,
    classifier: DomainClassifier,
) -> dict[uuid.UUID, uuid.UUID]:
    """Person -> account from this run's ``group`` calls (the latest call wins)."""
    e, i = events.c, identities.c
    rows = conn.execute(
        sa.select(i.person_id, e.group_id, e.traits)
        .select_from(events.join(identities, e.identity_key == i.key))
        .where(e.batch_id.in_(batch_ids), e.type == "group")
        .order_by(e.timestamp)
    ).all()
    if not rows:
        return {}
    traits_of: dict[str, dict[str, Any]] = defaultdict(dict)
    for _, group_id, traits in rows:
        if isinstance(traits, str | bytes):
            traits = orjson.loads(traits)
        if isinstance(traits, dict):
            traits_of[group_id].update(traits)
    directory.preload("group", sorted(traits_of))
    domains = {_group_domain(traits, classifier) for traits in traits_of.values()}
    directory.preload("domain", sorted(d for d in domains if d))
    account_of_group: dict[str, uuid.UUID] = {}
    for group_id, traits in traits_of.items():
        found = directory.find("group", group_id)
        if found is None:
            domain = _group_domain(traits, classifier)
            found = directory.find("domain", domain) if domain else None
            if found is not None:
                directory.add_key(found, "group", group_id, "group")
            else:
                keys = [("group", group_id)] + ([("domain", domain)] if domain else [])
                found = directory.create(
                    name=str(
                        traits.get("name") or (name_from_domain(domain) if domain else group_id)
                    ),
                    source="group",
                    keys=keys,
                    **_firmographics(traits),
                )
        account_of_group[group_id] = found
    return {pid: account_of_group[group_id] for pid, group_id, _ in rows}


def _crm_accounts(
    conn: sa.Connection,
    batch_ids: list[uuid.UUID],
    directory: AccountDirectory,
    classifier: DomainClassifier,
) -> dict[uuid.UUID, uuid.UUID]:
    """Person -> account named by CRM contact records (``crmAccount`` traits)."""
    e, i = events.c, identities.c
    rows = conn.execute(
        sa.select(i.person_id, e.traits)
        .select_from(events.join(identities, e.identity_key == i.key))
        .where(e.batch_id.in_(batch_ids), e.type == "identify", e.source.like("crm:%"))
        .order_by(e.timestamp)
    ).all()
    parsed = []
    for person_id, traits in rows:
        if isinstance(traits, str | bytes):
            traits = orjson.loads(traits)
        if isinstance(traits, dict):
            parsed.append((person_id, traits))
    _preload_named(directory, parsed, classifier)
    found: dict[uuid.UUID, uuid.UUID] = {}
    for person_id, traits in parsed:
        account_id = None
        crm_account = traits.get("crmAccount")
        if isinstance(crm_account, str) and ":" in crm_account:
            kind, value = crm_account.split(":", 1)
            account_id = directory.find(kind, value)
        domain = traits.get("crmAccountDomain")
        if account_id is None and isinstance(domain, str):
            company = classifier.company_domain(domain_from_url(domain) or domain)
            account_id = directory.find("domain", company) if company else None
        if account_id is not None:
            found[person_id] = account_id
    return found


def _preload_named(
    directory: AccountDirectory,
    parsed: list[tuple[uuid.UUID, dict[str, Any]]],
    classifier: DomainClassifier,
) -> None:
    """Look up every account key the contact records name in a few queries, instead of
    one query per record (the first import of a CRM names thousands)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for _, traits in parsed:
        crm_account = traits.get("crmAccount")
        if isinstance(crm_account, str) and ":" in crm_account:
            kind, value = crm_account.split(":", 1)
            wanted[kind].add(value)
        domain = traits.get("crmAccountDomain")
        if isinstance(domain, str):
            company = classifier.company_domain(domain_from_url(domain) or domain)
            if company:
                wanted["domain"].add(company)
    for kind, values in sorted(wanted.items()):
        directory.preload(kind, sorted(values))


def _group_domain(traits: dict[str, Any], classifier: DomainClassifier) -> str | None:
    for field_name in ("domain", "website", "url"):
        raw = traits.get(field_name)
        if isinstance(raw, str):
            host = domain_from_url(raw)
            if host:
                return classifier.company_domain(host)
    return None


def _firmographics(traits: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    employees = traits.get("employees")
    if isinstance(employees, int | float) and not isinstance(employees, bool):
        out["employees"] = int(employees)
    for name, limit in (("industry", 100), ("region", 16), ("segment", 32)):
        value = traits.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()[:limit]
    country = country_code(traits.get("country"))
    if country:
        out["country"] = country
    return out


def country_code(value: Any) -> str | None:
    """An ISO 3166-1 alpha-2 code, or ``None`` (names like "Germany" are not guessed at)."""
    if isinstance(value, str) and len(value.strip()) == 2 and value.strip().isalpha():
        return value.strip().upper()
    return None
