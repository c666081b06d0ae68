"""Opportunities: list, create, read (with stage history and the next stage's gate),
change, and move through stages under their exit criteria."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.pipeline import opportunities, opportunity_records, stages
from devfunnel.pipeline.gate_override import MOST_REASON
from devfunnel.pipeline.opportunity_fields import MOST_COMMITMENTS
from devfunnel.store.query import MOST_OFFSET
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.pipeline_common import (
    ACCOUNT_ID,
    OPPORTUNITY_ID,
    PERSON_ID,
    READ,
    USER_ID,
    WRITE,
    PageInfo,
    problems,
)

router = APIRouter(prefix="/api/v1", tags=["opportunities"])
IdPath = Annotated[str, Path(description="The opportunity's id.")]

OPPORTUNITY_EXAMPLE: dict[str, Any] = {
    "id": OPPORTUNITY_ID,
    "name": "Acme platform",
    "account_id": ACCOUNT_ID,
    "account_name": "Acme",
    "type": "new",
    "stage": "technical_evaluation",
    "status": "open",
    "amount": "48000.00",
    "amount_minor": 4800000,
    "currency": "USD",
    "close_date": "2026-09-30",
    "owner_id": USER_ID,
    "owner_email": "erin.ae@acme.dev",
    "primary_contact_id": PERSON_ID,
    "economic_buyer_contact_id": None,
    "next_step": "Security review",
    "use_case": "Order webhooks",
    "competitor": None,
    "probability": 0.25,
    "forecast_category": "pipeline",
    "probability_override": None,
    "forecast_category_override": None,
    "commitments": ["SSO before go-live"],
    "closed_at": None,
    "lost_reason": None,
    "lead_id": None,
    "created_at": "2026-05-04T09:00:00Z",
    "updated_at": "2026-05-06T11:30:00Z",
}
MISSING_EXAMPLE: dict[str, Any] = {
    "stage": "technical_evaluation",
    "criterion": "min_qualification",
    "name": "decision_criteria",
    "required": 1,
    "actual": 0,
    "message": "qualify decision_criteria to at least 1 (partial); it is 0 (unknown)",
}


class Opportunity(BaseModel):
    """An opportunity. ``probability`` and ``forecast_category`` are in effect (the
    seller's override, else the stage's default); the overrides are shown beside them."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [OPPORTUNITY_EXAMPLE]}
    )
    id: uuid.UUID
    name: str
    account_id: uuid.UUID
    account_name: str | None
    type: str
    stage: str
    status: str
    amount: Decimal | None
    amount_minor: int | None
    currency: str
    close_date: date | None
    owner_id: uuid.UUID | None
    owner_email: str | None
    primary_contact_id: uuid.UUID | None
    economic_buyer_contact_id: uuid.UUID | None
    next_step: str | None
    use_case: str | None
    competitor: str | None
    probability: float
    forecast_category: str
    probability_override: float | None
    forecast_category_override: str | None
    commitments: list[str]
    closed_at: datetime | None
    lost_reason: str | None
    lead_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class Opportunities(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "opportunities": [OPPORTUNITY_EXAMPLE],
                    "total": 1,
                    "limit": 50,
                    "offset": 0,
                    "next_offset": None,
                }
            ]
        }
    )
    opportunities: list[Opportunity]


class Unmet(BaseModel):
    """An exit criterion not met: a required field, a qualification element's minimum
    score, or the minimum technical fit; ``message`` says what to do."""

    model_config = ConfigDict(from_attributes=True)
    stage: str
    criterion: str
    name: str
    required: Any
    actual: Any
    message: str


class Gate(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    stage: str
    next_stage: str | None
    ready: bool
    missing: list[Unmet]


class StageMove(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    from_stage: str | None
    to_stage: str
    changed_at: datetime
    changed_by: uuid.UUID | None
    override_reason: str | None
    unmet_criteria: list[dict[str, Any]] | None


class FieldChange(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    field: str
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    changed_by: uuid.UUID | None


class OpportunityDetail(BaseModel):
    """An opportunity with its stage history (oldest first), its tracked changes and the
    gate to its next stage (what is missing to move forward now)."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "opportunity": OPPORTUNITY_EXAMPLE,
                    "stage_history": [
                        {
                            "from_stage": None,
                            "to_stage": "discovery",
                            "changed_at": "2026-05-04T09:00:00Z",
                            "changed_by": USER_ID,
                            "override_reason": None,
                            "unmet_criteria": None,
                        },
                        {
                            "from_stage": "discovery",
                            "to_stage": "technical_evaluation",
                            "changed_at": "2026-05-06T11:30:00Z",
                            "changed_by": USER_ID,
                            "override_reason": None,
                            "unmet_criteria": None,
                        },
                    ],
                    "changes": [
                        {
                            "field": "amount",
                            "old_value": "40000.00 USD",
                            "new_value": "48000.00 USD",
                            "changed_at": "2026-05-05T10:00:00Z",
                            "changed_by": USER_ID,
                        }
                    ],
                    "gate": {
                        "stage": "technical_evaluation",
                        "next_stage": "business_case",
                        "ready": False,
                        "missing": [MISSING_EXAMPLE],
                    },
                }
            ]
        },
    )
    opportunity: Opportunity
    stage_history: list[StageMove]
    changes: list[FieldChange]
    gate: Gate


class Fields(BaseModel):
    """Fields of an opportunity; people by id or email, the owner by email or id, the
    amount in major units of ``currency``."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=300)
    type: Literal["new", "expansion", "renewal"] | None = None
    amount: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    close_date: date | None = None
    owner: str | None = None
    primary_contact: str | None = None
    economic_buyer: str | None = None
    next_step: str | None = Field(default=None, max_length=500)
    use_case: str | None = Field(default=None, max_length=500)
    competitor: str | None = Field(default=None, max_length=200)
    forecast_category: str | None = None
    probability: float | None = Field(default=None, ge=0, le=1)
    commitments: list[Annotated[str, Field(max_length=500)]] | None = Field(
        default=None, max_length=MOST_COMMITMENTS
    )


class NewOpportunity(Fields):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account": "acme.io",
                    "name": "Acme platform",
                    "amount": "48000",
                    "owner": "erin.ae@acme.dev",
                    "primary_contact": "jane.doe@acme.io",
                    "close_date": "2026-09-30",
                }
            ]
        },
    )
    account: str = Field(description="Account id or domain.")
    name: str = Field(max_length=300)
    stage: str | None = Field(default=None, description="Starting stage; default the first.")
    lead_id: uuid.UUID | None = Field(default=None, description="The lead this converts.")
    override_reason: str | None = Field(
        default=None,
        max_length=MOST_REASON,
        description="Admins: start past unmet exit criteria of the stages before, for this reason.",
    )


class Change(Fields):
    """Only the fields given change; a field given as null is cleared."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"amount": "52000", "close_date": "2026-10-15", "forecast_category": "best_case"}
            ]
        },
    )


class Move(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"stage": "business_case"},
                {"stage": "business_case", "override_reason": "Signed pilot; CRM lagging"},
                {"stage": "closed_lost", "lost_reason": "Chose to build in-house"},
            ]
        },
    )
    stage: str = Field(description="A configured stage id.")
    override_reason: str | None = Field(
        default=None,
        max_length=MOST_REASON,
        description="Admins only: move past unmet exit criteria for this reason (audited).",
    )
    lost_reason: str | None = Field(
        default=None, max_length=300, description="Required to move to the lost stage."
    )


class Moved(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "opportunity": OPPORTUNITY_EXAMPLE,
                    "from_stage": "discovery",
                    "to_stage": "technical_evaluation",
                    "overridden": False,
                    "unmet": [],
                    "handoff_id": None,
                }
            ]
        }
    )
    opportunity: Opportunity
    from_stage: str
    to_stage: str
    overridden: bool
    unmet: list[Unmet]
    handoff_id: uuid.UUID | None = Field(description="The onboarding handoff a win started.")


@router.get(
    "/opportunities",
    response_model=Opportunities,
    summary="Opportunities, latest first, filtered",
    responses=problems(
        {
            **READ,
            422: "unknown stage 'qualified'; valid stages: "
            "discovery, technical_evaluation, business_case, negotiation, "
            "closed_won, closed_lost",
        }
    ),
)
def list_opportunities(
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
    status: Annotated[str | None, Query(description="open, won or lost.")] = None,
    stage: Annotated[str | None, Query(description="A configured stage id.")] = None,
    owner: Annotated[str | None, Query(description="Owner's email or id.")] = None,
    account: Annotated[uuid.UUID | None, Query(description="Account id.")] = None,
    type: Annotated[str | None, Query(description="new, expansion or renewal.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
) -> Opportunities:
    """Filter by status, stage, owner, account or type; paginated with `limit` and `offset`,
    with the total."""
    page = opportunity_records.list_opportunities(
        store,
        settings,
        status=status,
        stage=stage,
        owner=owner,
        account_id=account,
        type=type,
        limit=limit,
        offset=offset,
    )
    return Opportunities(
        opportunities=[Opportunity.model_validate(o) for o in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
        next_offset=page.next_offset,
    )


@router.post(
    "/opportunities",
    response_model=Opportunity,
    status_code=201,
    summary="Create an opportunity",
    responses=problems(
        {
            **WRITE,
            404: "account: no account 'nowhere.io'",
            409: "cannot create in business_case: 3 exit criteria not met",
            422: "owner: no devfunnel user 'nobody@acme.dev'",
        }
    ),
)
def create_opportunity(
    body: NewOpportunity, principal: WritePrincipal, store: StoreDep, settings: SettingsDep
) -> Opportunity:
    """Starts in the first configured stage unless another open stage is given; the
    owner must be a known user. Audited."""
    fields = body.model_dump(
        exclude_unset=True,
        exclude={"account", "name", "type", "stage", "lead_id", "override_reason"},
    )
    created = opportunities.create_opportunity(
        store,
        settings,
        principal,
        account=body.account,
        name=body.name,
        type=body.type or "new",
        stage=body.stage,
        override_reason=body.override_reason,
        lead_id=body.lead_id,
        **fields,
    )
    return Opportunity.model_validate(created)


@router.get(
    "/opportunities/{opportunity_id}",
    response_model=OpportunityDetail,
    summary="An opportunity with its stage history and next gate",
    responses=problems({**READ, 404: f"no opportunity with id {OPPORTUNITY_ID}"}),
)
def get_opportunity(
    opportunity_id: IdPath, _: ReadPrincipal, store: StoreDep, settings: SettingsDep
) -> OpportunityDetail:
    """With its stage history, tracked field changes, and what its current stage's exit
    criteria still miss."""
    return OpportunityDetail.model_validate(
        opportunity_records.get_opportunity(store, settings, opportunity_id)
    )


@router.patch(
    "/opportunities/{opportunity_id}",
    response_model=Opportunity,
    summary="Change an opportunity's fields (tracked and audited)",
    responses=problems(
        {
            **WRITE,
            404: f"no opportunity with id {OPPORTUNITY_ID}",
            422: "forecast_category: unknown category 'maybe'",
        }
    ),
)
def update_opportunity(
    opportunity_id: IdPath,
    body: Change,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> Opportunity:
    """Amount, close date, owner, forecast category and probability changes are kept in the
    change history. Sellers change only their own deals. Audited."""
    changed = opportunities.update_opportunity(
        store, settings, opportunity_id, principal, body.model_dump(exclude_unset=True)
    )
    return Opportunity.model_validate(changed)


@router.post(
    "/opportunities/{opportunity_id}/move",
    response_model=Moved,
    summary="Move an opportunity to a stage under its exit criteria",
    responses=problems(
        {
            **WRITE,
            404: f"no opportunity with id {OPPORTUNITY_ID}",
            409: "cannot move from technical_evaluation to business_case: "
            "1 exit criteria not met: qualify decision_criteria to at "
            "least 1 (partial); it is 0 (unknown)",
            422: "unknown stage 'won'; valid stages: discovery, "
            "technical_evaluation, business_case, negotiation, "
            "closed_won, closed_lost",
        }
    ),
)
def move_opportunity(
    opportunity_id: IdPath,
    body: Move,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> Moved:
    """A refused move answers 409 with ``missing``: the unmet criteria, each with the
    stage, criterion, name, required and actual values and what to do. Admins (an
    admin-scope key) may pass ``override_reason`` to move anyway; it is stored in the
    stage history and audited. Winning starts the onboarding handoff (``handoff_id``)."""
    result = stages.move_opportunity(
        store,
        settings,
        opportunity_id,
        body.stage,
        principal,
        override_reason=body.override_reason,
        lost_reason=body.lost_reason,
    )
    return Moved(
        opportunity=Opportunity.model_validate(result.opportunity),
        from_stage=result.from_stage,
        to_stage=result.to_stage,
        overridden=result.overridden,
        unmet=[Unmet.model_validate(u) for u in result.unmet],
        handoff_id=result.handoff_id,
    )
