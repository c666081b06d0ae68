"""The sales side of the company model: qualification, stages, forecast, routing, handoffs."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from devfunnel.config.checks import check_choice, require_sum_one, require_unique
from devfunnel.config.engagement import SnakeId
from devfunnel.config.rules import Condition
from devfunnel.vocabulary import (
    HANDOFF_PACKET_FIELDS,
    LEAD_SOURCES,
    OPPORTUNITY_FIELDS,
    QUALIFICATION_ELEMENTS,
    QUALIFICATION_FRAMEWORKS,
    ROLES,
)

Strict = ConfigDict(extra="forbid", strict=True, validate_default=True)
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class QualificationSettings(BaseModel):
    """Which qualification frameworks sellers fill in."""

    model_config = Strict

    frameworks: list[str] = Field(default_factory=lambda: ["meddpicc", "bant"])

    @field_validator("frameworks")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for name in value:
            check_choice("qualification framework", name, list(QUALIFICATION_FRAMEWORKS))
        return value


class BuiltActivity(BaseModel):
    """An activity that shows something was built, and the event property naming it."""

    model_config = Strict

    activity: SnakeId
    property: Annotated[str, Field(min_length=1, max_length=100)]


def _default_built() -> list[Any]:
    """As the shipped file writes it (tables; validated into BuiltActivity)."""
    return [
        {"activity": "integration_enabled", "property": "integration"},
        {"activity": "sdk_installed", "property": "language"},
    ]


class TechnicalValidationSettings(BaseModel):
    """Which activity types a technical validation reads, and over what window.

    Activity type ids refer to ``[[activity_types]]``; they are checked once the whole
    configuration is read.
    """

    model_config = Strict

    #: Days of activity that count as recent (active developers, API volume, blockers).
    window_days: Annotated[int, Field(ge=1, le=365)] = 30
    #: The activity whose ``value_property`` is API volume (calls).
    usage_activity: SnakeId = "api_usage"
    #: The activity whose ``value_property`` counts API errors.
    error_activity: SnakeId = "api_error"
    #: API errors in one day at one account that count as an error burst (a blocker).
    error_burst: Annotated[int, Field(ge=1)] = 10
    #: Activities that show a developer is stuck (support tickets, GitHub issues).
    blocker_activities: list[SnakeId] = Field(
        default_factory=lambda: ["support_ticket", "github_issue"]
    )
    #: What developers built: activities and the event property naming what was built.
    built: list[BuiltActivity] = Field(default_factory=lambda: _default_built())

    def activity_ids(self) -> list[tuple[str, str]]:
        """Every activity id named here, with the key that names it."""
        named = [("usage_activity", self.usage_activity), ("error_activity", self.error_activity)]
        named += [("blocker_activities", a) for a in self.blocker_activities]
        named += [("built", b.activity) for b in self.built]
        return named


class ExitCriteria(BaseModel):
    """What must be true of an opportunity before it may leave a stage going forward."""

    model_config = Strict

    required_fields: list[str] = Field(default_factory=list)
    #: Minimum score (0 unknown, 1 partial, 2 validated) per qualification element.
    min_qualification: dict[str, Annotated[int, Field(ge=0, le=2)]] = Field(default_factory=dict)
    #: A technical validation record must exist with at least this technical-fit (0-100).
    min_technical_fit: Annotated[float, Field(ge=0, le=100)] | None = None

    @field_validator("required_fields")
    @classmethod
    def _fields(cls, value: list[str]) -> list[str]:
        for name in value:
            check_choice("opportunity field", name, OPPORTUNITY_FIELDS)
        return value

    @field_validator("min_qualification")
    @classmethod
    def _elements(cls, value: dict[str, int]) -> dict[str, int]:
        for name in value:
            check_choice("qualification element", name, QUALIFICATION_ELEMENTS)
        return value


class Stage(BaseModel):
    """An opportunity stage with its default win probability and forecast category."""

    model_config = Strict

    id: SnakeId
    label: str
    probability: Annotated[float, Field(ge=0, le=1)]
    forecast_category: SnakeId
    #: A technical stage (evaluation, proof of concept) where developer evidence matters.
    technical: bool = False
    #: ``won`` or ``lost`` for terminal stages; ``open`` otherwise.
    outcome: Literal["open", "won", "lost"] = "open"
    exit_criteria: ExitCriteria = Field(default_factory=ExitCriteria)


class ForecastCategory(BaseModel):
    """A forecast category sellers commit deals to."""

    model_config = Strict

    id: SnakeId
    label: str
    #: Whether amounts in this category count toward the forecast number.
    in_forecast: bool = True


class ForecastSettings(BaseModel):
    """Forecast periods and categories."""

    model_config = Strict

    period: Literal["month", "quarter"] = "quarter"
    categories: list[ForecastCategory]
    #: Day of the week submissions are due (0 Monday).
    submission_weekday: Annotated[int, Field(ge=0, le=6)] = 0

    @model_validator(mode="after")
    def _unique(self) -> ForecastSettings:
        require_unique("forecast category", [c.id for c in self.categories])
        return self


class PipelineSettings(BaseModel):
    """Opportunity stages in order, open stages first, then ``won`` and ``lost`` ones."""

    model_config = Strict

    stages: list[Stage]
    #: Days without activity on the deal or from its developers after which it is quiet.
    quiet_after_days: Annotated[int, Field(ge=1)] = 14

    @model_validator(mode="after")
    def _shape(self) -> PipelineSettings:
        require_unique("stage", [s.id for s in self.stages])
        outcomes = [s.outcome for s in self.stages]
        if outcomes.count("won") != 1 or outcomes.count("lost") != 1:
            raise ValueError(
                "stages need exactly one stage with outcome 'won' and one with outcome 'lost'"
            )
        if "open" not in outcomes:
            raise ValueError("stages need at least one open stage")
        first_closed = next(i for i, o in enumerate(outcomes) if o != "open")
        if any(o == "open" for o in outcomes[first_closed:]):
            raise ValueError("open stages must all come before the won and lost stages")
        return self

    def stage(self, stage_id: str) -> Stage:
        for stage in self.stages:
            if stage.id == stage_id:
                return stage
        raise KeyError(stage_id)


class TeamMember(BaseModel):
    """A person who can receive routed leads."""

    model_config = Strict

    email: Email
    #: Relative share of round-robin assignments (1.0 is a full share).
    capacity: Annotated[float, Field(gt=0, le=10)] = 1.0
    #: Most new leads per day; unset is no cap.
    daily_cap: Annotated[int, Field(ge=1)] | None = None


class Team(BaseModel):
    """A routing team."""

    model_config = Strict

    id: SnakeId
    label: str
    role: str
    manager: Email | None = None
    members: Annotated[list[TeamMember], Field(min_length=1)]

    @field_validator("role")
    @classmethod
    def _role(cls, value: str) -> str:
        return check_choice("role", value, ROLES)


class RoutingRule(BaseModel):
    """Send leads matching every condition to a team (round robin) or one person."""

    model_config = Strict

    id: SnakeId
    description: str = ""
    when: list[Condition] = Field(default_factory=list)
    team: SnakeId | None = None
    user: Email | None = None

    @model_validator(mode="after")
    def _one_target(self) -> RoutingRule:
        if (self.team is None) == (self.user is None):
            raise ValueError(f"routing rule {self.id!r} must name exactly one of team or user")
        return self


class RoutingSettings(BaseModel):
    """Lead routing: owner first, then rules in order, then the fallback team."""

    model_config = Strict

    respect_account_owner: bool = True
    teams: list[Team]
    rules: list[RoutingRule]
    fallback_team: SnakeId
    #: Minutes to first touch per lead source (speed-to-lead SLA).
    sla_minutes: dict[str, Annotated[int, Field(ge=1)]]
    #: After a breach, escalate to the team manager once this many more minutes pass.
    escalate_after_minutes: Annotated[int, Field(ge=0)] = 30

    @model_validator(mode="after")
    def _references(self) -> RoutingSettings:
        require_unique("team", [t.id for t in self.teams])
        require_unique("routing rule", [r.id for r in self.rules])
        teams = {t.id for t in self.teams}
        for rule in self.rules:
            if rule.team is not None and rule.team not in teams:
                raise ValueError(f"routing rule {rule.id!r} names unknown team {rule.team!r}")
        if self.fallback_team not in teams:
            raise ValueError(f"fallback_team {self.fallback_team!r} is not a defined team")
        for source in self.sla_minutes:
            check_choice("lead source", source, LEAD_SOURCES)
        return self


class HandoffKind(BaseModel):
    """A kind of handoff between teams and the packet it carries."""

    model_config = Strict

    id: SnakeId
    label: str
    from_role: str
    to_role: str
    packet_fields: Annotated[list[str], Field(min_length=1)]
    #: Packet sections that must be non-empty for the packet to count as complete.
    required_fields: list[str] = Field(default_factory=list)
    accept_within_hours: Annotated[int, Field(ge=1)] = 24
    #: Create this handoff automatically when an account becomes PQA (``pqa``) or an
    #: opportunity is won (``won``); unset, it is only created by hand.
    auto_create_on: Literal["pqa", "won"] | None = None

    @model_validator(mode="after")
    def _known(self) -> HandoffKind:
        check_choice("role", self.from_role, ROLES)
        check_choice("role", self.to_role, ROLES)
        for name in self.packet_fields:
            check_choice("handoff packet field", name, HANDOFF_PACKET_FIELDS)
        for name in self.required_fields:
            if name not in self.packet_fields:
                raise ValueError(
                    f"handoff {self.id!r}: required field {name!r} is not in packet_fields"
                )
        return self


class HandoffQualityWeights(BaseModel):
    """How the handoff quality score blends its parts; the weights sum to 1."""

    model_config = Strict

    completeness: Annotated[float, Field(ge=0, le=1)] = 0.4
    time_to_accept: Annotated[float, Field(ge=0, le=1)] = 0.2
    acceptance: Annotated[float, Field(ge=0, le=1)] = 0.2
    next_stage_reached: Annotated[float, Field(ge=0, le=1)] = 0.2

    @model_validator(mode="after")
    def _sums_to_one(self) -> HandoffQualityWeights:
        require_sum_one(
            "handoffs.quality_weights",
            [self.completeness, self.time_to_accept, self.acceptance, self.next_stage_reached],
        )
        return self


class HandoffSettings(BaseModel):
    """Handoff kinds, reminders and quality scoring."""

    model_config = Strict

    kinds: list[HandoffKind]
    remind_every_hours: Annotated[int, Field(ge=1)] = 8
    quality_weights: HandoffQualityWeights = Field(default_factory=HandoffQualityWeights)

    @model_validator(mode="after")
    def _unique(self) -> HandoffSettings:
        require_unique("handoff kind", [k.id for k in self.kinds])
        return self


class KpiTargets(BaseModel):
    """Targets the cross-functional scorecard shows next to measured values."""

    model_config = Strict

    handoff_quality: Annotated[float, Field(ge=0, le=1)] = 0.90
    stage_gate_compliance: Annotated[float, Field(ge=0, le=1)] = 0.95
    forecast_accuracy: Annotated[float, Field(ge=0, le=1)] = 0.90
    speed_to_lead_compliance: Annotated[float, Field(ge=0, le=1)] = 0.90
    pipeline_coverage: Annotated[float, Field(ge=0)] = 3.0
    net_revenue_retention: Annotated[float, Field(ge=0)] = 1.10
    gross_revenue_retention: Annotated[float, Field(ge=0, le=1)] = 0.90
    pqa_to_opportunity_rate: Annotated[float, Field(ge=0, le=1)] = 0.20
    cac_payback_months: Annotated[float, Field(gt=0)] = 18


class AlertSettings(BaseModel):
    """Alert delivery behaviour (destinations themselves are managed by admins at run time)."""

    model_config = Strict

    #: Retry delays in seconds; after the last, a delivery goes to the dead-letter list.
    retry_seconds: list[Annotated[float, Field(gt=0)]] = Field(
        default_factory=lambda: [1.0, 5.0, 30.0, 120.0, 600.0]
    )
    #: Destinations in digest mode receive one summary per this many minutes.
    digest_minutes: Annotated[int, Field(ge=1)] = 60
    #: Seconds to wait for a destination to answer one delivery.
    timeout_seconds: Annotated[float, Field(gt=0, le=120)] = 10.0
    #: A condition older than this when first seen (a backlog after downtime, imported
    #: history) is recorded without being news: no alert is raised for it.
    max_age_hours: Annotated[int, Field(ge=1)] = 24
    #: The background worker looks for new alert conditions this often.
    detect_every_seconds: Annotated[int, Field(ge=1)] = 60
