"""Scored accounts, an account's journey, and the journey funnel (read-scope key).

``GET /api/v1/accounts`` ranks accounts by momentum, fit or grade with filters;
``GET /api/v1/accounts/{id_or_domain}/journey`` tells one account's journey and who is
engaged on each side (the account by id, domain or website URL: ``web/account_path.py``);
``GET /api/v1/journey/funnel`` gives conversion by cohort month.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from devfunnel.journey.funnel import journey_funnel
from devfunnel.journey.views import account_journey
from devfunnel.scoring.updates import read_state
from devfunnel.scoring.views import AccountFilters, list_accounts
from devfunnel.store.query import MOST_OFFSET
from devfunnel.web import account_path
from devfunnel.web.auth import ReadPrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.people import READ_KEY_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["journey and scores"])

WHY_EXAMPLE: dict[str, Any] = {
    "momentum": [
        {"signal": "activity:api_usage", "label": "API usage", "share": 21.4,
         "detail": "299.3 decayed points"},
        {"signal": "breadth:kinds", "label": "Kinds of activity", "share": 20.0,
         "detail": "11 activity types"},
        {"signal": "trend", "label": "Trend", "share": 19.5,
         "detail": "+31% vs the previous 28 days"},
    ],
    "fit": [{"signal": "icp:mid_market_or_enterprise", "label": "200 to 20,000 employees",
             "share": 8.0, "detail": ""}],
    "pqa": {"momentum": True, "fit": True, "active_developers": True, "journey_stage": True},
}  # fmt: skip


SCORES_EXAMPLE: dict[str, Any] = {
    "momentum": 60.9, "fit": 21.0, "grade": "A", "percentile": 0.97,
    "journey_stage": "build", "active_developers": 3, "pqa": True,
    "pqa_since": "2025-06-30T00:00:00Z", "computed_at": "2025-07-01T00:00:00Z",
    "why": WHY_EXAMPLE,
}  # fmt: skip


class Scores(BaseModel):
    """An account's scores. ``why`` lists the top signals of momentum and fit with their
    ``share`` of the score (shares sum to it) and which PQA conditions hold."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={"examples": [SCORES_EXAMPLE]},
    )  # fmt: skip
    momentum: float
    fit: float
    grade: str
    percentile: float | None
    journey_stage: str | None
    active_developers: int
    pqa: bool
    pqa_since: datetime | None
    computed_at: datetime
    why: dict[str, Any]


class ScoredAccount(Scores):
    account_id: uuid.UUID
    name: str
    domain: str | None
    segment: str | None
    owner_id: uuid.UUID | None


ACCOUNT_ID = "01963a4e-7c10-7000-8000-000000000001"
SCORED_ACCOUNT_EXAMPLE: dict[str, Any] = {
    **SCORES_EXAMPLE, "account_id": ACCOUNT_ID, "name": "Acme", "domain": "acme.io",
    "segment": "mid_market", "owner_id": "01963a4e-7c10-7000-8000-0000000000c1",
}  # fmt: skip


class AccountList(BaseModel):
    """One page of scored accounts and how many match in all."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [
            {"total": 212, "limit": 20, "offset": 0, "items": [SCORED_ACCOUNT_EXAMPLE]}]}
    )  # fmt: skip
    total: int
    limit: int
    offset: int
    items: list[ScoredAccount]


@router.get(
    "/accounts",
    response_model=AccountList,
    summary="Scored accounts, ranked, filtered and paginated",
    responses=problem_responses(
        {**READ_KEY_PROBLEMS, 422: "unknown grade 'Z'; use one of A, B, C, D, F"}
    ),
)
def get_accounts(
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
    grade: Annotated[str | None, Query(description="A, B, C, D or F.")] = None,
    stage: Annotated[str | None, Query(description="A journey stage id, e.g. `build`.")] = None,
    owner: Annotated[uuid.UUID | None, Query(description="The owning user's id.")] = None,
    pqa: Annotated[bool | None, Query(description="Only (or no) product-qualified.")] = None,
    segment: Annotated[str | None, Query(description="e.g. `enterprise`.")] = None,
    sort: Annotated[str, Query(description="`momentum`, `fit` or `grade`.")] = "momentum",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
) -> AccountList:
    """For example `GET /api/v1/accounts?grade=A&stage=build&sort=momentum&limit=20`."""
    filters = AccountFilters(grade=grade, stage=stage, owner=owner, pqa=pqa, segment=segment)
    page = list_accounts(store, settings, filters, sort=sort, limit=limit, offset=offset)
    return AccountList(
        total=page.total, limit=page.limit, offset=page.offset,
        items=[ScoredAccount.model_validate(item) for item in page.items],
    )  # fmt: skip


class StageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    stage: str
    label: str
    devrel_goal: str
    funnel_stage: str
    reached_at: datetime | None
    milestone: str | None


class EngagedPersonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str | None
    email: str | None
    title: str | None
    persona: str
    journey_stage: str | None
    engagement: float
    pql: bool
    why: list[dict[str, Any]]


class JourneyOut(BaseModel):
    """Stages with the date and milestone each was reached (``milestone`` null when a
    later stage was reached first), developers and buyers with their stage and engagement,
    and the account's scores with their why."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "account_id": ACCOUNT_ID, "name": "Acme", "domain": "acme.io", "journey_stage": "build",
        "stages": [
            {"stage": "discover", "label": "Discover", "devrel_goal": "awareness",
             "funnel_stage": "account", "reached_at": "2025-02-03T10:00:00Z",
             "milestone": "first_touch"},
            {"stage": "build", "label": "Build", "devrel_goal": "engagement",
             "funnel_stage": "opportunity", "reached_at": "2025-05-19T00:00:00Z",
             "milestone": "sustained_usage"}],
        "developers": [
            {"id": "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e8f", "name": "Jane Doe",
             "email": "jane.doe@acme.io", "title": "Staff Engineer", "persona": "developer",
             "journey_stage": "build", "engagement": 71.2, "pql": True,
             "why": [{"signal": "activity:api_usage", "label": "API usage", "share": 30.1,
                      "detail": "212.0 decayed points"}]}],
        "buyers": [],
        "scores": SCORES_EXAMPLE}]})  # fmt: skip
    account_id: uuid.UUID
    name: str
    domain: str | None
    journey_stage: str | None
    stages: list[StageOut]
    developers: list[EngagedPersonOut]
    buyers: list[EngagedPersonOut]
    scores: Scores | None


@router.get(
    f"/accounts/{{id_or_domain:{account_path.NAME}}}/journey",
    response_model=JourneyOut,
    summary="An account's developer journey and who is engaged on each side",
    responses=problem_responses({**READ_KEY_PROBLEMS, 404: "no account with the domain acme.com"}),
)
def get_account_journey(
    id_or_domain: Annotated[
        str, Path(description="The account's id, or a domain, host or website URL.")
    ],
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> JourneyOut:
    """For example `GET /api/v1/accounts/acme.io/journey` or
    `GET /api/v1/accounts/https://www.acme.io/journey`."""
    return JourneyOut.model_validate(account_journey(store, settings, id_or_domain))


class CohortStageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    stage: str
    reached: int
    conversion: float | None
    ids: list[uuid.UUID]


class CohortOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    month: date
    size: int
    stages: list[CohortStageOut]


class StageFlowOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    stage: str
    label: str
    reached: int
    median_days_to_next: float | None
    at_stage: int
    median_days_at_stage: float | None
    stalled: int
    stalled_after_days: float | None


class FunnelOut(BaseModel):
    """Conversion between stages by cohort month (the month a subject reached its first
    stage), median days to the next stage, and where subjects stall."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [{
        "subject": "account", "as_of": "2025-07-01T00:00:00Z",
        "cohorts": [{"month": "2025-01-01", "size": 180, "stages": [
            {"stage": "discover", "reached": 180, "conversion": None, "ids": []},
            {"stage": "evaluate", "reached": 97, "conversion": 0.539, "ids": []}]}],
        "stages": [{"stage": "evaluate", "label": "Evaluate", "reached": 1210,
                    "median_days_to_next": 12.0, "at_stage": 301,
                    "median_days_at_stage": 40.5, "stalled": 88,
                    "stalled_after_days": 61.0}]}]})  # fmt: skip
    subject: str
    as_of: datetime
    cohorts: list[CohortOut]
    stages: list[StageFlowOut]


@router.get(
    "/journey/funnel",
    response_model=FunnelOut,
    summary="The journey funnel by cohort month",
    responses=problem_responses(
        {**READ_KEY_PROBLEMS, 422: "unknown subject 'team'; use account or person"}
    ),
)
def get_funnel(
    _: ReadPrincipal,
    store: StoreDep,
    settings: SettingsDep,
    subject: Annotated[str, Query(description="`account` or `person`.")] = "account",
    ids: Annotated[bool, Query(description="List the ids behind each count.")] = False,
) -> FunnelOut:
    """For example `GET /api/v1/journey/funnel?subject=account&ids=true`. Measured as of
    the last scoring run."""
    with store.read() as conn:
        as_of = read_state(conn).as_of or datetime.now(UTC)
    found = journey_funnel(store, settings, subject=subject, as_of=as_of, include_ids=ids)
    return FunnelOut.model_validate(found)
