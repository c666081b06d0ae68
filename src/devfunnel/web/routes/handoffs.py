"""Handoffs: the queue, one handoff with its packet, creating one, accepting, rejecting,
returning and re-sending it, and handoff quality."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.pipeline import handoff_quality, handoff_records, handoffs
from devfunnel.store.query import MOST_OFFSET
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.pipeline_common import (
    ACCOUNT_ID,
    HANDOFF_ID,
    OPPORTUNITY_ID,
    READ,
    USER_ID,
    WRITE,
    PageInfo,
    problems,
)

router = APIRouter(prefix="/api/v1", tags=["handoffs"])
IdPath = Annotated[str, Path(description="The handoff's id.")]

HANDOFF_EXAMPLE: dict[str, Any] = {
    "id": HANDOFF_ID,
    "kind": "sales_to_onboarding",
    "state": "pending",
    "account_id": ACCOUNT_ID,
    "account_name": "Acme",
    "opportunity_id": OPPORTUNITY_ID,
    "opportunity_name": "Acme platform",
    "from_user_id": USER_ID,
    "from_email": "erin.ae@acme.dev",
    "to_user_id": None,
    "to_email": "carl.success@acme.dev",
    "to_team": "customer_success",
    "completeness": 0.75,
    "missing": ["commitments"],
    "trigger": "won",
    "sent_at": "2026-05-04T09:00:00Z",
    "due_at": "2026-05-06T09:00:00Z",
    "overdue": False,
    "accepted_at": None,
    "rejected_at": None,
    "returned_at": None,
    "reason": None,
    "last_reminded_at": None,
    "next_stage_reached_at": None,
    "created_at": "2026-05-04T09:00:00Z",
    "packet": {
        "kind": "sales_to_onboarding",
        "assembled_at": "2026-05-04T09:00:00Z",
        "account": {"id": ACCOUNT_ID, "name": "Acme", "domain": "acme.io"},
        "opportunity": {"id": OPPORTUNITY_ID, "name": "Acme platform", "stage": "closed_won"},
        "sections": {
            "developers": [
                {"name": "Jane Doe", "engagement": 81.0, "last_active": "2026-05-03T09:00:00Z"}
            ],
            "built": [
                {
                    "activity": "integration_enabled",
                    "count": 2,
                    "developers": 1,
                    "named": {"integration": ["Slack"]},
                }
            ],
            "commitments": [],
        },
        "missing": ["commitments"],
    },
}


class Handoff(BaseModel):
    """A handoff: who from and to, its state and clock (``overdue`` is pending past
    ``due_at``), the packet's completeness and missing required sections, and (for one
    handoff) the packet, assembled from the data."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [HANDOFF_EXAMPLE]}
    )
    id: uuid.UUID
    kind: str
    state: str
    account_id: uuid.UUID
    account_name: str | None
    opportunity_id: uuid.UUID | None
    opportunity_name: str | None
    from_user_id: uuid.UUID | None
    from_email: str | None
    to_user_id: uuid.UUID | None
    to_email: str | None
    to_team: str | None
    completeness: float
    missing: list[str]
    trigger: str | None
    sent_at: datetime | None
    due_at: datetime
    overdue: bool
    accepted_at: datetime | None
    rejected_at: datetime | None
    returned_at: datetime | None
    reason: str | None
    last_reminded_at: datetime | None
    next_stage_reached_at: datetime | None
    created_at: datetime
    packet: dict[str, Any] | None = None


class Handoffs(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "handoffs": [HANDOFF_EXAMPLE | {"packet": None}],
                    "total": 1,
                    "limit": 50,
                    "offset": 0,
                    "next_offset": None,
                }
            ]
        }
    )
    handoffs: list[Handoff]


class NewHandoff(BaseModel):
    """Hand an account (or an opportunity, whose account is implied) to another team."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "sdr_to_ae", "opportunity": OPPORTUNITY_ID, "to_user": "erin.ae@acme.dev"},
                {"kind": "devrel_to_sales", "account": "acme.io"},
            ]
        },
    )
    kind: str = Field(description="A configured handoff kind.")
    account: str | None = Field(default=None, description="Account id or domain.")
    opportunity: uuid.UUID | None = None
    to_user: str | None = Field(
        default=None,
        description="Receiver's email or id (default: "
        "the owner, else the least-loaded user of the kind's role).",
    )
    from_user: str | None = Field(default=None, description="Sender's email or id.")


class Reason(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "No economic buyer identified yet"}]},
    )
    reason: str = Field(description="Why (required).", max_length=2000)


ERRORS = {
    **WRITE,
    404: f"no handoff with id {HANDOFF_ID}",
    409: f"handoff {HANDOFF_ID} is accepted; only pending handoffs can be accepted",
}


@router.get(
    "/handoffs",
    response_model=Handoffs,
    summary="Handoffs, the earliest due first",
    responses=problems(
        {**READ, 422: "unknown state 'open'; use one of: pending, accepted, rejected, returned"}
    ),
)
def list_handoffs(
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
    state: Annotated[
        str | None, Query(description="pending, accepted, rejected or returned.")
    ] = None,
    kind: Annotated[str | None, Query(description="A configured handoff kind.")] = None,
    to_user: Annotated[str | None, Query(description="Receiver's email or id.")] = None,
    from_user: Annotated[str | None, Query(description="Sender's email or id.")] = None,
    account: Annotated[uuid.UUID | None, Query(description="Account id.")] = None,
    overdue: Annotated[bool | None, Query(description="Pending past due (or not).")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
) -> Handoffs:
    """Filter by state, kind, receiver, sender, account or overdue; paginated, earliest
    due first."""
    page = handoff_records.list_handoffs(
        store,
        settings,
        state=state,
        kind=kind,
        to_user=to_user,
        from_user=from_user,
        account_id=account,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return Handoffs(
        handoffs=[Handoff.model_validate(h) for h in page.items],
        total=page.total,
        limit=limit,
        offset=offset,
        next_offset=page.next_offset,
    )


@router.post(
    "/handoffs",
    response_model=Handoff,
    status_code=201,
    summary="Create a handoff with a packet assembled from the data",
    responses=problems(
        {
            **WRITE,
            404: "account: no account 'nowhere.io'",
            409: "a devrel_to_sales handoff of this account is already open",
            422: "unknown handoff kind 'dev_to_sales'; valid kinds: "
            "devrel_to_sales, sdr_to_ae, sales_to_onboarding, "
            "sales_to_success",
        }
    ),
)
def create_handoff(
    body: NewHandoff, principal: WritePrincipal, store: StoreDep, settings: SettingsDep
) -> Handoff:
    """The packet (developers, what they built, journey and momentum with their why, technical
    validation, MEDDPICC, business case, commitments, risks, conversations) is assembled
    from the data, never typed. Audited."""
    created = handoffs.create_handoff(
        store,
        settings,
        principal,
        kind=body.kind,
        account=body.account,
        opportunity=body.opportunity,
        to_user=body.to_user,
        from_user=body.from_user,
    )
    return Handoff.model_validate(created)


class Part(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    group: str
    handoffs: int
    completeness: float | None
    time_to_accept: float | None
    acceptance: float | None
    next_stage_reached: float | None
    rejection_rate: float | None
    score: float | None
    target: float
    met: bool | None


class Quality(BaseModel):
    """Handoff quality (completeness, time to accept, acceptance and next stage reached,
    blended by ``handoffs.quality_weights``) against ``kpis.handoff_quality``."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "side": "sender",
                    "target": 0.9,
                    "overall": {
                        "group": "all",
                        "handoffs": 12,
                        "completeness": 0.83,
                        "time_to_accept": 0.9,
                        "acceptance": 0.8,
                        "next_stage_reached": 0.5,
                        "rejection_rate": 0.1,
                        "score": 0.76,
                        "target": 0.9,
                        "met": False,
                    },
                    "by_team": [],
                    "by_person": [],
                }
            ]
        },
    )
    side: str
    target: float
    overall: Part
    by_team: list[Part]
    by_person: list[Part]


@router.get(
    "/handoffs/quality",
    response_model=Quality,
    summary="Handoff quality per team and person against the target",
    responses=problems({**READ, 422: "side must be sender or receiver, not 'team'"}),
)
def quality(
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
    side: Annotated[str, Query(description="Group by the sender or the receiver.")] = "sender",
    since: Annotated[datetime | None, Query(description="Handoffs created since.")] = None,
) -> Quality:
    """Completeness, time to accept, acceptance and whether the next stage was reached, blended
    by `handoffs.quality_weights`, per team and person against `kpis.handoff_quality`."""
    report = handoff_quality.handoff_quality(store, settings, side=side, since=since)
    return Quality.model_validate(report)


@router.get(
    "/handoffs/{handoff_id}",
    response_model=Handoff,
    summary="One handoff with its packet",
    responses=problems({**READ, 404: f"no handoff with id {HANDOFF_ID}"}),
)
def get_handoff(handoff_id: IdPath, _: ReadPrincipal, store: StoreDep) -> Handoff:
    """With its packet, completeness, state and SLA to accept."""
    return Handoff.model_validate(handoff_records.get_handoff(store, handoff_id))


@router.post(
    "/handoffs/{handoff_id}/accept",
    response_model=Handoff,
    summary="Accept a pending handoff (its receiver)",
    responses=problems(ERRORS),
)
def accept(handoff_id: IdPath, principal: WritePrincipal, store: StoreDep) -> Handoff:
    """Its receiver accepts (sales managers, admins and write keys may too). Audited."""
    return Handoff.model_validate(handoffs.accept_handoff(store, handoff_id, principal))


@router.post(
    "/handoffs/{handoff_id}/reject",
    response_model=Handoff,
    summary="Reject a pending handoff with a reason",
    responses=problems({**ERRORS, 422: "a reason is required to reject a handoff"}),
)
def reject(handoff_id: IdPath, body: Reason, principal: WritePrincipal, store: StoreDep) -> Handoff:
    """A reason is required. Audited."""
    return Handoff.model_validate(
        handoffs.reject_handoff(store, handoff_id, principal, body.reason)
    )


@router.post(
    "/handoffs/{handoff_id}/return",
    response_model=Handoff,
    summary="Return a pending handoff to its sender with a reason",
    responses=problems({**ERRORS, 422: "a reason is required to return a handoff"}),
)
def return_(
    handoff_id: IdPath, body: Reason, principal: WritePrincipal, store: StoreDep
) -> Handoff:
    """Sends it back for more context; a reason is required. Audited."""
    return Handoff.model_validate(
        handoffs.return_handoff(store, handoff_id, principal, body.reason)
    )


@router.post(
    "/handoffs/{handoff_id}/resend",
    response_model=Handoff,
    summary="Re-send a returned handoff with a refreshed packet (its sender)",
    responses=problems(ERRORS),
)
def resend(
    handoff_id: IdPath, principal: WritePrincipal, store: StoreDep, settings: SettingsDep
) -> Handoff:
    """Rebuilds the packet from current data and starts a new SLA to accept. Audited."""
    return Handoff.model_validate(handoffs.resend_handoff(store, settings, handoff_id, principal))
