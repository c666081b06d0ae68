"""The developer side of the company model: activity types, the journey, scores and fit."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from devfunnel.config.checks import require_sum_one, require_unique
from devfunnel.config.rules import AccountCondition
from devfunnel.vocabulary import CHANNELS

Strict = ConfigDict(extra="forbid", strict=True, validate_default=True)
SnakeId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
Channel = Literal["product", "docs", "github", "community", "events", "marketing", "sales",
                  "billing", "support"]  # fmt: skip
assert set(get_args(Channel)) == set(CHANNELS)


class ActivityType(BaseModel):
    """A kind of developer or buyer activity, recognised from incoming events, with a weight."""

    model_config = Strict

    id: SnakeId
    label: str
    channel: Channel
    #: Points one occurrence adds to engagement before time decay; negative for signals of
    #: friction you still want to see but not reward.
    weight: Annotated[float, Field(ge=-10, le=100)]
    #: ``track`` event names that are this activity (exact, case-insensitive).
    track: list[str] = Field(default_factory=list)
    #: ``page``/``screen`` names or categories that are this activity.
    pages: list[str] = Field(default_factory=list)
    #: Numeric event property carrying volume (API calls in a usage rollup, say).
    value_property: str | None = None
    #: Activity by a business buyer rather than a developer (meetings, pricing views).
    buyer_signal: bool = False

    @model_validator(mode="after")
    def _recognisable(self) -> ActivityType:
        if not self.track and not self.pages:
            raise ValueError(
                f"activity type {self.id!r} lists no track events and no pages, "
                "so no event could ever be recognised as it"
            )
        return self


class Milestone(BaseModel):
    """A condition on a person's (or account's) activity that marks reaching a stage."""

    model_config = Strict

    id: SnakeId
    label: str
    #: Activity type ids that count (any of them).
    activities: list[SnakeId] = Field(default_factory=list)
    #: Or whole channels that count.
    channels: list[Channel] = Field(default_factory=list)
    min_count: Annotated[int, Field(ge=1)] = 1
    #: Distinct ISO weeks with activity within ``window_days`` (sustained usage).
    min_active_weeks: Annotated[int, Field(ge=0)] = 0
    #: Sum of the activity's ``value_property`` within ``window_days`` (production volume).
    min_value: Annotated[float, Field(ge=0)] = 0
    #: Rolling window the counts apply to; unset means all time.
    window_days: Annotated[int, Field(ge=1)] | None = None
    #: Reached when the account has a paid subscription, whatever the activity.
    paid_plan: bool = False

    @model_validator(mode="after")
    def _has_condition(self) -> Milestone:
        if not (self.activities or self.channels or self.paid_plan):
            raise ValueError(f"milestone {self.id!r} needs activities, channels or paid_plan")
        if (self.min_active_weeks or self.min_value) and self.window_days is None:
            raise ValueError(
                f"milestone {self.id!r}: min_active_weeks and min_value need window_days"
            )
        return self


DevrelGoal = Literal["awareness", "acquisition", "activation", "engagement", "retention"]
FunnelStage = Literal["account", "lead", "product_qualified", "opportunity", "customer"]


class JourneyStage(BaseModel):
    """One step of the developer journey and what it means for DevRel and for sales."""

    model_config = Strict

    id: SnakeId
    label: str
    devrel_goal: DevrelGoal
    funnel_stage: FunnelStage
    #: ``any``: one milestone suffices; ``all``: every milestone must be met.
    match: Literal["any", "all"] = "any"
    milestones: list[Milestone]


class JourneySettings(BaseModel):
    """The developer journey, earliest stage first."""

    model_config = Strict

    stages: list[JourneyStage]

    @model_validator(mode="after")
    def _unique(self) -> JourneySettings:
        require_unique("journey stage", [s.id for s in self.stages])
        require_unique("milestone", [m.id for s in self.stages for m in s.milestones])
        return self

    def stage_ids(self) -> list[str]:
        return [s.id for s in self.stages]


class MomentumWeights(BaseModel):
    """How account momentum blends its parts; the weights sum to 1."""

    model_config = Strict

    activity: Annotated[float, Field(ge=0, le=1)] = 0.3
    breadth: Annotated[float, Field(ge=0, le=1)] = 0.4
    trend: Annotated[float, Field(ge=0, le=1)] = 0.3

    @model_validator(mode="after")
    def _sums_to_one(self) -> MomentumWeights:
        require_sum_one("scoring.momentum_weights", [self.activity, self.breadth, self.trend])
        return self


class PqaThresholds(BaseModel):
    """When an account is product-qualified."""

    model_config = Strict

    min_momentum: Annotated[float, Field(ge=0, le=100)] = 60
    min_fit: Annotated[float, Field(ge=-100, le=100)] = 0
    min_active_developers: Annotated[int, Field(ge=1)] = 2
    min_journey_stage: SnakeId = "learn"


class PqlThresholds(BaseModel):
    """When a person is a product-qualified lead."""

    model_config = Strict

    min_engagement: Annotated[float, Field(ge=0, le=100)] = 50
    min_journey_stage: SnakeId = "learn"


class GradeBands(BaseModel):
    """Percentile (within the peer group) an account must reach for each grade; below D is F."""

    model_config = Strict

    a: Annotated[float, Field(gt=0, lt=1)] = 0.90
    b: Annotated[float, Field(gt=0, lt=1)] = 0.70
    c: Annotated[float, Field(gt=0, lt=1)] = 0.40
    d: Annotated[float, Field(gt=0, lt=1)] = 0.15

    @model_validator(mode="after")
    def _descending(self) -> GradeBands:
        if not self.a > self.b > self.c > self.d:
            raise ValueError("grade bands must descend: a > b > c > d")
        return self


class ScoringSettings(BaseModel):
    """Engagement, momentum, product-qualification and grades."""

    model_config = Strict

    #: Days after which an activity counts half.
    half_life_days: Annotated[float, Field(gt=0)] = 21
    #: Only activity this recent counts toward engagement.
    window_days: Annotated[int, Field(ge=7)] = 90
    #: Trend compares the last this-many days with the same span before.
    trend_period_days: Annotated[int, Field(ge=1)] = 28
    #: Decayed points at which engagement reaches 63 of 100 (1 - 1/e).
    engagement_scale: Annotated[float, Field(gt=0)] = 40
    #: Developers at which account breadth saturates.
    breadth_developers: Annotated[int, Field(ge=1)] = 5
    #: Kinds of activity (activity types) at which account breadth saturates.
    breadth_activity_kinds: Annotated[int, Field(ge=1)] = 10
    #: Decayed points of a whole account at which its activity part reaches 63 of 100.
    momentum_scale: Annotated[float, Field(gt=0)] = 150
    momentum_weights: MomentumWeights = Field(default_factory=MomentumWeights)
    pqa: PqaThresholds = Field(default_factory=PqaThresholds)
    pql: PqlThresholds = Field(default_factory=PqlThresholds)
    grades: GradeBands = Field(default_factory=GradeBands)
    #: Accounts are graded against others with the same value of this firmographic field.
    peer_group_by: Literal["segment", "region", "industry", "none"] = "segment"
    #: The worker retrains the success-probability model when the newest is this old.
    success_model_retrain_hours: Annotated[int, Field(ge=1)] = 24


class IcpRule(BaseModel):
    """A firmographic rule: when all its conditions hold, add ``weight`` to fit."""

    model_config = Strict

    id: SnakeId
    description: str
    weight: Annotated[float, Field(ge=-10, le=10)]
    when: Annotated[list[AccountCondition], Field(min_length=1)]


class IcpSettings(BaseModel):
    """The ideal customer profile as weighted rules."""

    model_config = Strict

    rules: list[IcpRule]

    @model_validator(mode="after")
    def _unique(self) -> IcpSettings:
        require_unique("ICP rule", [r.id for r in self.rules])
        return self
