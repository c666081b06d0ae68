"""Dated qualification history from a CRM (Salesforce field history, HubSpot property
history): every change of an element with the date the seller made it.

A model of an opportunity's chance must learn from what was known at each moment of a
closed deal's life; an import of only the current values stamps them all with the import's
date, so nothing is known at any earlier moment. Each change imported here is entered in
the audit log as a ``qualification.update`` stating the CRM's date (what
:func:`devfunnel.pipeline.qualification.scores_as_of` reads), and the latest change of each
element becomes its current value, dated as the CRM dated it. Changes already in the audit
log (the same element, score and date) are not entered again, so importing the same
history twice records it once.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field, field_validator

from devfunnel.admin.audit import Actor
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import as_utc, to_arrow
from devfunnel.pipeline.qualification import AUDIT_ACTION
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import audit_log
from devfunnel.vocabulary import MEDDPICC, QUALIFICATION_ELEMENTS

#: Who the audit log says entered imported history (the CRM's user is in ``updated_by``).
IMPORT = Actor("system", label="CRM import")


class QualificationChange(BaseModel):
    """One change of one element, as the CRM's field history states it."""

    element: str
    score: int = Field(ge=0, le=2)
    changed_at: datetime
    evidence: str | None = Field(default=None, max_length=4000)
    evidence_url: str | None = Field(default=None, max_length=2000)
    contact_email: str | None = None
    #: The devfunnel user (a seller) who made the change in the CRM.
    user_email: str | None = None

    @field_validator("element")
    @classmethod
    def _element(cls, value: str) -> str:
        if value not in QUALIFICATION_ELEMENTS:
            raise ValueError(f"unknown qualification element {value!r}")
        return value


def problems(
    changes: Sequence[QualificationChange],
    current: dict[str, Any],
    users: dict[str, uuid.UUID],
    now: datetime,
) -> list[str]:
    """What is wrong with an opportunity's history: changes dated in the future, sellers
    devfunnel does not know, and current values (``current``, the record's
    ``qualification``) that contradict the history's latest change."""
    found = []
    future = sorted({c.element for c in changes if _when(c) > now})
    if future:
        found.append(f"qualification_history: changes dated in the future ({', '.join(future)})")
    unknown = sorted({c.user_email.lower() for c in changes if c.user_email} - set(users))
    if unknown:
        found.append(f"qualification_history: {', '.join(unknown)} not devfunnel users")
    for element, change in latest(changes).items():
        stated = current.get(element)
        score = stated if isinstance(stated, int) else getattr(stated, "score", None)
        if score is not None and score != change.score:
            found.append(
                f"qualification.{element}: {score} contradicts the history's latest "
                f"change ({change.score})"
            )
    return found


def _when(change: QualificationChange) -> datetime:
    """The change's time in UTC (a time without a zone is taken as UTC)."""
    return as_utc(change.changed_at) or change.changed_at


def latest(changes: Sequence[QualificationChange]) -> dict[str, QualificationChange]:
    """Each element's latest change (the last listed among changes made at one time)."""
    out: dict[str, QualificationChange] = {}
    for change in sorted(changes, key=_when):
        out[change.element] = change
    return out


def contact_emails(changes: Sequence[QualificationChange]) -> list[str]:
    return [c.contact_email for c in changes if c.contact_email]


def user_emails(changes: Sequence[QualificationChange]) -> list[str]:
    return [c.user_email for c in changes if c.user_email]


def write(
    store: Store,
    conn: sa.Connection,
    histories: Mapping[uuid.UUID, Sequence[QualificationChange]],
    contacts: dict[str, uuid.UUID],
    users: dict[str, uuid.UUID],
    *,
    actor: Actor = IMPORT,
) -> tuple[list[dict[str, Any]], int]:
    """Enter each opportunity's history in the audit log (skipping changes already there);
    return the current ``qualification`` rows the history implies and how many changes
    were entered."""
    seen = _recorded(conn, sorted(histories))
    entries, current = [], []
    occurred = datetime.now(UTC)
    for opp_id, changes in histories.items():
        before: dict[str, dict[str, Any]] = {}
        for change in sorted(changes, key=_when):
            after = _state(change, contacts)
            key = (opp_id, change.element, change.score, after["updated_at"])
            if key not in seen:
                seen.add(key)
                entries.append(
                    {
                        "id": new_id(),
                        "occurred_at": occurred,
                        "actor_kind": actor.kind,
                        "actor_id": actor.id,
                        "actor_label": actor.label,
                        "action": AUDIT_ACTION,
                        "entity_kind": "opportunity",
                        "entity_id": opp_id,
                        "before": before.get(change.element),
                        "after": after,
                    }
                )
            before[change.element] = after
        for element, change in latest(changes).items():
            current.append(
                {
                    "id": new_id(),
                    "opportunity_id": opp_id,
                    "framework": "meddpicc" if element in MEDDPICC else "bant",
                    "element": element,
                    "score": change.score,
                    "evidence": change.evidence,
                    "evidence_url": change.evidence_url,
                    "contact_id": _person(change.contact_email, contacts),
                    "updated_by": _person(change.user_email, users),
                    "updated_at": _when(change),
                }
            )
    if entries:
        store.append(conn, audit_log, to_arrow(entries))
    return current, len(entries)


def _state(change: QualificationChange, contacts: dict[str, uuid.UUID]) -> dict[str, Any]:
    """The element as the change left it, in the shape every ``qualification.update``
    entry has."""
    contact = _person(change.contact_email, contacts)
    when = _when(change)
    return {
        "element": change.element,
        "score": change.score,
        "evidence": change.evidence,
        "evidence_url": change.evidence_url,
        "contact_id": str(contact) if contact else None,
        "updated_at": when.isoformat(),
    }


def _person(email: str | None, known: dict[str, uuid.UUID]) -> uuid.UUID | None:
    """A contact (keys: normalised emails) or a user (keys: lower-case emails) by email."""
    return known.get(email.strip().lower()) if email else None


def _recorded(
    conn: sa.Connection, ids: list[uuid.UUID]
) -> set[tuple[uuid.UUID, str, int, str | None]]:
    """Changes of these opportunities already in the audit log."""
    a = audit_log.c
    found = set()
    for part in chunked(ids):
        for row in conn.execute(
            sa.select(a.entity_id, a.after).where(a.action == AUDIT_ACTION, a.entity_id.in_(part))
        ):
            after = row.after or {}
            if "element" in after and "score" in after:
                found.add(
                    (row.entity_id, str(after["element"]), int(after["score"]),
                     after.get("updated_at"))
                )  # fmt: skip
    return found
