"""Import GitHub user profiles as ``identify`` events for their login.

GitHub webhooks name a developer by login only. The public profile
(``GET /users/{login}``, or ``gh api users/LOGIN``) adds what a person chose to show:
a display name, an employer (``company``, free text such as ``@acme`` or
``Acme, Inc.``), a public email (GitHub shows only an address the account has verified)
and a website. Like CRM contacts, profiles are signals, not people: each becomes an
``identify`` event from source ``github`` and takes the ordinary path, so the public email
joins the login deterministically, the name feeds the probabilistic matcher, and the
company can place a free-mail developer at their account.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import sqlalchemy as sa
from pydantic import Field

from devfunnel.config import Settings
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.records.base import (
    ImportResult,
    Record,
    RowError,
    api_fields,
    as_utc,
    validate_rows,
)
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events

SOURCE = "github"


class GitHubProfileRecord(Record):
    """The fields of GitHub's user object that say who someone is; the API's other fields
    (avatar, counts, URLs) are not identity and are ignored by the file importer."""

    login: str = Field(min_length=1, max_length=100, pattern=r"^@?[A-Za-z0-9-]+$")
    id: int | None = None
    name: str | None = Field(default=None, max_length=300)
    company: str | None = Field(default=None, max_length=300)
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    blog: str | None = Field(default=None, max_length=500)
    location: str | None = Field(default=None, max_length=200)
    updated_at: datetime | None = None


def profile_events(records: Iterable[GitHubProfileRecord], now: datetime) -> pa.Table:
    """Segment-shaped ``identify`` rows; an unchanged profile gives the same messageId, so
    fetching it again stores nothing new."""
    rows: dict[str, list[Any]] = {
        k: [] for k in ("messageId", "type", "traits", "timestamp", "githubLogin", "context")
    }
    for rec in records:
        login = rec.login.lstrip("@")
        traits = {k: v for k, v in {
            "name": rec.name, "company": rec.company, "email": rec.email, "website": rec.blog,
            "location": rec.location, "github": login, "githubId": rec.id,
        }.items() if v is not None}  # fmt: skip
        body = orjson.dumps(traits, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(body).hexdigest()[:16]
        rows["messageId"].append(f"github:profile:{login.lower()}:{digest}")
        rows["type"].append("identify")
        rows["traits"].append(body.decode())
        rows["timestamp"].append(as_utc(rec.updated_at) or now)
        rows["githubLogin"].append(login)
        rows["context"].append('{"library":{"name":"github-profiles"}}')
    return pa.table({**rows, "timestamp": pa.array(rows["timestamp"], pa.timestamp("us", "UTC"))})


def import_github_profiles(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    """Queue profiles for resolution as identify events from source ``github``. Rows may
    be user objects exactly as the API returns them; fields that are not identity are
    dropped before validation."""
    result = ImportResult("github profiles", dry_run=dry_run)
    profiles = api_fields(GitHubProfileRecord, rows)
    numbered = validate_rows(GitHubProfileRecord, profiles, result, first_line)
    if not numbered:
        return result
    now = datetime.now(UTC)
    prepared = prepare(
        profile_events([rec for _, rec in numbered], now),
        source=SOURCE,
        received_at=now,
        max_event_bytes=settings.ingest.max_event_bytes,
        correct_clock_skew=False,
    )
    result.errors += [RowError(numbered[r.index][0], r.reason) for r in prepared.rejected]
    if dry_run:
        stored = _stored(store, prepared.rows.column("message_id").to_pylist())
        result.unchanged += stored
        result.created += prepared.rows.num_rows - stored
        return result
    outcome = append_events(store, prepared, source=SOURCE)
    result.created += outcome.inserted
    result.unchanged += outcome.duplicates
    return result


def _stored(store: Store, message_ids: list[str]) -> int:
    """How many of these profile versions are stored already (unchanged profiles)."""
    e = events.c
    count = 0
    with store.read() as conn:
        for part in chunked(message_ids):
            count += conn.execute(
                sa.select(sa.func.count())
                .select_from(events)
                .where(e.source == SOURCE, e.message_id.in_(part))
            ).scalar_one()
    return int(count)
