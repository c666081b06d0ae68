"""Routing: route a lead (or say where it would go and why, writing nothing), and the
routing rules with each team's availability."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.pipeline import lead_records, routing, routing_rules
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.pipeline_common import LEAD_ID, READ, WRITE, problems

router = APIRouter(prefix="/api/v1", tags=["routing"])
LeadIdPath = Annotated[str, Path(description="The lead's id.")]


class Step(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    rule: str
    outcome: str
    detail: str


DECISION_EXAMPLE: dict[str, Any] = {
    "lead_id": LEAD_ID,
    "dry_run": True,
    "owner_email": "erin.ae@acme.dev",
    "routed_by": "enterprise",
    "team": "ae_enterprise",
    "reason": "rule enterprise matched (all conditions hold: employees gte 2000; region eq NA); "
    "round robin in team ae_enterprise picked erin.ae@acme.dev",
    "sla_due_at": "2026-05-04T10:00:00Z",
    "steps": [
        {"rule": "account_owner", "outcome": "no_match", "detail": "account Acme has no owner"},
        {"rule": "enterprise", "outcome": "matched", "detail": "rule enterprise matched ..."},
    ],
    "facts": {"employees": 5000, "region": "NA", "lead_source": "pql"},
}


class Decision(BaseModel):
    """Where the lead goes (or would go) and why: every step of the routing order with
    what it decided, and the facts the rules were tested against."""

    model_config = ConfigDict(json_schema_extra={"examples": [DECISION_EXAMPLE]})
    lead_id: uuid.UUID
    dry_run: bool
    owner_email: str | None
    routed_by: str | None
    team: str | None
    reason: str
    sla_due_at: datetime | None
    steps: list[Step]
    facts: dict[str, Any]


def decision_out(decision: routing.Decision) -> Decision:
    return Decision(
        lead_id=decision.lead_id,
        dry_run=decision.dry_run,
        owner_email=decision.owner.email if decision.owner else None,
        routed_by=decision.routed_by,
        team=decision.team,
        reason=decision.reason,
        sla_due_at=decision.sla_due_at,
        steps=[Step.model_validate(s) for s in decision.steps],
        facts=decision.facts,
    )


class RouteRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"dry_run": True, "force": False}]}
    )
    dry_run: bool = Field(default=False, description="Say where it would go; write nothing.")
    force: bool = Field(default=False, description="Route a lead that has an owner again.")


@router.post(
    "/leads/{lead_id}/route",
    response_model=Decision,
    summary="Route a lead, or say where it would go (dry run)",
    responses=problems(
        {
            **WRITE,
            404: f"no lead with id {LEAD_ID}",
            409: f"lead {LEAD_ID} is already routed (by account_owner); "
            "route it again with --force (API: force=true)",
        }
    ),
)
def route_lead(
    lead_id: LeadIdPath,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
    body: Annotated[
        RouteRequest | None,
        Body(
            openapi_examples={
                "dry run": {"summary": "Where would it go?", "value": {"dry_run": True}}
            }
        ),
    ] = None,
) -> Decision:
    """Evaluates the account owner, then `routing.rules` in order, then weighted round robin in
    `routing.fallback_team`, and records which rule fired. With `dry_run` nothing is
    written: the answer says where it would go and why."""
    request = body or RouteRequest()
    lead = lead_records.get_lead(store, lead_id)
    return decision_out(
        routing.route_lead(
            store, settings, lead.id, principal, dry_run=request.dry_run, force=request.force
        )
    )


class Member(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    email: str
    capacity: float
    daily_cap: int | None
    assigned_today: int
    availability: str
    out_of_office_until: datetime | None


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    label: str
    role: str
    manager: str | None
    members: list[Member]


class Rule(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    description: str
    when: list[dict[str, Any]]
    conditions: list[str]
    team: str | None
    user: str | None


class RoutingRules(BaseModel):
    """The routing order: the account owner (when ``respect_account_owner``), the rules in
    order, then round robin in ``fallback_team``; each team's members with their
    availability now."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "respect_account_owner": True,
                    "fallback_team": "sdr",
                    "sla_minutes": {"pql": 60, "form": 15},
                    "escalate_after_minutes": 30,
                    "rules": [
                        {
                            "id": "emea",
                            "description": "Mid-market and larger in EMEA",
                            "when": [{"field": "region", "op": "eq", "value": "EMEA"}],
                            "conditions": ["region eq EMEA"],
                            "team": "ae_emea",
                            "user": None,
                        }
                    ],
                    "teams": [
                        {
                            "id": "sdr",
                            "label": "Sales development",
                            "role": "seller",
                            "manager": "maria.sales@acme.dev",
                            "members": [
                                {
                                    "email": "sam.sdr@acme.dev",
                                    "capacity": 1.0,
                                    "daily_cap": 40,
                                    "assigned_today": 3,
                                    "availability": "available",
                                    "out_of_office_until": None,
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    )
    respect_account_owner: bool
    rules: list[Rule]
    fallback_team: str
    sla_minutes: dict[str, int]
    escalate_after_minutes: int
    teams: list[TeamOut]


@router.get(
    "/routing/rules",
    response_model=RoutingRules,
    tags=["routing"],
    summary="The routing order, rules and teams",
    responses=problems(READ),
)
def get_routing_rules(_: ReadPrincipal, store: StoreDep, settings: SettingsDep) -> RoutingRules:
    """The routing order as configured: whether the account owner wins, the rules with their
    conditions, the teams with members, capacities and caps, and the SLA per lead
    source."""
    return RoutingRules.model_validate(routing_rules.routing_overview(store, settings))
