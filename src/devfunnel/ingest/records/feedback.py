"""Import customer feedback (feature requests, bugs, praise) from support, surveys, calls
and communities, tied to the account and feature it concerns, so product can weigh it by
the revenue behind it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
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
    lookup,
    to_arrow,
    validate_rows,
)
from devfunnel.store import Store
from devfunnel.store.schema.events import features
from devfunnel.store.schema.success import feedback_items


class FeedbackRecord(Record):
    external_id: str = Field(min_length=1, max_length=128)
    system: str = Field(default="import", max_length=32)
    source: Literal["support", "survey", "call", "community", "github", "sales"]
    kind: Literal["feature_request", "bug", "praise", "complaint", "question"]
    title: str = Field(min_length=1, max_length=300)
    body: str | None = Field(default=None, max_length=20000)
    crm: Crm = "crm"
    account_external_id: str | None = Field(default=None, max_length=128)
    account_domain: str | None = Field(default=None, max_length=253)
    person_email: str | None = None
    feature_key: str | None = None
    sentiment: float | None = Field(default=None, ge=-1, le=1)
    status: Literal["open", "planned", "in_progress", "shipped", "declined"] = "open"
    created_at: datetime | None = None
    closed_loop_at: datetime | None = None


def import_feedback(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("feedback", dry_run=dry_run)
    records = validate_rows(FeedbackRecord, rows, result, first_line)
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        keys = {
            line: account_key_of(r.crm, r.account_external_id, r.account_domain, classifier)
            for line, r in records
        }
        account_of = find_accounts(conn, [k for ks in keys.values() for k in ks])
        persons = find_people(conn, (r.person_email for _, r in records))
        feature_ids = lookup(conn, features, "key", (r.feature_key for _, r in records))
        existing = lookup(
            conn,
            feedback_items,
            "external_key",
            (f"{r.system}:{r.external_id}" for _, r in records),
        )
        inserts, updates = [], []
        for line, rec in records:
            if rec.feature_key and rec.feature_key not in feature_ids:
                result.errors.append(RowError(line, f"feature_key: no feature {rec.feature_key!r}"))
                continue
            row = {
                "account_id": next((account_of[k] for k in keys[line] if k in account_of), None),
                "person_id": persons.get((rec.person_email or "").strip().lower()),
                "feature_id": feature_ids.get(rec.feature_key), "kind": rec.kind,
                "title": rec.title, "body": rec.body, "source": rec.source,
                "sentiment": rec.sentiment, "status": rec.status,
                "closed_loop_at": as_utc(rec.closed_loop_at), "updated_at": now,
            }  # fmt: skip
            external_key = f"{rec.system}:{rec.external_id}"
            if external_key in existing:
                updates.append({"id": existing[external_key], **row})
                result.updated += 1
            else:
                existing[external_key] = new_id()
                inserts.append(
                    {
                        "id": existing[external_key],
                        "external_key": external_key,
                        "created_at": as_utc(rec.created_at) or now,
                        **row,
                    }
                )
                result.created += 1
        if not dry_run:
            if inserts:
                store.append(conn, feedback_items, to_arrow(inserts))
            if updates:
                store.update(conn, feedback_items, to_arrow(updates))
    return result
