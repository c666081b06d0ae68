"""The jobs background work runs, in order, until there is nothing pending."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.webhooks import stripe
from devfunnel.store import Store

log = logging.getLogger(__name__)


@dataclass
class JobReport:
    batches: int = 0
    billing_events: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.batches or self.billing_events)


def run_pending(store: Store, settings: Settings) -> JobReport:
    """Process pending event batches and billing events once."""
    resolution = resolve_pending(store, settings)
    billing = stripe.apply_pending(store, settings)
    return JobReport(batches=resolution.batches, billing_events=billing.applied + billing.failed)
