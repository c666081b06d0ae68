"""Qualification of an opportunity: MEDDPICC and BANT, technical validation, the stage
gate and the success probability; setting an element; refreshing or confirming the
technical validation; the success model. ``{id}`` is an opportunity id or external key."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.errors import NotFound
from devfunnel.pipeline import technical_validation
from devfunnel.pipeline.qualification import find_opportunity, set_element
from devfunnel.pipeline.qualification_view import opportunity_qualification
from devfunnel.scoring.success.training import latest_version
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.people import READ_KEY_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["qualification"])
OpportunityId = Annotated[str, Path(description="The opportunity's id or external key.")]
WRITE_PROBLEMS = {
    401: "an API key is required",
    403: "a seller may change only their own records, and opportunity 'Acme - new' is not theirs",
    404: "no opportunity 01963a4e-7c10-7000-8000-000000000009",
}


OPP_ID = "01963a4e-7c10-7000-8000-000000000009"
ELEMENT_EXAMPLE: dict[str, Any] = {
    "framework": "meddpicc", "element": "champion", "label": "Champion", "score": 2,
    "score_word": "validated", "evidence": "Lead developer drives the PoC",
    "evidence_url": None, "contact_id": "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e8f",
    "updated_by": "01963a4e-7c10-7000-8000-0000000000c1", "updated_at": "2026-11-02T09:12:00Z",
}  # fmt: skip
TECHNICAL_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000f1", "opportunity_id": OPP_ID,
    "account_id": "01963a4e-7c10-7000-8000-000000000001", "active_developers": 3,
    "developers": [{"person_id": "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e8f", "name": "Jane Doe",
                    "email": "jane.doe@acme.io", "events": 214,
                    "last_active": "2026-11-01T16:20:00+00:00"}],
    "built": {"journey_stage": "build", "activities": [
        {"activity": "sdk_installed", "label": "SDK installed", "count": 2,
         "items": ["python", "node"]}]},
    "api_volume_30d": 182340,
    "blockers": {"error_bursts": 1, "api_errors": 37, "activities": [
        {"activity": "support_ticket", "label": "Support ticket", "count": 1, "items": []}]},
    "technical_fit": 78.0,
    "fit_reasons": [{"component": "usage", "points": 21.9, "max_points": 25.0,
                     "detail": "182,340 API calls in 30 days"}],
    "source": "derived", "notes": None, "validated_by": None,
    "validated_at": "2026-11-02T09:00:00Z",
}  # fmt: skip


class Element(BaseModel):
    """One qualification element: score 0 (unknown), 1 (partial) or 2 (validated)."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [ELEMENT_EXAMPLE]}
    )
    framework: str
    element: str
    label: str
    score: int
    score_word: str
    evidence: str | None
    evidence_url: str | None
    contact_id: uuid.UUID | None
    updated_by: uuid.UUID | None
    updated_at: datetime | None


class FitReason(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    component: str
    points: float
    max_points: float
    detail: str


class TechnicalValidation(BaseModel):
    """The developer evidence: active developers (``developers``, most active first), what
    they built, API volume, blockers, and the technical fit (0-100) with its parts."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [TECHNICAL_EXAMPLE]}
    )
    id: uuid.UUID | None
    opportunity_id: uuid.UUID | None
    account_id: uuid.UUID
    active_developers: int
    developers: list[dict[str, Any]]
    built: dict[str, Any]
    api_volume_30d: int
    blockers: dict[str, Any]
    technical_fit: float
    fit_reasons: list[FitReason]
    source: str
    notes: str | None
    validated_by: uuid.UUID | None
    validated_at: datetime


class Unmet(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kind: str
    name: str
    required: float | None
    actual: float | None
    message: str


class Gate(BaseModel):
    """The exit criteria between the opportunity's stage and ``next_stage``."""

    model_config = ConfigDict(from_attributes=True)
    stage: str
    next_stage: str | None
    passed: bool
    unmet: list[Unmet]


class Contribution(BaseModel):
    feature: str
    label: str
    value: float
    contribution: float = Field(description="Signed, in log-odds of winning.")


class Success(BaseModel):
    """The modelled chance the opportunity is won, and the features that moved it most."""

    model_config = ConfigDict(from_attributes=True)
    probability: float
    why: list[Contribution]
    model_id: uuid.UUID
    as_of: datetime
    predicted_at: datetime


class OpportunityQualification(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "opportunity": {"id": OPP_ID, "name": "Acme - new", "stage": "discovery",
                        "status": "open"},
        "meddpicc": [ELEMENT_EXAMPLE], "bant": [],
        "technical_validation": TECHNICAL_EXAMPLE,
        "gate": {"stage": "discovery", "next_stage": "technical_evaluation", "passed": False,
                 "unmet": [{"kind": "qualification", "name": "metrics", "required": 1,
                            "actual": 0, "message": "qualify metrics to at least 1 (partial)"}]},
        "success": {"probability": 0.62, "model_id": "01963a4e-7c10-7000-8000-0000000000aa",
                    "as_of": "2026-11-02T00:00:00Z", "predicted_at": "2026-11-02T00:05:00Z",
                    "why": [{"feature": "builders", "label": "Developers building",
                             "value": 3.0, "contribution": 0.84}]},
        "stage_probability": 0.1}]})  # fmt: skip
    opportunity: dict[str, Any]
    meddpicc: list[Element] = Field(default_factory=list)
    bant: list[Element] = Field(default_factory=list)
    technical_validation: TechnicalValidation | None
    gate: Gate
    success: Success | None
    stage_probability: float | None


class ElementUpdate(BaseModel):
    """A new record for one element; omitted evidence or contact is cleared."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "score": 2, "evidence": "Lead developer drives the PoC",
            "contact": "jane.doe@acme.io"}]},
    )  # fmt: skip
    score: Annotated[int, Field(strict=True, description="0 unknown, 1 partial, 2 validated.")]
    evidence: str | None = None
    evidence_url: str | None = None
    contact: str | None = Field(default=None, description="A person's id or email.")


class Confirmation(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"notes": "PoC reviewed with their lead developer"}]},
    )
    notes: str = Field(description="What was confirmed, and how.")


class TechnicalValidations(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"current": TECHNICAL_EXAMPLE, "history": [TECHNICAL_EXAMPLE]}]
        }
    )
    current: TechnicalValidation | None
    history: list[TechnicalValidation]


class SuccessModel(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "01963a4e-7c10-7000-8000-0000000000aa", "trained_at": "2026-11-02T00:05:00Z",
        "as_of": "2026-11-02T00:00:00Z",
        "algorithm": (
            "logistic regression on standardised features, sigmoid-calibrated (scikit-learn)"
        ),
        "features": ["builders", "champion_engagement", "log_amount"],
        "metrics": {"opportunities": 760, "won": 212, "lost": 548, "snapshots": 3040,
                    "cross_validated": {"auc": 0.76, "brier": 0.19,
                                        "auc_at_creation": 0.71, "brier_at_creation": 0.2},
                    "coefficients": {"builders": 0.62, "champion_engagement": 0.41,
                                     "log_amount": -0.18},
                    "baseline_log_odds": -1.04, "snapshot_days": 30},
        "trained_by": "worker"}]})  # fmt: skip
    id: uuid.UUID
    trained_at: datetime
    as_of: datetime
    algorithm: str
    features: list[str]
    metrics: dict[str, Any]
    trained_by: str | None


@router.get(
    "/opportunities/{id}/qualification",
    response_model=OpportunityQualification,
    summary="An opportunity's qualification, technical validation, gate and success probability",
    responses=problem_responses({**READ_KEY_PROBLEMS, 404: WRITE_PROBLEMS[404]}),
)
def get_qualification(
    id: OpportunityId, _: ReadPrincipal, store: StoreDep, settings: SettingsDep
) -> OpportunityQualification:
    """MEDDPICC and BANT element by element, the newest technical validation, the exit
    criteria still unmet for the next stage, and the success probability with the features
    that moved it most."""
    view = opportunity_qualification(store, settings, id)
    doc = view.as_dict()
    return OpportunityQualification.model_validate(doc)


@router.put(
    "/opportunities/{id}/qualification/{element}",
    response_model=Element,
    summary="Record one qualification element (audited)",
    responses=problem_responses(
        {**WRITE_PROBLEMS, 422: "score must be 0 (unknown), 1 (partial) or 2 (validated), not 3"}
    ),
)
def put_element(
    id: OpportunityId,
    element: Annotated[str, Path(description="metrics, economic_buyer, ..., need, timeline.")],
    body: ElementUpdate,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> Element:
    """Replaces the element's score, evidence and contact. Sellers change the
    opportunities they own; managers, admins and write keys any."""
    saved = set_element(
        store,
        settings,
        principal,
        id,
        element,
        body.score,
        evidence=body.evidence,
        evidence_url=body.evidence_url,
        contact=body.contact,
    )
    return Element.model_validate(saved.as_dict())


@router.get(
    "/opportunities/{id}/technical-validation",
    response_model=TechnicalValidations,
    summary="An opportunity's technical validation and its history",
    responses=problem_responses({**READ_KEY_PROBLEMS, 404: WRITE_PROBLEMS[404]}),
)
def get_technical_validation(
    id: OpportunityId, _: ReadPrincipal, store: StoreDep
) -> TechnicalValidations:
    """The newest record first; each refresh or confirmation adds one."""
    with store.read() as conn:
        opp = find_opportunity(conn, id)
        history = technical_validation.history(conn, opp.id)
    return TechnicalValidations(
        current=_technical(history[0]) if history else None,
        history=[_technical(v) for v in history],
    )


@router.post(
    "/opportunities/{id}/technical-validation/refresh",
    response_model=TechnicalValidation,
    summary="Derive the technical validation from the developers' events now (audited)",
    responses=problem_responses(WRITE_PROBLEMS),
)
def refresh_technical_validation(
    id: OpportunityId, principal: WritePrincipal, store: StoreDep, settings: SettingsDep
) -> TechnicalValidation:
    """Active developers, what they built, API volume, blockers and the technical fit,
    read from the account's events; a new record is added only when the figures change."""
    with store.read() as conn:
        opp = find_opportunity(conn, id)
    (derived,) = technical_validation.refresh(store, settings, [opp.id], principal=principal)
    return _technical(derived)


@router.post(
    "/opportunities/{id}/technical-validation/confirm",
    response_model=TechnicalValidation,
    summary="Confirm the technical validation with notes (audited)",
    responses=problem_responses({**WRITE_PROBLEMS, 422: "notes must say what was confirmed"}),
)
def confirm_technical_validation(
    id: OpportunityId,
    body: Confirmation,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> TechnicalValidation:
    """A person vouches for the technical validation, with notes; recorded as a new row
    marked `person`."""
    confirmed = technical_validation.confirm(store, settings, principal, id, body.notes)
    return _technical(confirmed)


@router.get(
    "/models/success",
    response_model=SuccessModel,
    summary="The newest success-probability model: when, on what, how well",
    responses=problem_responses(
        {**READ_KEY_PROBLEMS, 404: "no success model has been trained yet"}
    ),
)
def get_success_model(_: ReadPrincipal, store: StoreDep) -> SuccessModel:
    """When and as of when it was trained, its features and cross-validated metrics."""
    with store.read() as conn:
        version = latest_version(conn)
    if version is None:
        raise NotFound("no success model has been trained yet; run `devfunnel model train`")
    return SuccessModel.model_validate(version.as_dict())


def _technical(found: technical_validation.TechnicalValidation) -> TechnicalValidation:
    return TechnicalValidation.model_validate(found.as_dict())
