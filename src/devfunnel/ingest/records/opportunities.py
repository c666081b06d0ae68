"""Import opportunities from a CRM with their stage history and qualification.

Qualification comes as current values (``qualification``, dated by the import) or as the
CRM's dated field history (``qualification_history``, see ``qualification_history.py``),
which is what lets the success model learn what was known at each moment of a deal.

Stages must be the configured stage ids (or their labels); a CRM's own stage names are
mapped in the import's column mapping. An imported history replaces the opportunity's
history (the CRM is the record of what happened before devfunnel); without one, a stage
that differs from the stored stage is recorded as a move now. Imports are not gated by exit
criteria: they record what already happened in the CRM. Rows apply in order: a row whose
CRM id an earlier row of the same import named updates that opportunity.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, field_validator

from devfunnel.config import Settings
from devfunnel.identity.domains import DomainClassifier
from devfunnel.ids import new_id
from devfunnel.ingest.records import qualification_history as qual_history
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
    to_arrow,
    validate_rows,
)
from devfunnel.money import Money
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.pipeline import (
    opportunities,
    opportunity_changes,
    qualification,
    stage_history,
)
from devfunnel.vocabulary import MEDDPICC, OPPORTUNITY_TYPES, QUALIFICATION_ELEMENTS


class QualificationEntry(BaseModel):
    score: int = Field(ge=0, le=2)
    evidence: str | None = Field(default=None, max_length=4000)
    evidence_url: str | None = Field(default=None, max_length=2000)
    contact_email: str | None = None


class StageChange(BaseModel):
    stage: str
    changed_at: datetime


class OpportunityRecord(Record):
    """One opportunity as a CRM exports it."""

    external_id: str = Field(min_length=1, max_length=128)
    crm: Crm = "crm"
    account_external_id: str | None = Field(default=None, max_length=128)
    account_domain: str | None = Field(default=None, max_length=253)
    name: str = Field(min_length=1, max_length=300)
    type: str = "new"
    stage: str
    amount: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    close_date: date | None = None
    owner_email: str | None = None
    primary_contact_email: str | None = None
    economic_buyer_email: str | None = None
    next_step: str | None = Field(default=None, max_length=500)
    use_case: str | None = Field(default=None, max_length=500)
    competitor: str | None = Field(default=None, max_length=200)
    forecast_category: str | None = None
    probability: float | None = Field(default=None, ge=0, le=1)
    created_at: datetime | None = None
    closed_at: datetime | None = None
    lost_reason: str | None = Field(default=None, max_length=300)
    qualification: dict[str, QualificationEntry | int] | None = None
    stage_history: list[StageChange] | None = None
    qualification_history: list[qual_history.QualificationChange] | None = None

    @field_validator("type")
    @classmethod
    def _type(cls, value: str) -> str:
        value = value.lower()
        if value not in OPPORTUNITY_TYPES:
            raise ValueError(f"type must be one of {', '.join(OPPORTUNITY_TYPES)}")
        return value

    @field_validator("qualification")
    @classmethod
    def _elements(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        for element in value or {}:
            if element not in QUALIFICATION_ELEMENTS:
                raise ValueError(f"unknown qualification element {element!r}")
        return value


def import_opportunities(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("opportunities", dry_run=dry_run)
    records = validate_rows(OpportunityRecord, rows, result, first_line)
    stage_ids = {s.id: s for s in settings.pipeline.stages}
    by_label = {s.label.lower(): s.id for s in settings.pipeline.stages}
    categories = {c.id for c in settings.forecast.categories}
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    now = datetime.now(UTC)

    def stage_id(name: str) -> str | None:
        return name if name in stage_ids else by_label.get(name.lower())

    with store.transaction() as conn:
        keys = {
            line: account_key_of(rec.crm, rec.account_external_id, rec.account_domain, classifier)
            for line, rec in records
        }
        account_of = find_accounts(conn, [k for ks in keys.values() for k in ks])
        owners = find_users(conn, [e for _, r in records for e in _user_emails(r)])
        contacts = find_people(conn, [e for _, r in records for e in _contact_emails(r)])
        existing = _existing(conn, [f"{rec.crm}:{rec.external_id}" for _, rec in records])
        # Keyed by opportunity, so that a key repeated in the file updates what its earlier
        # row gave (rows apply in order) instead of writing the opportunity twice.
        inserts: dict[uuid.UUID, dict[str, Any]] = {}
        updates: dict[uuid.UUID, dict[str, Any]] = {}
        history: dict[uuid.UUID, list[dict[str, Any]]] = {}
        quals: dict[tuple[uuid.UUID, str], dict[str, Any]] = {}
        changes: list[dict[str, Any]] = []
        replace_history: dict[uuid.UUID, None] = {}
        qual_histories: dict[uuid.UUID, list[qual_history.QualificationChange]] = {}
        for line, rec in records:
            problems = []
            account_id = next((account_of[k] for k in keys[line] if k in account_of), None)
            if account_id is None:
                problems.append(
                    "account: no account with "
                    + (" or ".join(f"{k}={v}" for k, v in keys[line]) or "no key")
                )
            stage = stage_id(rec.stage)
            if stage is None:
                problems.append(
                    f"stage: unknown stage {rec.stage!r}; configured: " + ", ".join(stage_ids)
                )
            steps = [(stage_id(c.stage), c) for c in rec.stage_history or []]
            bad = [c.stage for s, c in steps if s is None]
            if bad:
                problems.append(f"stage_history: unknown stages {bad}")
            if rec.owner_email and rec.owner_email.lower() not in owners:
                problems.append(f"owner_email: {rec.owner_email} is not a devfunnel user")
            if rec.forecast_category and rec.forecast_category not in categories:
                problems.append(f"forecast_category: unknown category {rec.forecast_category!r}")
            problems += qual_history.problems(
                rec.qualification_history or [], rec.qualification or {}, owners, now
            )
            if problems:
                result.errors.append(RowError(line, "; ".join(problems)))
                continue
            assert stage is not None and account_id is not None
            key = f"{rec.crm}:{rec.external_id}"
            row = _row(
                rec,
                stage,
                stage_ids[stage].outcome,
                account_id,
                owners,
                contacts,
                settings.company.currency,
                now,
            )
            before = existing.get(key)
            opp_id = before["id"] if before else new_id()
            row["id"] = opp_id
            if before is None:
                row["created_at"] = as_utc(rec.created_at) or now
                row["external_key"] = key
                inserts[opp_id] = row
                result.created += 1
            else:
                diff = {c: v for c, v in row.items() if before.get(c) != v and c != "updated_at"}
                if diff:
                    if opp_id in inserts:
                        inserts[opp_id] = {**inserts[opp_id], **row}
                    else:
                        updates[opp_id] = row
                    changes.extend(_tracked_changes(opp_id, before, row, now))
                    result.updated += 1
                else:
                    result.unchanged += 1
            existing[key] = {**(before or {}), **row}  # what a later row of this key sees
            if rec.stage_history:
                replace_history[opp_id] = None
                previous = None
                history[opp_id] = []
                for step_stage, change in sorted(steps, key=lambda s: s[1].changed_at):
                    history[opp_id].append(
                        _history(opp_id, previous, step_stage, change.changed_at)
                    )
                    previous = step_stage
            elif before is None or before["stage"] != stage:
                history.setdefault(opp_id, []).append(
                    _history(
                        opp_id,
                        before["stage"] if before else None,
                        stage,
                        row["created_at"] if before is None else now,
                    )
                )
            if rec.qualification_history:
                # Changes already entered are skipped, so a repeated history is entered once.
                qual_histories.setdefault(opp_id, []).extend(rec.qualification_history)
            for element, entry in (rec.qualification or {}).items():
                if element not in qual_history.latest(rec.qualification_history or []):
                    quals[(opp_id, element)] = _qualification(opp_id, element, entry, contacts, now)
        if dry_run:
            return result
        if inserts:
            store.append(conn, opportunities, to_arrow(list(inserts.values())))
        if updates:
            store.update(conn, opportunities, to_arrow(list(updates.values())))
        for part in chunked(list(replace_history)):
            conn.execute(stage_history.delete().where(stage_history.c.opportunity_id.in_(part)))
        if history:
            store.append(conn, stage_history, to_arrow([h for hs in history.values() for h in hs]))
        if changes:
            store.append(conn, opportunity_changes, to_arrow(changes))
        if qual_histories:
            dated, _entered = qual_history.write(store, conn, qual_histories, contacts, owners)
            quals.update({(q["opportunity_id"], q["element"]): q for q in dated})
        if quals:
            current = list(quals.values())
            for part in chunked(sorted({q["opportunity_id"] for q in current})):
                conn.execute(
                    qualification.delete().where(
                        qualification.c.opportunity_id.in_(part),
                        qualification.c.element.in_({q["element"] for q in current}),
                    )
                )
            store.append(conn, qualification, to_arrow(current))
    return result


def _user_emails(rec: OpportunityRecord) -> list[str]:
    """The owner and every seller named in the qualification history."""
    found = qual_history.user_emails(rec.qualification_history or [])
    return [rec.owner_email, *found] if rec.owner_email else found


def _contact_emails(rec: OpportunityRecord) -> list[str]:
    emails = [rec.primary_contact_email, rec.economic_buyer_email]
    for entry in (rec.qualification or {}).values():
        if isinstance(entry, QualificationEntry):
            emails.append(entry.contact_email)
    emails += qual_history.contact_emails(rec.qualification_history or [])
    return [e for e in emails if e]


def _row(
    rec: OpportunityRecord,
    stage: str,
    outcome: str,
    account_id: uuid.UUID,
    owners: dict[str, uuid.UUID],
    contacts: dict[str, uuid.UUID],
    currency: str,
    now: datetime,
) -> dict[str, Any]:
    money = Money.parse(rec.amount, rec.currency or currency) if rec.amount is not None else None
    closed_at = as_utc(rec.closed_at)
    if outcome != "open" and closed_at is None:
        last = max((c.changed_at for c in rec.stage_history or []), default=None)
        closed_at = as_utc(last) or now
    return {
        "account_id": account_id, "name": rec.name, "type": rec.type, "stage": stage,
        "amount_minor": money.minor if money else None,
        "currency": money.currency if money else (rec.currency or currency).upper(),
        "close_date": rec.close_date,
        "owner_id": owners.get(rec.owner_email.lower()) if rec.owner_email else None,
        "primary_contact_id": _contact(rec.primary_contact_email, contacts),
        "economic_buyer_contact_id": _contact(rec.economic_buyer_email, contacts),
        "next_step": rec.next_step, "use_case": rec.use_case, "competitor": rec.competitor,
        "forecast_category": rec.forecast_category, "probability": rec.probability,
        "status": outcome, "closed_at": closed_at if outcome != "open" else None,
        "lost_reason": rec.lost_reason, "updated_at": now,
    }  # fmt: skip


def _contact(email: str | None, contacts: dict[str, uuid.UUID]) -> uuid.UUID | None:
    return contacts.get(email.strip().lower()) if email else None


def _history(
    opp_id: uuid.UUID, from_stage: str | None, to_stage: str | None, at: datetime | None
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "opportunity_id": opp_id,
        "from_stage": from_stage,
        "to_stage": to_stage,
        "changed_at": as_utc(at),
    }


def _tracked_changes(
    opp_id: uuid.UUID, before: dict[str, Any], after: dict[str, Any], now: datetime
) -> list[dict[str, Any]]:
    tracked = {
        "amount_minor": "amount",
        "close_date": "close_date",
        "owner_id": "owner",
        "forecast_category": "forecast_category",
        "probability": "probability",
    }
    return [
        {
            "id": new_id(),
            "opportunity_id": opp_id,
            "field": name,
            "old_value": _text(before.get(column)),
            "new_value": _text(after.get(column)),
            "changed_at": now,
        }
        for column, name in tracked.items()
        if before.get(column) != after.get(column)
    ]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:200]


def _qualification(
    opp_id: uuid.UUID,
    element: str,
    entry: QualificationEntry | int,
    contacts: dict[str, uuid.UUID],
    now: datetime,
) -> dict[str, Any]:
    if isinstance(entry, int):
        entry = QualificationEntry(score=entry)
    return {
        "id": new_id(),
        "opportunity_id": opp_id,
        "framework": "meddpicc" if element in MEDDPICC else "bant",
        "element": element,
        "score": entry.score,
        "evidence": entry.evidence,
        "evidence_url": entry.evidence_url,
        "contact_id": _contact(entry.contact_email, contacts),
        "updated_at": now,
    }


def _existing(conn: sa.Connection, keys: list[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    o = opportunities.c
    for part in chunked(sorted(set(keys))):
        for row in conn.execute(sa.select(opportunities).where(o.external_key.in_(part))):
            found[row.external_key] = dict(row._mapping)
    return found
