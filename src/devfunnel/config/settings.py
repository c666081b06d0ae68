"""The root of the configuration: every section, and the checks that span sections."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from devfunnel.config.crm import CrmSettings
from devfunnel.config.engagement import (
    ActivityType,
    IcpSettings,
    JourneySettings,
    ScoringSettings,
)
from devfunnel.config.runtime import (
    CompanySettings,
    DatabaseSettings,
    IdentitySettings,
    IngestSettings,
    LoggingSettings,
    ServerSettings,
    WebhookSettings,
    WorkerSettings,
)
from devfunnel.config.sales import (
    AlertSettings,
    ForecastSettings,
    HandoffSettings,
    KpiTargets,
    PipelineSettings,
    QualificationSettings,
    RoutingSettings,
    TechnicalValidationSettings,
)
from devfunnel.config.success import CommissionSettings, HealthSettings


class Settings(BaseModel):
    """Everything devfunnel is configured with; one instance per process, read-only."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    company: CompanySettings = Field(default_factory=CompanySettings)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    activity_types: list[ActivityType]
    journey: JourneySettings
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    icp: IcpSettings
    qualification: QualificationSettings = Field(default_factory=QualificationSettings)
    technical_validation: TechnicalValidationSettings = Field(
        default_factory=TechnicalValidationSettings
    )
    pipeline: PipelineSettings
    forecast: ForecastSettings
    routing: RoutingSettings
    handoffs: HandoffSettings
    kpis: KpiTargets = Field(default_factory=KpiTargets)
    alerts: AlertSettings = Field(default_factory=AlertSettings)
    crm: CrmSettings = Field(default_factory=CrmSettings)
    health: HealthSettings = Field(default_factory=HealthSettings)
    commissions: CommissionSettings

    def activity(self, activity_id: str) -> ActivityType:
        for activity in self.activity_types:
            if activity.id == activity_id:
                return activity
        raise KeyError(activity_id)


@dataclass(frozen=True)
class Problem:
    """A configuration value that is wrong, located by its dotted key."""

    key: tuple[str | int, ...]
    value: Any
    reason: str


def cross_reference_problems(settings: Settings) -> list[Problem]:
    """Find references from one section to another that point at nothing.

    Per-section validation cannot see these (a milestone naming an activity type that was
    never defined), so they are checked once the whole model has been read.
    """
    problems: list[Problem] = []
    activity_ids = [a.id for a in settings.activity_types]
    seen: set[str] = set()
    for i, activity in enumerate(settings.activity_types):
        if activity.id in seen:
            problems.append(
                Problem(("activity_types", i, "id"), activity.id, "activity type id appears twice")
            )
        seen.add(activity.id)

    for s, stage in enumerate(settings.journey.stages):
        for m, milestone in enumerate(stage.milestones):
            for a, activity_id in enumerate(milestone.activities):
                if activity_id not in activity_ids:
                    problems.append(
                        Problem(
                            ("journey", "stages", s, "milestones", m, "activities", a),
                            activity_id,
                            f"unknown activity type; defined: {', '.join(activity_ids)}",
                        )
                    )

    for key, activity_id in settings.technical_validation.activity_ids():
        if activity_id not in activity_ids:
            problems.append(
                Problem(
                    ("technical_validation", key),
                    activity_id,
                    f"unknown activity type; defined: {', '.join(activity_ids)}",
                )
            )

    stage_ids = settings.journey.stage_ids()
    for section in ("pqa", "pql"):
        value = getattr(settings.scoring, section).min_journey_stage
        if value not in stage_ids:
            problems.append(
                Problem(
                    ("scoring", section, "min_journey_stage"),
                    value,
                    f"unknown journey stage; defined: {', '.join(stage_ids)}",
                )
            )

    categories = [c.id for c in settings.forecast.categories]
    frameworks = {e for f in settings.qualification.frameworks for e in _elements(f)}
    for i, deal_stage in enumerate(settings.pipeline.stages):
        if deal_stage.forecast_category not in categories:
            problems.append(
                Problem(
                    ("pipeline", "stages", i, "forecast_category"),
                    deal_stage.forecast_category,
                    f"unknown forecast category; defined: {', '.join(categories)}",
                )
            )
        for element in deal_stage.exit_criteria.min_qualification:
            if element not in frameworks:
                problems.append(
                    Problem(
                        ("pipeline", "stages", i, "exit_criteria", "min_qualification", element),
                        element,
                        "element of a qualification framework that is not enabled in "
                        "qualification.frameworks",
                    )
                )
    return problems


def _elements(framework: str) -> tuple[str, ...]:
    from devfunnel.vocabulary import QUALIFICATION_FRAMEWORKS

    return QUALIFICATION_FRAMEWORKS[framework]
