"""Companies as people write them, and the account a stated company names.

A registration form, a "contact sales" form or a GitHub profile states an employer in
free text: ``Acme``, ``Acme, Inc.``, ``@acme`` (GitHub's way of naming an organisation).
For a developer who signs up with a personal address and sends no group call, that is
often the only signal of their account. :func:`company_key` reduces such text to one
comparable key; :class:`CompanyIndex` finds the live account a stated company names: by
the account's name spelled the same way ("Nexabank" is not "Nexa Bank"), else by key
against its name or the label of any of its domains (``acme`` for ``acme.co.uk``), but
never an account that spells its own name otherwise (a name made from a domain is no
spelling: "Magnadata" for magnadata.fr may be "Magna Data"). It
answers only when exactly one account matches: two "Nova Labs" are never guessed between,
and a stated company never creates an account (free text is no domain to key one by).

An ``@org`` handle is first looked up among the GitHub organisations the GitHub connector
fetched (``github_orgs``): the organisation's website names its account exactly, and
without one the name it gives itself is read as a name spelled. Then it asks the
colleagues: people placed by a stronger signal (their
company email, a workspace, a CRM record) who state the same company in the same words.
When most of them are at one account, that is what the words mean at this company, even
when the name alone would match two accounts or the wrong one ("Titan Energy" written by
people at titanenergy60.com, beside Titan Energy at titanenergy.com).
"""

from __future__ import annotations

import re
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.identity.domains import DomainClassifier, name_from_domain
from devfunnel.store.schema.identity import account_keys, accounts, github_orgs, people

_NOT_LETTERS = re.compile(r"[^a-z0-9]+")
#: Legal forms, dropped from the end of a name ("Acme, Inc." is Acme).
_LEGAL_FORMS = ("incorporated", "corporation", "company", "limited", "gmbh", "inc", "llc",
                "ltd", "corp", "plc", "sas", "sarl", "bv", "ag", "sa", "oy", "ab",
                "co")  # fmt: skip
#: What people write where an employer would go when they have none.
_NO_EMPLOYER = frozenset(
    {"freelance", "freelancer", "selfemployed", "self", "independent", "none", "na", "student",
     "opensource", "retired", "unemployed", "me", "home", "personal", "private", "various"}
)  # fmt: skip
#: Shorter keys say too little ("ab", "io").
_MIN_LENGTH = 3
#: Account sources whose account may carry a name made from its domain (a placeholder).
_PLACEHOLDER_SOURCES = frozenset({"email_domain", "stripe"})
#: Account sources that place a person by more than a stated company.
_PLACED_BY = ("manual", "crm", "group", "email_domain")
#: Colleagues needed, and the share of them at one account, for their account to be
#: what a stated company means.
_LEAST_COLLEAGUES = 2
_COLLEAGUE_SHARE = 0.75


def company_key(text: object) -> str | None:
    """``"Acme, Inc."``, ``"@acme"`` and ``"ACME"`` -> ``"acme"``; ``None`` for no employer."""
    words = _words(text)
    key = "".join(words)
    return key if words and len(key) >= _MIN_LENGTH and key not in _NO_EMPLOYER else None


def spelled_key(text: object) -> str | None:
    """The name word by word (``"nexa bank"``), which tells "Nexa Bank" from "Nexabank"
    where :func:`company_key` cannot. An ``@org`` handle has no spelling: GitHub writes
    "Nexa Bank" as ``@nexabank`` too."""
    if isinstance(text, str) and text.strip().startswith("@"):
        return None
    return " ".join(_words(text)) if company_key(text) else None


def _words(text: object) -> list[str]:
    if not isinstance(text, str):
        return []
    words = [w for w in _NOT_LETTERS.split(text.strip().lower().lstrip("@")) if w]
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    return words


def written_key(text: object) -> str | None:
    """The company as written, for asking colleagues: the spelled name ("vertex studio"),
    or the handle with its ``@`` ("@vertexstudio"); "Vertex Studio" and "Vertexstudio" stay
    apart, as their colleagues may be at two accounts."""
    spelled = spelled_key(text)
    if spelled:
        return spelled
    key = company_key(text)
    return f"@{key}" if key else None


def stated_company(traits: Any) -> str | None:
    """The ``company`` trait (a string, or Segment's ``{"name": ...}`` object), as written."""
    if isinstance(traits, str | bytes):
        try:
            traits = orjson.loads(traits)
        except orjson.JSONDecodeError:
            return None
    if not isinstance(traits, dict):
        return None
    company = traits.get("company")
    if isinstance(company, str) and company.startswith("{"):
        try:
            company = orjson.loads(company)
        except orjson.JSONDecodeError:
            return None
    if isinstance(company, dict):
        company = company.get("name")
    return company if company_key(company) else None


class CompanyIndex:
    """Live accounts by their name as spelled; by company key (their name and the label of
    each of their domains); GitHub organisations' accounts; and what colleagues say."""

    def __init__(self, conn: sa.Connection, classifier: DomainClassifier) -> None:
        live = sa.select(accounts.c.id).where(accounts.c.merged_into.is_(None))
        #: Each account's name as the company spells it, where a CRM, a group call or a
        #: person named it (not the placeholder an email domain gave it).
        self._spelling, self._compact = _names(conn)
        self._spelled: dict[str, set[uuid.UUID]] = defaultdict(set)
        for account_id, spelled in self._spelling.items():
            self._spelled[spelled].add(account_id)
        self._labels = _domain_labels(conn, classifier, live)
        for label, found in self._labels.items():
            self._compact[label] |= found
        self._orgs = _organisations(conn, self._spelled, live)
        self._colleagues = _colleagues(conn)

    def find(self, company: str) -> uuid.UUID | None:
        """The one account ``company`` names, else ``None`` (none, or more than one): an
        @org handle by its GitHub organisation's website; then by what colleagues writing
        it are at; then an @org handle by domain name, the name as spelled, or company key."""
        handle = company_key(company) if company.strip().startswith("@") else None
        org = self._orgs.get(company.strip().lstrip("@").lower()) if handle else None
        if org is not None:
            return org
        votes = self._colleagues.get(written_key(company) or "")
        if votes:
            (account_id, top), total = votes.most_common(1)[0], sum(votes.values())
            if top >= _LEAST_COLLEAGUES and top >= _COLLEAGUE_SHARE * total:
                return account_id
        # An @org handle is most often the company's domain name ("@polarbank" for
        # polarbank.com, not Polar Bank at polarbank25.com).
        written = spelled_key(company)
        for index, key in (
            (self._labels, handle),
            (self._spelled, written),
            (self._compact, company_key(company)),
        ):
            candidates = index.get(key or "", set())
            if index is self._compact and written:
                # "Magna Data" is not the account that calls itself "Magnadata" (as "Nexa
                # Bank" is not "Nexabank"), though it may be one named after its domain.
                candidates = {c for c in candidates if self._spelling.get(c, written) == written}
            if len(candidates) == 1:
                return next(iter(candidates))
            if candidates:
                return None
        return None

    def find_all(self, companies: Iterable[str]) -> dict[str, uuid.UUID]:
        return {c: found for c in set(companies) if (found := self.find(c)) is not None}


def _names(conn: sa.Connection) -> tuple[dict[uuid.UUID, str], dict[str, set[uuid.UUID]]]:
    """Live accounts' names spelled (``"nexa bank"``, but for names made from a domain),
    and the accounts by their name's company key (``"nexabank"``)."""
    a = accounts.c
    spelling: dict[uuid.UUID, str] = {}
    compact: dict[str, set[uuid.UUID]] = defaultdict(set)
    for account_id, name, domain, source in conn.execute(
        sa.select(a.id, a.name, a.domain, a.source).where(a.merged_into.is_(None))
    ):
        if key := company_key(name):
            compact[key].add(account_id)
        placeholder = source in _PLACEHOLDER_SOURCES and name == name_from_domain(domain or "")
        if (spelled := spelled_key(name)) and not placeholder:
            spelling[account_id] = spelled
    return spelling, compact


def _domain_labels(
    conn: sa.Connection, classifier: DomainClassifier, live: sa.Select[Any]
) -> dict[str, set[uuid.UUID]]:
    """Live accounts by the label of each of their domains, as a company key."""
    k = account_keys.c
    out: dict[str, set[uuid.UUID]] = defaultdict(set)
    for account_id, domain in conn.execute(
        sa.select(k.account_id, k.value).where(k.kind == "domain", k.account_id.in_(live))
    ):
        if key := company_key(_label(domain, classifier)):
            out[key].add(account_id)
    return out


def _organisations(
    conn: sa.Connection, spelled: dict[str, set[uuid.UUID]], live: sa.Select[Any]
) -> dict[str, uuid.UUID]:
    """GitHub organisations' accounts by login: through their website's domain, else by the
    name the organisation gives itself, spelled as exactly one account spells its own."""
    g, k = github_orgs.c, account_keys.c
    found = sa.and_(k.kind == "domain", k.value == g.domain, k.account_id.in_(live))
    out = {}
    for login, name, account_id in conn.execute(
        sa.select(g.login, g.name, k.account_id)
        .select_from(github_orgs)
        .outerjoin(account_keys, found)
    ):
        named = spelled.get(spelled_key(name) or "", set())
        if account_id is None and len(named) == 1:
            account_id = next(iter(named))
        if account_id is not None:
            out[login] = account_id
    return out


def _colleagues(conn: sa.Connection) -> dict[str, Counter[uuid.UUID]]:
    """Per company as written, how many people placed by a stronger signal state it, by
    account (live accounts only)."""
    p, a = people.c, accounts.c
    stated = p.traits["company"].as_string()
    live = sa.select(a.id).where(a.merged_into.is_(None))
    out: dict[str, Counter[uuid.UUID]] = defaultdict(Counter)
    for account_id, company in conn.execute(
        sa.select(p.account_id, stated).where(
            p.merged_into.is_(None),
            p.account_source.in_(_PLACED_BY),
            p.account_id.in_(live),
            stated.is_not(None),
        )
    ):
        key = written_key(_as_written(company))
        if key:
            out[key][account_id] += 1
    return out


def _as_written(text: str) -> str | None:
    """The company text from the ``company`` trait read as text: Segment's ``{"name": ...}``
    object reads as JSON."""
    return stated_company({"company": text}) if text.startswith("{") else text


def _label(domain: str, classifier: DomainClassifier) -> str:
    """``acme.co.uk`` -> ``acme``: the registrable domain without its public suffix."""
    registrable = classifier.registrable(domain) or domain
    return registrable.split(".", 1)[0]
