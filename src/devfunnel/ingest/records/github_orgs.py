"""Import GitHub organisations, whose websites say which account an ``@org`` is.

A developer's GitHub profile names their employer as ``@org`` more often than in words,
and a handle alone cannot tell ``@nobleinsights`` of nobleinsights.com from a namesake at
nobleinsights.io. The organisation's public profile (``GET /orgs/{org}``, or
``gh api orgs/ORG``) carries its website, and the website's domain is an account key.
Organisations are not people: they are kept in ``github_orgs`` as reference data, read
by :class:`devfunnel.identity.companies.CompanyIndex`, and never create an account. People
who named an organisation before it was imported are placed when it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import Field

from devfunnel.config import Settings
from devfunnel.identity.accounts import place_stating_people
from devfunnel.identity.domains import DomainClassifier, domain_from_url
from devfunnel.ingest.records.base import (
    ImportResult,
    Record,
    api_fields,
    as_utc,
    to_arrow,
    validate_rows,
)
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import github_orgs

#: The columns an import sets (besides its times), compared to tell an update.
_COLUMNS = ("login", "github_id", "name", "website", "domain", "profile_updated_at")
#: Websites that are somebody's page on a shared host, not a company's own domain.
_HOSTS = frozenset(
    {"github.com", "gitlab.com", "medium.com", "linkedin.com", "twitter.com", "x.com",
     "facebook.com", "youtube.com", "substack.com", "notion.site"}
)  # fmt: skip


class GitHubOrgRecord(Record):
    """The fields of GitHub's organisation object that say whose it is; the API's other
    fields (avatar, counts, URLs) are ignored by the importer."""

    login: str = Field(min_length=1, max_length=100, pattern=r"^@?[A-Za-z0-9-]+$")
    id: int | None = None
    name: str | None = Field(default=None, max_length=300)
    blog: str | None = Field(default=None, max_length=500)
    email: str | None = Field(default=None, max_length=320)
    updated_at: datetime | None = None


def org_domain(record: GitHubOrgRecord, classifier: DomainClassifier) -> str | None:
    """The company domain of the organisation's website, else of its public email."""
    for value in (record.blog, (record.email or "").rpartition("@")[2]):
        host = domain_from_url(value) if value else None
        domain = classifier.company_domain(host) if host else None
        if domain and domain not in _HOSTS:
            return domain
    return None


def import_github_orgs(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    """Create or update organisations by login. Rows may be organisation objects exactly as
    the API returns them; fields that are not listed on :class:`GitHubOrgRecord` are dropped
    before validation."""
    result = ImportResult("github organisations", dry_run=dry_run)
    records = validate_rows(GitHubOrgRecord, api_fields(GitHubOrgRecord, rows), result, first_line)
    if not records:
        return result
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    now = datetime.now(UTC)
    given: list[dict[str, Any]] = []
    for _, rec in records:
        given.append(
            {
                "login": rec.login.lstrip("@").lower(),
                "github_id": rec.id,
                "name": rec.name,
                "website": rec.blog,
                "domain": org_domain(rec, classifier),
                "profile_updated_at": as_utc(rec.updated_at),
            }
        )
    with store.transaction() as conn:
        stored = _stored(conn, {row["login"] for row in given})
        # Rows apply in order, as later fetches would: the last row of a login wins, and
        # each is counted by what it changes (a repeat that changes nothing is unchanged).
        latest: dict[str, dict[str, Any]] = dict(stored)
        for row in given:
            before = latest.get(row["login"])
            if before is None:
                result.created += 1
            elif before == row:
                result.unchanged += 1
            else:
                result.updated += 1
            latest[row["login"]] = row
        inserts = [{**r, "created_at": now, "updated_at": now}
                   for k, r in latest.items() if k not in stored]  # fmt: skip
        updates = [{**r, "updated_at": now}
                   for k, r in latest.items() if k in stored and r != stored[k]]  # fmt: skip
        if dry_run:
            return result
        if inserts:
            store.append(conn, github_orgs, to_arrow(inserts))
        if updates:
            store.update(conn, github_orgs, to_arrow(updates), key=("login",))
        # People who named these organisations before they were known are placed now.
        place_stating_people(store, conn, settings, now)
    return result


def _stored(conn: sa.Connection, logins: set[str]) -> dict[str, dict[str, Any]]:
    """The stored organisations among ``logins``, with the columns an import sets."""
    columns = [github_orgs.c[name] for name in _COLUMNS]
    found: dict[str, dict[str, Any]] = {}
    for part in chunked(sorted(logins)):
        for row in conn.execute(sa.select(*columns).where(github_orgs.c.login.in_(part))):
            found[row.login] = dict(row._mapping)
    return found
