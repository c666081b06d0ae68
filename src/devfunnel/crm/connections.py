"""The CRM connections as admins see them: which are on, where they point, what they map,
and how far their outbox has got. Tokens are never shown: only whether one is set.

Connections are configuration (``[crm.hubspot]``, ``[crm.salesforce]``; tokens best in
``DEVFUNNEL_CRM_HUBSPOT_TOKEN`` and ``DEVFUNNEL_CRM_SALESFORCE_TOKEN``), so that the
secrets live with the deployment's other secrets; :func:`sync_now` and :func:`push_now`
run the worker's two steps at once, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.config import Settings
from devfunnel.crm import mapping, outbox
from devfunnel.crm.changes import enqueue_changes
from devfunnel.crm.push import push_pending
from devfunnel.store import Store
from devfunnel.store.schema.admin import crm_outbox


@dataclass(frozen=True)
class Connection:
    system: str
    label: str
    enabled: bool
    token_set: bool
    #: Where requests go: HubSpot's API base URL or the Salesforce instance.
    endpoint: str | None
    #: devfunnel field -> CRM field, per CRM object.
    mappings: dict[str, dict[str, str]]
    #: What turns it on, said as configuration keys.
    needs: list[str]
    pending: int
    sent: int
    dead: int
    last_sent_at: datetime | None


def connections(store: Store, settings: Settings) -> list[Connection]:
    counts = outbox.counts(store)
    o = crm_outbox.c
    with store.read() as conn:
        last = dict(
            conn.execute(
                sa.select(o.system, sa.func.max(o.sent_at))
                .where(o.sent_at.is_not(None))
                .group_by(o.system)
            ).all()
        )
    hub, sf = settings.crm.hubspot, settings.crm.salesforce

    def outboxed(system: str) -> dict[str, object]:
        return {
            "pending": counts.get((system, "pending"), 0),
            "sent": counts.get((system, "sent"), 0),
            "dead": counts.get((system, "dead"), 0),
            "last_sent_at": last.get(system),
        }

    salesforce_needs = [
        key
        for key, missing in (
            ("crm.salesforce.token (DEVFUNNEL_CRM_SALESFORCE_TOKEN)", sf.token is None),
            ("crm.salesforce.instance_url", sf.instance_url is None),
        )
        if missing
    ]
    return [
        Connection(
            mapping.HUBSPOT, "HubSpot", hub.enabled, hub.token is not None, hub.base_url,
            {"company": hub.properties, "contact": hub.contact_properties,
             "deal": hub.deal_properties},
            [] if hub.enabled else ["crm.hubspot.token (DEVFUNNEL_CRM_HUBSPOT_TOKEN)"],
            **outboxed(mapping.HUBSPOT),  # type: ignore[arg-type]
        ),
        Connection(
            mapping.SALESFORCE, "Salesforce", sf.enabled, sf.token is not None, sf.instance_url,
            {"account": sf.fields, "contact": sf.contact_fields,
             "opportunity": sf.opportunity_fields},
            salesforce_needs,
            **outboxed(mapping.SALESFORCE),  # type: ignore[arg-type]
        ),
    ]  # fmt: skip


def sync_now(store: Store, settings: Settings, actor: Actor) -> dict[str, int]:
    """Queue every change not queued yet (the worker's sweep), now."""
    queued = enqueue_changes(store, settings)
    with store.transaction() as conn:
        record(conn, actor, "crm.sync", entity_kind="crm", after={"queued": queued})
    return queued


def push_now(store: Store, settings: Settings, actor: Actor) -> dict[str, dict[str, int]]:
    """Send what is due now, once (the worker's push)."""
    report = push_pending(store, settings)
    with store.transaction() as conn:
        record(conn, actor, "crm.push", entity_kind="crm", after={"counts": report.counts})
    return report.counts
