"""Leads: ``GET/POST /api/v1/leads``, one lead, routing (or a dry run of it), a first
touch, speed-to-lead compliance, and the routing rules."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.pipeline import lead_records, leads, sla
from devfunnel.store.query import MOST_OFFSET
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.pipeline_common import (
    ACCOUNT_ID,
    LEAD_ID,
    PERSON_ID,
    READ,
    USER_ID,
    WRITE,
    PageInfo,
    problems,
)
from devfunnel.web.routes.routing import DECISION_EXAMPLE, Decision, decision_out

router = APIRouter(prefix="/api/v1", tags=["leads"])
LeadIdPath = Annotated[str, Path(description="The lead's id.")]

LEAD_EXAMPLE: dict[str, Any] = {
    "id": LEAD_ID,
    "source": "form",
    "status": "new",
    "person_id": PERSON_ID,
    "person_name": "Jane Doe",
    "person_email": "jane.doe@acme.io",
    "account_id": ACCOUNT_ID,
    "account_name": "Acme",
    "account_domain": "acme.io",
    "owner_id": USER_ID,
    "owner_email": "erin.ae@acme.dev",
    "routed_by": "account_owner",
    "routed_team": "ae_enterprise",
    "routing_reason": "account Acme is owned by erin.ae@acme.dev",
    "routed_at": "2026-05-04T09:00:00Z",
    "sla_due_at": "2026-05-04T09:15:00Z",
    "first_touch_at": None,
    "breached_at": None,
    "escalated_at": None,
    "snapshot": {"person": {"engagement": 71.5, "journey_stage": "build", "pql": True}},
    "created_at": "2026-05-04T09:00:00Z",
}


class Lead(BaseModel):
    """A lead with its person, account and owner, its routing and its SLA state.
    ``routed_by`` is the rule that fired (``account_owner``, a rule id or
    ``round_robin:<team>``); ``snapshot`` holds the scores at creation."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [LEAD_EXAMPLE]})
    id: uuid.UUID
    source: str
    status: str
    person_id: uuid.UUID | None
    person_name: str | None
    person_email: str | None
    account_id: uuid.UUID | None
    account_name: str | None
    account_domain: str | None
    owner_id: uuid.UUID | None
    owner_email: str | None
    routed_by: str | None
    routed_team: str | None
    routing_reason: str | None
    routed_at: datetime | None
    sla_due_at: datetime | None
    first_touch_at: datetime | None
    breached_at: datetime | None
    escalated_at: datetime | None
    snapshot: dict[str, Any] | None
    created_at: datetime


class Leads(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"leads": [LEAD_EXAMPLE], "total": 1, "limit": 50, "offset": 0, "next_offset": None}
            ]
        }
    )
    leads: list[Lead]


class NewLead(BaseModel):
    """A lead from a form, a program or a person. Give the person's ``email`` (a new
    person is created from it), or a ``person_id``, or only an ``account`` (id or
    domain)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "email": "jane.doe@acme.io",
                    "name": "Jane Doe",
                    "title": "Staff Engineer",
                    "source": "form",
                }
            ]
        },
    )
    email: str | None = Field(default=None, max_length=320)
    person_id: uuid.UUID | None = None
    account: str | None = Field(default=None, max_length=253)
    name: str | None = Field(default=None, max_length=300)
    title: str | None = Field(default=None, max_length=300)
    source: Literal["form", "manual", "event", "referral"] = "form"
    route: bool = Field(default=True, description="Route it at once.")


class Duplicate(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: Literal["lead", "opportunity"]
    id: uuid.UUID
    on: Literal["person", "account"]


class LeadCreated(BaseModel):
    """``created`` false means the lead duplicated ``duplicate_of`` (an open lead of the
    same person, or an open opportunity or lead at the same account); ``lead`` is then
    the lead it matched, if it matched a lead."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "created": True,
                    "lead": LEAD_EXAMPLE,
                    "duplicate_of": None,
                    "routing": DECISION_EXAMPLE | {"dry_run": False},
                    "routing_problem": None,
                },
                {
                    "created": False,
                    "lead": None,
                    "duplicate_of": {"kind": "opportunity", "id": LEAD_ID, "on": "account"},
                    "routing": None,
                    "routing_problem": None,
                },
            ]
        }
    )
    created: bool
    lead: Lead | None
    duplicate_of: Duplicate | None
    routing: Decision | None
    routing_problem: str | None


@router.get(
    "/leads",
    response_model=Leads,
    summary="Leads, newest first, filtered",
    responses=problems(
        {
            **READ,
            422: "unknown lead status 'hot'; use open or one of: "
            "new, working, qualified, disqualified, converted",
        }
    ),
)
def list_leads(
    _: ReadPrincipal,
    store: StoreDep,
    status: Annotated[
        str | None, Query(description="open, or new, working, qualified, disqualified, converted.")
    ] = None,
    source: Annotated[str | None, Query(description="A lead source.")] = None,
    owner: Annotated[str | None, Query(description="Owner's email or id.")] = None,
    team: Annotated[str | None, Query(description="Routing team id.")] = None,
    breached: Annotated[bool | None, Query(description="Breached their SLA (or not).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
) -> Leads:
    """Filter by status, source, owner, team or SLA breach; paginated with `limit` and `offset`,
    with the total."""
    page = lead_records.list_leads(
        store,
        status=status,
        source=source,
        owner=owner,
        team=team,
        breached=breached,
        limit=limit,
        offset=offset,
    )
    return Leads(
        leads=[Lead.model_validate(v) for v in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
        next_offset=page.next_offset,
    )


@router.post(
    "/leads",
    response_model=LeadCreated,
    status_code=201,
    summary="Create a lead from a form or by hand; routed at once",
    responses=problems(
        {
            **WRITE,
            404: "account: no account 'nowhere.io'",
            422: "email: 'jane' is not an email address",
        }
    ),
)
def create_lead(
    body: NewLead,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
    response: Response,
) -> LeadCreated:
    """201 with the new lead and its routing; 200 with ``created: false`` and the record
    it matched when it would duplicate an open lead or opportunity."""
    outcome = leads.create_lead(
        store,
        settings,
        principal,
        source=body.source,
        email=body.email,
        person_id=body.person_id,
        account=body.account,
        name=body.name,
        title=body.title,
        route=body.route,
    )
    if not outcome.created:
        response.status_code = 200
    return LeadCreated(
        created=outcome.created,
        lead=Lead.model_validate(outcome.lead) if outcome.lead else None,
        duplicate_of=Duplicate.model_validate(outcome.duplicate_of)
        if outcome.duplicate_of
        else None,
        routing=decision_out(outcome.routing) if outcome.routing else None,
        routing_problem=outcome.routing_problem,
    )


class ComplianceGroup(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    group: str
    leads: int
    met: int
    breached: int
    pending: int
    rate: float | None


class Compliance(BaseModel):
    """Speed-to-lead: leads first touched within their SLA, of those decided."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "by": "source",
                    "target": 0.9,
                    "overall": {
                        "group": "all",
                        "leads": 70,
                        "met": 21,
                        "breached": 49,
                        "pending": 0,
                        "rate": 0.3,
                    },
                    "groups": [
                        {
                            "group": "form",
                            "leads": 70,
                            "met": 21,
                            "breached": 49,
                            "pending": 0,
                            "rate": 0.3,
                        }
                    ],
                }
            ]
        }
    )
    by: str
    target: float
    overall: ComplianceGroup
    groups: list[ComplianceGroup]


@router.get(
    "/leads/sla",
    response_model=Compliance,
    summary="Speed-to-lead compliance",
    responses=problems({**READ, 422: "by must be source, team or person, not 'week'"}),
)
def compliance(
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
    by: Annotated[str, Query(description="source, team or person.")] = "source",
    since: Annotated[datetime | None, Query(description="Leads routed since.")] = None,
) -> Compliance:
    """The share of routed leads first touched within their source's SLA
    (`routing.sla_minutes`), overall and per source, team or person, against
    `kpis.speed_to_lead_compliance`."""
    overall, groups = sla.sla_compliance(store, settings, by=by, since=since)
    return Compliance(
        by=by,
        target=settings.kpis.speed_to_lead_compliance,
        overall=ComplianceGroup.model_validate(overall),
        groups=[ComplianceGroup.model_validate(g) for g in groups],
    )


@router.get(
    "/leads/{lead_id}",
    response_model=Lead,
    summary="One lead",
    responses=problems(
        {**READ, 404: f"no lead with id {LEAD_ID}", 422: "'x' is not a valid id (expected a UUID)"}
    ),
)
def get_lead(lead_id: LeadIdPath, _: ReadPrincipal, store: StoreDep) -> Lead:
    """With its owner, the rule that routed it, its SLA clock and breach or escalation."""
    return Lead.model_validate(lead_records.get_lead(store, lead_id))


@router.post(
    "/leads/{lead_id}/touch",
    response_model=Lead,
    summary="Record the first touch of a lead by hand",
    responses=problems(
        {
            **WRITE,
            404: f"no lead with id {LEAD_ID}",
            409: f"lead {LEAD_ID} has no owner yet; route it first",
        }
    ),
)
def touch_lead(lead_id: LeadIdPath, principal: WritePrincipal, store: StoreDep) -> Lead:
    """For a first touch made outside devfunnel; stops the SLA clock. Audited."""
    return Lead.model_validate(leads.touch_lead(store, lead_id, principal))
