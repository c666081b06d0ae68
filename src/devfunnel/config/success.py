"""After the sale: account health weights and commission plans."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from devfunnel.config.checks import check_choice, require_sum_one, require_unique
from devfunnel.config.engagement import SnakeId
from devfunnel.vocabulary import OPPORTUNITY_TYPES, ROLES

Strict = ConfigDict(extra="forbid", strict=True, validate_default=True)
Weight = Annotated[float, Field(ge=0, le=1)]


class HealthWeights(BaseModel):
    """How account health (0-100) blends its signals; the weights sum to 1."""

    model_config = Strict

    usage_trend: Weight = 0.30
    active_developers: Weight = 0.20
    feature_adoption: Weight = 0.15
    support_friction: Weight = 0.10
    payment_status: Weight = 0.10
    buyer_engagement: Weight = 0.10
    sentiment: Weight = 0.05

    @model_validator(mode="after")
    def _sums_to_one(self) -> HealthWeights:
        require_sum_one("health.weights", self.model_dump().values())
        return self


class HealthSettings(BaseModel):
    """Health scoring and the bands that trigger customer-success attention."""

    model_config = Strict

    weights: HealthWeights = Field(default_factory=HealthWeights)
    #: Health at or above this is healthy.
    healthy_at: Annotated[float, Field(ge=0, le=100)] = 70
    #: Health below this is at risk (between the two: watch).
    at_risk_below: Annotated[float, Field(ge=0, le=100)] = 40
    #: Days before a renewal date that a renewal opportunity is opened.
    renewal_lead_days: Annotated[int, Field(ge=1)] = 120

    @model_validator(mode="after")
    def _bands(self) -> HealthSettings:
        if self.at_risk_below > self.healthy_at:
            raise ValueError(
                f"health.at_risk_below ({self.at_risk_below:g}) must not exceed "
                f"health.healthy_at ({self.healthy_at:g})"
            )
        return self


class Accelerator(BaseModel):
    """From this quota attainment on, bookings earn ``rate`` instead of the base rate."""

    model_config = Strict

    from_attainment: Annotated[float, Field(gt=0)]
    rate: Annotated[float, Field(ge=0, le=1)]


class CommissionPlan(BaseModel):
    """A plan that turns credited bookings into commission for the roles it covers."""

    model_config = Strict

    id: SnakeId
    label: str
    roles: Annotated[list[str], Field(min_length=1)]
    period: Literal["month", "quarter", "year"] = "quarter"
    base_rate: Annotated[float, Field(ge=0, le=1)]
    accelerators: list[Accelerator] = Field(default_factory=list)
    #: Share of a booking credited by opportunity type (renewals often pay less).
    credit: dict[str, Annotated[float, Field(ge=0, le=2)]] = Field(
        default_factory=lambda: {"new": 1.0, "expansion": 1.0, "renewal": 0.5}
    )
    #: Commission paid on a deal that churns within this many days is clawed back.
    clawback_days: Annotated[int, Field(ge=0)] = 90
    #: Attainment above this earns nothing more (unset: no cap).
    cap_attainment: Annotated[float, Field(gt=0)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> CommissionPlan:
        for role in self.roles:
            check_choice("role", role, ROLES)
        for kind in self.credit:
            check_choice("opportunity type", kind, OPPORTUNITY_TYPES)
        steps = [a.from_attainment for a in self.accelerators]
        if steps != sorted(steps) or len(set(steps)) != len(steps):
            raise ValueError(
                f"plan {self.id!r}: accelerators must rise strictly by from_attainment"
            )
        return self


class CommissionSettings(BaseModel):
    """Commission plans."""

    model_config = Strict

    plans: list[CommissionPlan]

    @model_validator(mode="after")
    def _unique(self) -> CommissionSettings:
        require_unique("commission plan", [p.id for p in self.plans])
        return self
