"""The jobs background work runs, in order, until there is nothing pending."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.alerts.run import alert_step
from devfunnel.config import Settings
from devfunnel.crm.push import crm_step
from devfunnel.identity.matching.run import run_matching
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.webhooks import stripe
from devfunnel.pipeline.jobs import pipeline_if_due
from devfunnel.scoring.success.schedule import retrain_if_due
from devfunnel.scoring.updates import update_scores
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state
from devfunnel.store.schema.identity import people

log = logging.getLogger(__name__)
_MATCH_STATE = "identity.matching"


@dataclass
class JobReport:
    batches: int = 0
    #: Batches set aside (``failed``) because their events cannot be resolved.
    failed_batches: int = 0
    billing_events: int = 0
    matched: bool = False
    alerts_raised: int = 0
    alerts_delivered: int = 0
    crm_sent: int = 0
    #: Leads created or routed and handoffs created by the pipeline step, when it ran.
    pipeline_changes: int = 0
    #: Accounts rescored (incrementally after new events, or all once a day).
    scored_accounts: int = 0
    success_model_trained: bool = False

    @property
    def busy(self) -> bool:
        return bool(self.batches or self.failed_batches or self.billing_events)


def run_pending(store: Store, settings: Settings, *, now: datetime | None = None) -> JobReport:
    """Process pending event batches and billing events once; match people when due;
    rescore what changed; retrain the success model when due; run the pipeline step
    (leads, routing, SLAs, handoffs) when due; raise and deliver alerts; push CRM
    changes."""
    resolution = resolve_pending(store, settings)
    billing = stripe.apply_pending(store, settings)
    report = JobReport(
        batches=resolution.batches,
        failed_batches=resolution.failed,
        billing_events=billing.applied + billing.failed,
    )
    report.matched = match_if_due(store, settings, now=now)
    scored = update_scores(store, settings, now=now)
    report.scored_accounts = scored.accounts if scored else 0
    report.success_model_trained = retrain_if_due(store, settings, now=now)
    pipeline = pipeline_if_due(store, settings, now=now)
    if pipeline is not None:
        report.pipeline_changes = (
            pipeline.leads_created + pipeline.leads_routed + pipeline.handoffs_created
        )
    alerts = alert_step(store, settings, now=now)
    report.alerts_raised, report.alerts_delivered = alerts.raised, alerts.delivered
    report.crm_sent = crm_step(store, settings, now=now).sent
    return report


def match_if_due(store: Store, settings: Settings, *, now: datetime | None = None) -> bool:
    """Run the probabilistic matcher when people were added and it has not run for
    ``identity.match_every_minutes`` (it compares everyone, so it runs in batches of time,
    not after every event)."""
    now = now or datetime.now(UTC)
    with store.read() as conn:
        people_now = int(conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one())
        state = conn.execute(
            sa.select(app_state.c.value).where(app_state.c.key == _MATCH_STATE)
        ).scalar()
    last: dict[str, Any] = state if isinstance(state, dict) else {}
    last_at = datetime.fromisoformat(last["at"]) if "at" in last else None
    due = last_at is None or now - last_at >= timedelta(
        minutes=settings.identity.match_every_minutes
    )
    if not due or people_now == last.get("people"):
        return False
    run_matching(store, settings)
    record_match_run(store, now)
    return True


def record_match_run(store: Store, now: datetime) -> None:
    """Remember when the matcher ran and how many people there were."""
    with store.transaction() as conn:
        count = int(conn.execute(sa.select(sa.func.count()).select_from(people)).scalar_one())
        value = {"at": now.isoformat(), "people": count}
        conn.execute(app_state.delete().where(app_state.c.key == _MATCH_STATE))
        conn.execute(app_state.insert().values(key=_MATCH_STATE, value=value, updated_at=now))
