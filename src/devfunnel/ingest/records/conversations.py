"""Import sales conversations (calls, emails, meetings, notes) from a CRM.

They are the "conversation history" of handoff packets and the buyer-engagement signal
of deal risk and health.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from devfunnel.config import Settings
from devfunnel.identity.domains import DomainClassifier
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import (
    Crm,
    ImportResult,
    Record,
    RowError,
    account_key_of,
    as_utc,
    find_accounts,
    find_people,
    find_users,
    lookup,
    to_arrow,
    validate_rows,
)
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import conversations, opportunities


class ConversationRecord(Record):
    external_id: str = Field(min_length=1, max_length=128)
    crm: Crm = "crm"
    account_external_id: str | None = Field(default=None, max_length=128)
    account_domain: str | None = Field(default=None, max_length=253)
    opportunity_external_id: str | None = Field(default=None, max_length=128)
    person_email: str | None = None
    user_email: str | None = None
    kind: Literal["call", "email", "meeting", "note", "chat", "demo"]
    subject: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=20000)
    occurred_at: datetime


def import_conversations(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("conversations", dry_run=dry_run)
    records = validate_rows(ConversationRecord, rows, result, first_line)
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    with store.transaction() as conn:
        keys = {
            line: account_key_of(r.crm, r.account_external_id, r.account_domain, classifier)
            for line, r in records
        }
        account_of = find_accounts(conn, [k for ks in keys.values() for k in ks])
        opps = lookup(
            conn,
            opportunities,
            "external_key",
            (
                f"{r.crm}:{r.opportunity_external_id}"
                for _, r in records
                if r.opportunity_external_id
            ),
        )
        persons = find_people(conn, (r.person_email for _, r in records))
        owners = find_users(conn, (r.user_email for _, r in records))
        existing = lookup(
            conn, conversations, "external_key", (f"{r.crm}:{r.external_id}" for _, r in records)
        )
        inserts = []
        for line, rec in records:
            account_id = next((account_of[k] for k in keys[line] if k in account_of), None)
            if account_id is None:
                result.errors.append(RowError(line, "account: no matching account"))
                continue
            key = f"{rec.crm}:{rec.external_id}"
            if key in existing:
                result.unchanged += 1
                continue
            existing[key] = new_id()
            inserts.append({
                "id": existing[key], "account_id": account_id,
                "opportunity_id": opps.get(f"{rec.crm}:{rec.opportunity_external_id}"),
                "person_id": persons.get((rec.person_email or "").lower()),
                "user_id": owners.get((rec.user_email or "").lower()), "kind": rec.kind,
                "subject": rec.subject, "body": rec.body, "occurred_at": as_utc(rec.occurred_at),
                "source": f"crm:{rec.crm}", "external_key": key,
                "created_at": as_utc(rec.occurred_at)})  # fmt: skip
            result.created += 1
        if inserts and not dry_run:
            store.append(conn, conversations, to_arrow(inserts))
    return result
