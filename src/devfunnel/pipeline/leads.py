"""Creating leads by hand, from forms and from scores, and recording first touches.

Every lead names its person and account. A form or manual lead given by email first
enters as an ``identify`` event (source ``form`` or ``manual``) and is resolved like any
signal, so the lead points at the same person the developer signals do. A lead that
would duplicate an open lead of the same person, or an open opportunity or lead at the
same account, is not created: the answer names the record it matched
(``pipeline/dedupe.py``). New leads are routed at once (``pipeline/routing.py``); a lead
nobody can take yet stays unrouted, and the worker tries again.

Every check that can refuse a lead (the source, the email, a ``person_id`` given with an
email, an unknown person or account) runs before the form's person is written, since that
write goes through intake in transactions of its own: a refused lead leaves the database
as it was. A lead that duplicates another is an answer, not a refusal: the form's
``identify`` event and its person are kept, as any signal is.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa
import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.identity.keys import normalise_email
from devfunnel.identity.lookup import person_for_key, surviving
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ids import new_id, parse_id
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.pipeline.common import SYSTEM_PRINCIPAL, jsonable, utc_now
from devfunnel.pipeline.dedupe import Duplicate, find_duplicate
from devfunnel.pipeline.facts import find_account, person_row, scores
from devfunnel.pipeline.lead_records import LeadView, lead_row, lead_view
from devfunnel.pipeline.routing import Decision, route_lead
from devfunnel.store import Store
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.pipeline import leads

#: Sources a person or a program may create leads with; pql and pqa come from scores,
#: import from ``devfunnel import leads``.
ENTERED_SOURCES = ("form", "manual", "event", "referral")


@dataclass(frozen=True)
class LeadOutcome:
    """What creating a lead did: the lead (new, or the one it duplicated), whether it was
    created, the record it duplicated, and its routing (or why it could not be routed)."""

    lead: LeadView | None
    created: bool
    duplicate_of: Duplicate | None = None
    routing: Decision | None = None
    routing_problem: str | None = None


def create_lead(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    source: str,
    email: str | None = None,
    person_id: uuid.UUID | str | None = None,
    account: str | None = None,
    name: str | None = None,
    title: str | None = None,
    route: bool = True,
    now: datetime | None = None,
) -> LeadOutcome:
    """Create a lead from a form, a person's entry or a program (``ENTERED_SOURCES``)."""
    at = utc_now(now)
    # Anyone who edits records may enter a lead (their own, until it is routed).
    require_edit(principal, [principal.user_id], what="leads")
    if source not in ENTERED_SOURCES:
        raise ValidationError(
            f"source {source!r} cannot be entered; use one of: {', '.join(ENTERED_SOURCES)} "
            "(pql and pqa leads come from scores, import leads from `devfunnel import leads`)",
            field="source",
            value=source,
        )
    if email is None and person_id is None and account is None:
        raise ValidationError(
            "a lead needs a person (email or person_id) or an account", field="email"
        )
    if email is not None and person_id is not None:
        raise ValidationError(
            "give email or person_id, not both", field="person_id", value=str(person_id)
        )
    # Refusals first: the person below is written by intake, outside the lead's
    # transaction, and must not be left behind by a lead that is then refused.
    if account is not None:
        with store.read() as conn:
            find_account(conn, account)
    if email is not None:
        person = _person_by_email(
            store, settings, email, name=name, title=title, source=source, now=at
        )
    elif person_id is not None:
        person = _live_person(store, parse_id(person_id))
    else:
        person = None
    with store.exclusive("leads") as conn:
        person_data = person_row(conn, person) if person else None
        # Looked up again under the lock: a merge since the check moves it to the survivor.
        account_id = (
            find_account(conn, account)
            if account is not None
            else (person_data or {}).get("account_id")
        )
        duplicate = find_duplicate(conn, person, account_id)
        if duplicate is not None:
            existing = lead_view(conn, duplicate.id) if duplicate.kind == "lead" else None
            return LeadOutcome(existing, False, duplicate)
        lead_id = insert_lead(
            conn, principal, source=source, person_id=person, account_id=account_id, at=at
        )
    if not route:
        return LeadOutcome(get_view(store, lead_id), True)
    try:
        # Routing is the rules' decision, not the creator's: devfunnel routes it.
        decision = route_lead(store, settings, lead_id, SYSTEM_PRINCIPAL, now=at)
    except Conflict as exc:
        return LeadOutcome(get_view(store, lead_id), True, routing_problem=exc.detail)
    return LeadOutcome(get_view(store, lead_id), True, routing=decision)


def get_view(store: Store, lead_id: uuid.UUID) -> LeadView:
    with store.read() as conn:
        return lead_view(conn, lead_id)


def insert_lead(
    conn: sa.Connection,
    principal: Principal,
    *,
    source: str,
    person_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
    at: datetime,
    snapshot: dict[str, Any] | None = None,
) -> uuid.UUID:
    """Insert a new lead (the caller checked duplicates) and audit it."""
    lead_id = new_id()
    snap = snapshot if snapshot is not None else scores(conn, person_id, account_id)
    conn.execute(
        leads.insert().values(
            id=lead_id,
            person_id=person_id,
            account_id=account_id,
            source=source,
            status="new",
            snapshot=snap or None,
            created_by=principal.user_id,
            created_at=at,
            updated_at=at,
        )
    )
    audit.record(
        conn,
        principal.actor,
        "lead.create",
        entity_kind="lead",
        entity_id=lead_id,
        after=jsonable({"source": source, "person_id": person_id, "account_id": account_id}),
    )
    return lead_id


def _person_by_email(
    store: Store,
    settings: Settings,
    email: str,
    *,
    name: str | None,
    title: str | None,
    source: str,
    now: datetime,
) -> uuid.UUID:
    """The person holding ``email``, after sending what the form said about them as an
    ``identify`` event from source ``source`` and resolving it."""
    normal = normalise_email(email)
    if normal is None:
        raise ValidationError(
            f"email: {email!r} is not an email address", field="email", value=email
        )
    traits = {k: v for k, v in {"email": normal, "name": name, "title": title}.items() if v}
    body = orjson.dumps(traits, option=orjson.OPT_SORT_KEYS).decode()
    table = pa.table(
        {
            "messageId": [f"{source}:lead:{normal}:{now.isoformat()}"],
            "type": ["identify"],
            "email": [normal],
            "traits": [body],
            "timestamp": pa.array([now], pa.timestamp("us", "UTC")),
        }
    )
    prepared = prepare(
        table,
        source=source,
        received_at=now,
        max_event_bytes=settings.ingest.max_event_bytes,
        correct_clock_skew=False,
    )
    if prepared.rejected:
        raise ValidationError(
            f"the lead's person is invalid: {prepared.rejected[0].reason}",
            field="email",
            value=email,
        )
    append_events(store, prepared, source=source)
    resolve_pending(store, settings)
    with store.read() as conn:
        person = person_for_key(conn, f"email:{normal}")
    if person is None:  # resolution keeps every identity it is given; this is a bug
        raise NotFound(f"no person holds {normal} after resolution", email=normal)
    return person


def _live_person(store: Store, person_id: uuid.UUID) -> uuid.UUID:
    with store.read() as conn:
        live = surviving(conn, people, person_id)
    if live is None:
        raise NotFound(f"no person with id {person_id}", person=str(person_id))
    return live


def touch_lead(
    store: Store, lead_id: uuid.UUID | str, principal: Principal, *, now: datetime | None = None
) -> LeadView:
    """Record a first touch by hand (a call or message the conversation log does not
    hold). The earliest touch counts; a ``new`` lead becomes ``working``."""
    at = utc_now(now)
    with store.transaction() as conn:
        lead = lead_row(conn, lead_id)
        require_edit(principal, [lead["owner_id"]], what=f"lead {lead['id']}")
        if lead["owner_id"] is None:
            raise Conflict(
                f"lead {lead['id']} has no owner yet; route it first (`devfunnel leads route`)",
                lead=str(lead["id"]),
            )
        values: dict[str, Any] = {"updated_at": at}
        if lead["first_touch_at"] is None:
            values["first_touch_at"] = at
        if lead["status"] == "new":
            values["status"] = "working"
        conn.execute(leads.update().where(leads.c.id == lead["id"]).values(**values))
        audit.record(
            conn,
            principal.actor,
            "lead.touch",
            entity_kind="lead",
            entity_id=lead["id"],
            before=jsonable({"first_touch_at": lead["first_touch_at"], "status": lead["status"]}),
            after=jsonable({k: v for k, v in values.items() if k != "updated_at"}),
        )
        return lead_view(conn, lead["id"])
