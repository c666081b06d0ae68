"""Import contacts (people) from a CRM as ``identify`` events.

Contacts are signals like any other: they enter through the same event intake and
identity resolution as SDK traffic, so a CRM contact and the developer who signed up with
the same email become one person, and nothing writes people directly. The CRM's account
for the contact travels in the traits (``crmAccount``) and gives the person that account
with "crm" precedence over anything inferred from email domains or group calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import orjson
import pyarrow as pa
import sqlalchemy as sa
from pydantic import Field

from devfunnel.config import Settings
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.records.base import (
    Crm,
    ImportResult,
    Record,
    RowError,
    as_utc,
    validate_rows,
)
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events


class ContactRecord(Record):
    """One contact as a CRM exports it."""

    external_id: str | None = Field(default=None, max_length=128)
    crm: Crm = "crm"
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    name: str | None = Field(default=None, max_length=300)
    first_name: str | None = Field(default=None, max_length=150)
    last_name: str | None = Field(default=None, max_length=150)
    title: str | None = Field(default=None, max_length=300)
    persona: Literal["developer", "business"] | None = None
    phone: str | None = Field(default=None, max_length=64)
    country: str | None = Field(default=None, max_length=2)
    github: str | None = Field(default=None, max_length=100)
    account_external_id: str | None = Field(default=None, max_length=128)
    account_domain: str | None = Field(default=None, max_length=253)
    updated_at: datetime | None = None


def contact_events(records: Iterable[ContactRecord], now: datetime) -> pa.Table:
    """Segment-shaped ``identify`` rows for contacts; unchanged contacts give the same
    messageId, so re-importing them stores nothing new."""
    rows: dict[str, list[Any]] = {
        k: [] for k in ("messageId", "type", "email", "traits", "timestamp", "githubLogin")
    }
    for rec in records:
        traits = {k: v for k, v in {
            "name": rec.name or " ".join(p for p in (rec.first_name, rec.last_name) if p) or None,
            "firstName": rec.first_name, "lastName": rec.last_name, "title": rec.title,
            "persona": rec.persona, "phone": rec.phone, "country": rec.country,
            "github": rec.github, "email": rec.email,
            "crmAccount": f"{rec.crm}:{rec.account_external_id}" if rec.account_external_id
            else None,
            "crmAccountDomain": rec.account_domain,
            "crmContact": f"{rec.crm}:{rec.external_id}" if rec.external_id else None,
        }.items() if v is not None}  # fmt: skip
        body = orjson.dumps(traits, option=orjson.OPT_SORT_KEYS)
        digest = hashlib.sha256(body).hexdigest()[:16]
        rows["messageId"].append(f"{rec.crm}:contact:{rec.external_id or rec.email}:{digest}")
        rows["type"].append("identify")
        rows["email"].append(rec.email)
        rows["traits"].append(body.decode())
        rows["timestamp"].append(as_utc(rec.updated_at) or now)
        rows["githubLogin"].append(rec.github)
    return pa.table({**rows, "timestamp": pa.array(rows["timestamp"], pa.timestamp("us", "UTC"))})


def _stored(store: Store, source: str, message_ids: list[str]) -> int:
    """How many of these contact versions are stored already (unchanged contacts)."""
    e = events.c
    count = 0
    with store.read() as conn:
        for part in chunked(message_ids):
            count += conn.execute(
                sa.select(sa.func.count())
                .select_from(events)
                .where(e.source == source, e.message_id.in_(part))
            ).scalar_one()
    return int(count)


def import_contacts(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    """Queue contacts for resolution as identify events from source ``crm:<system>``."""
    result = ImportResult("people", dry_run=dry_run)
    records = validate_rows(ContactRecord, rows, result, first_line)
    by_crm: dict[str, list[tuple[int, ContactRecord]]] = {}
    for line, rec in records:
        by_crm.setdefault(rec.crm, []).append((line, rec))
    now = datetime.now(UTC)
    for crm, numbered in by_crm.items():
        source = f"crm:{crm}"
        recs = [rec for _, rec in numbered]
        prepared = prepare(
            contact_events(recs, now),
            source=source,
            received_at=now,
            max_event_bytes=settings.ingest.max_event_bytes,
            correct_clock_skew=False,
        )
        # A contact intake refuses (a value too long for an identity) is a row error.
        result.errors += [RowError(numbered[r.index][0], r.reason) for r in prepared.rejected]
        if dry_run:
            stored = _stored(store, source, prepared.rows.column("message_id").to_pylist())
            result.unchanged += stored
            result.created += prepared.rows.num_rows - stored
            continue
        outcome = append_events(store, prepared, source=source)
        result.created += outcome.inserted
        result.unchanged += outcome.duplicates
    return result
