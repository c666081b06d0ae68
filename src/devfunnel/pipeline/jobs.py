"""The pipeline's background step: what the worker runs (at most every
``EVERY_SECONDS``) and the demo runs once after loading.

In order: leads from new PQLs and PQAs, routing of unrouted leads, speed-to-lead SLA
checks (clocks, first touches, breaches, escalations), automatic handoffs (PQA accounts,
recent wins), handoff reminders, and handoffs whose work reached its next stage. Each
part is idempotent, so running the step twice at the same ``now`` changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.pipeline.auto_handoffs import run_auto_handoffs
from devfunnel.pipeline.common import SYSTEM_PRINCIPAL, load_json, utc_now
from devfunnel.pipeline.handoff_progress import mark_next_stages, remind_pending
from devfunnel.pipeline.routing import route_unrouted
from devfunnel.pipeline.scored_leads import leads_from_scores
from devfunnel.pipeline.sla import SlaCheck, check_slas
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state

EVERY_SECONDS = 60
_STATE = "pipeline.jobs"


@dataclass
class PipelineReport:
    leads_created: int = 0
    leads_routed: int = 0
    leads_unrouted: int = 0
    sla: SlaCheck = field(default_factory=SlaCheck)
    handoffs_created: int = 0
    handoff_problems: list[str] = field(default_factory=list)
    reminded: int = 0
    next_stage_reached: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.leads_created or self.leads_routed or self.handoffs_created)


def run_pipeline(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> PipelineReport:
    at = utc_now(now)
    report = PipelineReport()
    report.leads_created = len(leads_from_scores(store, settings, now=at).created)
    report.leads_routed, report.leads_unrouted = route_unrouted(
        store, settings, SYSTEM_PRINCIPAL, now=at
    )
    report.sla = check_slas(store, settings, now=at)
    handoffs = run_auto_handoffs(store, settings, now=at)
    report.handoffs_created, report.handoff_problems = len(handoffs.created), handoffs.problems
    report.reminded = remind_pending(store, settings, now=at)
    report.next_stage_reached = mark_next_stages(store, settings, now=at)
    return report


def pipeline_if_due(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> PipelineReport | None:
    """Run the step when it has not run for ``EVERY_SECONDS``; ``None`` when not due."""
    at = utc_now(now)
    with store.read() as conn:
        value: Any = load_json(
            conn.execute(sa.select(app_state.c.value).where(app_state.c.key == _STATE)).scalar()
        )
    last = (
        datetime.fromisoformat(value["at"]) if isinstance(value, dict) and "at" in value else None
    )
    if last is not None and timedelta(0) <= at - last < timedelta(seconds=EVERY_SECONDS):
        return None
    report = run_pipeline(store, settings, now=at)
    with store.transaction() as conn:
        conn.execute(app_state.delete().where(app_state.c.key == _STATE))
        conn.execute(
            app_state.insert().values(key=_STATE, value={"at": at.isoformat()}, updated_at=at)
        )
    return report
