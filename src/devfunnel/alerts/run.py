"""The alerts step of the background worker: detect (every
``alerts.detect_every_seconds``), then deliver what is due (every poll)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from devfunnel.alerts.deliver import deliver_due
from devfunnel.alerts.detect import detect_alerts
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.worker.schedule import take_turn


@dataclass(frozen=True)
class AlertStep:
    raised: int
    delivered: int


def alert_step(store: Store, settings: Settings, *, now: datetime | None = None) -> AlertStep:
    now = now or datetime.now(UTC)
    raised = 0
    if take_turn(store, "alerts.detection", settings.alerts.detect_every_seconds, now):
        raised = detect_alerts(store, settings, now=now).total
    report = deliver_due(store, settings, now=now)
    return AlertStep(raised=raised, delivered=report.delivered)
