"""``GET /api/v1/audit``: the audit log, for admins."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from devfunnel.admin import audit
from devfunnel.store.query import MOST_OFFSET
from devfunnel.web.auth import AdminPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.openapi import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["audit"])

ENTRY_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000c1", "occurred_at": "2026-11-02T09:12:00Z",
    "actor_kind": "user", "actor_id": "01963a4e-7c10-7000-8000-00000000000a",
    "actor_label": "admin@acme.dev", "action": "user.set_role", "entity_kind": "user",
    "entity_id": "01963a4e-7c10-7000-8000-00000000000b", "before": {"role": "viewer"},
    "after": {"role": "seller"}, "reason": None,
}  # fmt: skip


class Entry(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    occurred_at: datetime
    actor_kind: str
    actor_id: uuid.UUID | None
    actor_label: str | None
    action: str
    entity_kind: str | None
    entity_id: uuid.UUID | None
    before: Any
    after: Any
    reason: str | None


class Entries(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"entries": [ENTRY_EXAMPLE]}]})
    entries: list[Entry]


@router.get(
    "/audit", response_model=Entries, summary="Search the audit log",
    responses=problem_responses({**AUTH_PROBLEMS, 422: "the request is invalid: query.since"}),
)  # fmt: skip
def search_audit(
    _: AdminPrincipal,
    store: StoreDep,
    actor: Annotated[
        str | None,
        Query(
            max_length=320,
            description="Part of the actor's label (an email, a key name) or its kind.",
        ),
    ] = None,
    action: Annotated[
        str | None,
        Query(
            max_length=64, description="Actions starting with this (`user.` for all user changes)."
        ),
    ] = None,
    entity: Annotated[
        str | None,
        Query(max_length=64, description="An entity kind (`user`, `api_key`) or an entity id."),
    ] = None,
    since: Annotated[date | None, Query(description="First day (UTC), inclusive.")] = None,
    until: Annotated[date | None, Query(description="Last day (UTC), inclusive.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
) -> Entries:
    """Every change by a person, a key, the command line or devfunnel, newest first."""
    where = audit.AuditFilter(actor=actor, action=action, entity=entity, since=since, until=until)
    found = audit.search(store, where, limit=limit, offset=offset)
    return Entries(entries=[Entry.model_validate(e) for e in found])
