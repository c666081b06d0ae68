"""Send the CRM outbox: claim due changes, call the CRM with no transaction open, record.

Per enabled system, batches of ``crm.batch_size`` are claimed under a lease, sent, and
their outcomes recorded at once. When two pending updates of one CRM record are claimed
together, only the newest is sent (it holds the later state) and the older one is marked
sent with it. After a rate limit the pass stops for that system; the rest waits.

:func:`crm_step` is the worker's step: the change sweep every ``crm.sync_every_seconds``,
then a push of whatever is due.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from devfunnel import outbound
from devfunnel.config import Settings
from devfunnel.crm import mapping, outbox
from devfunnel.crm.changes import enabled_systems, enqueue_changes
from devfunnel.crm.hubspot import HubSpot
from devfunnel.crm.outbox import OutboxRow, Result
from devfunnel.crm.salesforce import Salesforce
from devfunnel.store import Store
from devfunnel.worker.schedule import take_turn

log = logging.getLogger(__name__)
#: Batches one pass sends per system at most.
MAX_BATCHES = 20


@dataclass
class PushReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def total(self, outcome: str) -> int:
        return sum(c.get(outcome, 0) for c in self.counts.values())


def lease_seconds(settings: Settings) -> float:
    """Longer than a batch can take: each change may cost a few requests."""
    return settings.crm.timeout_seconds * 3 * min(settings.crm.batch_size, 10) + 60.0


def push_pending(
    store: Store,
    settings: Settings,
    *,
    now: datetime | None = None,
    http: httpx.Client | None = None,
) -> PushReport:
    """One pass over the outbox of every enabled system."""
    now = now or datetime.now(UTC)
    report = PushReport()
    client = http
    try:
        for system in enabled_systems(settings):
            counts = report.counts.setdefault(
                system, {"sent": 0, "retrying": 0, "dead": 0, "rate_limited": 0}
            )
            for _ in range(MAX_BATCHES):
                rows = outbox.claim(
                    store,
                    system,
                    now,
                    limit=settings.crm.batch_size,
                    lease_seconds=lease_seconds(settings),
                )
                if not rows:
                    break
                client = client or outbound.client(settings.crm.timeout_seconds)
                sender = (
                    HubSpot(settings.crm.hubspot, client)
                    if system == mapping.HUBSPOT
                    else Salesforce(settings.crm.salesforce, client)
                )
                newest, superseded = coalesce(rows)
                results = sender.send(newest)
                results += follow(results, superseded)
                for outcome, n in outbox.record_results(store, settings, results, now).items():
                    counts[outcome] += n
                if any(r.rate_limited for r in results):
                    log.warning("%s rate limit reached; the outbox waits", system)
                    break
                if len(rows) < settings.crm.batch_size:
                    break
    finally:
        if http is None and client is not None:
            client.close()
    return report


def coalesce(rows: list[OutboxRow]) -> tuple[list[OutboxRow], dict[str, list[OutboxRow]]]:
    """The rows to send, and the older updates each sent row supersedes (by its id)."""
    latest: dict[tuple[str, object], OutboxRow] = {}
    for row in rows:  # claimed oldest first, so the last one seen is the newest
        if row.payload.get("op") == "update":
            latest[(row.object, row.record_id)] = row
    newest = [
        r for r in rows if r.payload.get("op") != "update" or latest[(r.object, r.record_id)] is r
    ]
    superseded: dict[str, list[OutboxRow]] = {}
    for row in rows:
        if row.payload.get("op") == "update" and latest[(row.object, row.record_id)] is not row:
            superseded.setdefault(str(latest[(row.object, row.record_id)].id), []).append(row)
    return newest, superseded


def follow(results: list[Result], superseded: dict[str, list[OutboxRow]]) -> list[Result]:
    """Older updates share the fate of the newer one that replaced them."""
    followed = []
    for result in results:
        for older in superseded.get(str(result.row.id), []):
            followed.append(
                Result(
                    older,
                    ok=result.ok,
                    crm_object_id=result.crm_object_id,
                    error=result.error,
                    retry=result.retry,
                    retry_after=result.retry_after,
                    rate_limited=result.rate_limited,
                )
            )
    return followed


@dataclass(frozen=True)
class CrmStep:
    queued: int
    sent: int


def crm_step(store: Store, settings: Settings, *, now: datetime | None = None) -> CrmStep:
    if not enabled_systems(settings):
        return CrmStep(0, 0)
    now = now or datetime.now(UTC)
    queued = 0
    if take_turn(store, "crm.sync", settings.crm.sync_every_seconds, now):
        queued = sum(enqueue_changes(store, settings, now=now).values())
    return CrmStep(queued, push_pending(store, settings, now=now).total("sent"))
