"""Import leads from a CRM, linked to their person and account.

The lead's email first enters as an ``identify`` event (like a contact) and is resolved,
so the lead points at the same person the developer signals do. A lead is known by its
CRM id; rows apply in order, so a later row of the same id updates the earlier one, and a
row that changes nothing stored is counted as unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import (
    Crm,
    ImportResult,
    Record,
    RowError,
    as_utc,
    find_people,
    find_users,
    lookup,
    to_arrow,
    validate_rows,
)
from devfunnel.ingest.records.contacts import import_contacts
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.pipeline import leads, opportunities

LeadSource = Literal["pql", "pqa", "form", "import", "manual", "event", "referral"]
LeadStatus = Literal["new", "working", "qualified", "disqualified", "converted"]


#: What an import sets on a lead, compared to tell an update from a row that changes nothing.
_COLUMNS = [
    leads.c[name]
    for name in ("id", "external_key", "person_id", "account_id", "source", "status",
                 "owner_id", "first_touch_at", "disqualified_reason", "converted_opportunity_id")
]  # fmt: skip


class LeadRecord(Record):
    external_id: str = Field(min_length=1, max_length=128)
    crm: Crm = "crm"
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    name: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=300)
    account_domain: str | None = Field(default=None, max_length=253)
    source: LeadSource = "import"
    status: LeadStatus = "new"
    owner_email: str | None = None
    created_at: datetime | None = None
    first_touch_at: datetime | None = None
    disqualified_reason: str | None = Field(default=None, max_length=300)
    converted_opportunity_external_id: str | None = Field(default=None, max_length=128)


def import_leads(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("leads", dry_run=dry_run)
    records = validate_rows(LeadRecord, list(rows), result, first_line)
    if not records:
        return result
    if not dry_run:
        import_contacts(
            store,
            settings,
            [
                {
                    "crm": r.crm,
                    "email": r.email,
                    "name": r.name,
                    "title": r.title,
                    "account_domain": r.account_domain,
                    "updated_at": r.created_at,
                }
                for _, r in records
            ],
        )
        resolve_pending(store, settings)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        persons = find_people(conn, (r.email for _, r in records))
        owners = find_users(conn, (r.owner_email for _, r in records))
        account_of = lookup(conn, people, "id", persons.values(), "account_id")
        converted = lookup(
            conn,
            opportunities,
            "external_key",
            (
                f"{r.crm}:{r.converted_opportunity_external_id}"
                for _, r in records
                if r.converted_opportunity_external_id
            ),
        )
        existing = _stored(conn, {f"{r.crm}:{r.external_id}" for _, r in records})
        # By external key: a key repeated in the file updates what its earlier row gave.
        inserts: dict[str, dict[str, Any]] = {}
        updates: dict[str, dict[str, Any]] = {}
        for line, rec in records:
            if rec.owner_email and rec.owner_email.lower() not in owners:
                result.errors.append(
                    RowError(line, f"owner_email: {rec.owner_email} is not a devfunnel user")
                )
                continue
            person_id = persons.get(rec.email.strip().lower())
            key = f"{rec.crm}:{rec.external_id}"
            row = {
                "person_id": person_id, "account_id": account_of.get(person_id),
                "source": rec.source, "status": rec.status,
                "owner_id": owners.get(rec.owner_email.lower()) if rec.owner_email else None,
                "first_touch_at": as_utc(rec.first_touch_at),
                "disqualified_reason": rec.disqualified_reason,
                "converted_opportunity_id": converted.get(
                    f"{rec.crm}:{rec.converted_opportunity_external_id}"),
                "updated_at": now,
            }  # fmt: skip
            before = existing.get(key)
            if before is not None:
                if all(before.get(c) == v for c, v in row.items() if c != "updated_at"):
                    result.unchanged += 1
                    continue
                result.updated += 1
                if key in inserts:  # a repeat of a lead an earlier row created
                    first = inserts[key]
                    routed = first["routed_by"] or ("import" if row["owner_id"] else None)
                    at = first["routed_at"] or (first["created_at"] if routed else None)
                    inserts[key] = {**first, **row, "routed_by": routed, "routed_at": at}
                else:
                    updates[key] = {"id": before["id"], **row}
                existing[key] = {**before, **row}
            else:
                created = as_utc(rec.created_at) or now
                inserts[key] = {
                    "id": new_id(),
                    "external_key": key,
                    "created_at": created,
                    "routed_by": "import" if row["owner_id"] else None,
                    "routed_at": created if row["owner_id"] else None,
                    **row,
                }
                existing[key] = inserts[key]
                result.created += 1
        if not dry_run:
            if inserts:
                store.append(conn, leads, to_arrow(list(inserts.values())))
            if updates:
                store.update(conn, leads, to_arrow(list(updates.values())))
    return result


def _stored(conn: sa.Connection, keys: set[str]) -> dict[str, dict[str, Any]]:
    """The stored leads of these external keys, with the columns an import sets."""
    found: dict[str, dict[str, Any]] = {}
    for part in chunked(sorted(keys)):
        for row in conn.execute(sa.select(*_COLUMNS).where(leads.c.external_key.in_(part))):
            found[row.external_key] = dict(row._mapping)
    return found
