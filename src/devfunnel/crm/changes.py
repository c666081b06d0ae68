"""What to write back: changed scores and new handoff packets, as outbox changes.

Two ways in, one result:

- **in the transaction that causes the change**: the scoring and handoff services call
  :func:`enqueue_for_accounts`, :func:`enqueue_for_people` or :func:`enqueue_for_handoffs`
  with their open connection, so the outbox row exists exactly when the change does;
- **a sweep** (:func:`enqueue_changes`, run by the worker every ``crm.sync_every_seconds``
  and by ``devfunnel crm sync``) compares the current state with the last queued state
  and queues what differs: it catches up after a CRM connection is first configured,
  and covers writers that do not call the hooks.

Both build the same changes with the same idempotency keys, so a change seen by both is
queued once. A record whose pushed fields did not change (a rescore giving the same
values) queues nothing; changed back to an earlier state queues again.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.alerts.context import iso, load_json
from devfunnel.config import Settings
from devfunnel.crm import mapping
from devfunnel.crm.notes import handoff_changes
from devfunnel.crm.outbox import Change, enqueue, latest_fingerprints
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.pipeline import opportunities
from devfunnel.store.schema.scores import account_scores, person_scores

#: The sweep logs handoffs created or updated this recently (older ones are history).
HANDOFF_LOOKBACK = timedelta(days=30)


def enabled_systems(settings: Settings) -> list[str]:
    found = []
    if settings.crm.hubspot.enabled:
        found.append(mapping.HUBSPOT)
    if settings.crm.salesforce.enabled:
        found.append(mapping.SALESFORCE)
    return found


def enqueue_changes(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> dict[str, int]:
    """The sweep: queue every change not queued yet, per enabled system."""
    now = now or datetime.now(UTC)
    queued: dict[str, int] = {}
    with store.exclusive("crm-enqueue") as conn:
        for system in enabled_systems(settings):
            changes = [
                *account_changes(conn, settings, system),
                *person_changes(conn, settings, system),
                *handoff_changes(conn, settings, system, since=now - HANDOFF_LOOKBACK),
            ]
            queued[system] = enqueue(conn, changes, now)
    return queued


def enqueue_for_accounts(
    conn: sa.Connection, settings: Settings, account_ids: Collection[uuid.UUID], now: datetime
) -> int:
    """Hook for the scoring service: queue the write-back of these accounts' new scores
    (and their open deals') in the caller's transaction."""
    return sum(
        enqueue(conn, account_changes(conn, settings, system, account_ids), now)
        for system in enabled_systems(settings)
    )


def enqueue_for_people(
    conn: sa.Connection, settings: Settings, person_ids: Collection[uuid.UUID], now: datetime
) -> int:
    """Hook for the scoring service: queue these people's new scores for their contacts."""
    return sum(
        enqueue(conn, person_changes(conn, settings, system, person_ids), now)
        for system in enabled_systems(settings)
    )


def enqueue_for_handoffs(
    conn: sa.Connection, settings: Settings, handoff_ids: Collection[uuid.UUID], now: datetime
) -> int:
    """Hook for the handoff service: queue the packet note of these handoffs."""
    return sum(
        enqueue(conn, handoff_changes(conn, settings, system, ids=handoff_ids), now)
        for system in enabled_systems(settings)
    )


def _update(
    system: str,
    object_: str,
    record_id: uuid.UUID,
    crm_id: str,
    fields: dict[str, Any],
    version: datetime,
) -> Change:
    digest = mapping.fingerprint({"id": crm_id, "fields": fields})
    payload = {
        "op": "update",
        "crm_id": crm_id,
        "fields": fields,
        "fingerprint": digest,
        "version": iso(version),
    }
    key = f"{system}:{object_}:{record_id}:{digest}:{iso(version)}"
    return Change(system, object_, record_id, payload, key)


def _unchanged_dropped(conn: sa.Connection, changes: list[Change]) -> list[Change]:
    """Keep the changes whose content differs from the newest queued for their record."""
    if not changes:
        return []
    system, object_ = changes[0].system, changes[0].object
    latest = latest_fingerprints(conn, system, object_, [c.record_id for c in changes])
    return [c for c in changes if latest.get(c.record_id) != c.payload["fingerprint"]]


def account_changes(
    conn: sa.Connection,
    settings: Settings,
    system: str,
    account_ids: Collection[uuid.UUID] | None = None,
) -> list[Change]:
    """Scores of accounts the CRM knows, for their company/Account and open deals."""
    if system == mapping.HUBSPOT:
        account_map, deal_map = (
            settings.crm.hubspot.properties,
            settings.crm.hubspot.deal_properties,
        )
        convert = mapping.hubspot_value
    else:
        account_map, deal_map = (
            settings.crm.salesforce.fields,
            settings.crm.salesforce.opportunity_fields,
        )
        convert = mapping.salesforce_value
    objects = mapping.OBJECTS[system]
    s, a = account_scores.c, accounts.c
    query = (
        sa.select(account_scores)
        .join(accounts, a.id == s.account_id)
        .where(a.merged_into.is_(None))
    )
    rows: dict[uuid.UUID, Any] = {}
    parts = [None] if account_ids is None else list(chunked(sorted(account_ids)))
    for part in parts:
        scoped = query if part is None else query.where(s.account_id.in_(part))
        rows.update({r.account_id: r._mapping for r in conn.execute(scoped)})
    crm_ids = mapping.account_crm_ids(conn, system, rows.keys()) if rows else {}
    account_updates = []
    if account_map:
        for account_id, crm_id in crm_ids.items():
            row = rows[account_id]
            fields = mapping.mapped(account_map, mapping.account_values(row), convert)
            account_updates.append(
                _update(system, objects["account"], account_id, crm_id, fields, row["computed_at"])
            )
    deal_updates = []
    if deal_map and rows:
        o = opportunities.c
        for part in chunked(sorted(rows)):
            deals = conn.execute(
                sa.select(o.id, o.account_id, o.external_key).where(
                    o.account_id.in_(part),
                    o.status == "open",
                    o.external_key.like(f"{system}:%"),
                )
            ).all()
            for deal in deals:
                deal_crm_id = mapping.crm_id(deal.external_key, system)
                if deal_crm_id is None:
                    continue
                row = rows[deal.account_id]
                fields = mapping.mapped(deal_map, mapping.account_values(row), convert)
                deal_updates.append(
                    _update(
                        system,
                        objects["opportunity"],
                        deal.id,
                        deal_crm_id,
                        fields,
                        row["computed_at"],
                    )
                )
    return [*_unchanged_dropped(conn, account_updates), *_unchanged_dropped(conn, deal_updates)]


def person_changes(
    conn: sa.Connection,
    settings: Settings,
    system: str,
    person_ids: Collection[uuid.UUID] | None = None,
) -> list[Change]:
    """Scores of people who are contacts in the CRM (the ``crmContact`` trait)."""
    if system == mapping.HUBSPOT:
        contact_map, convert = settings.crm.hubspot.contact_properties, mapping.hubspot_value
    else:
        contact_map, convert = settings.crm.salesforce.contact_fields, mapping.salesforce_value
    if not contact_map:
        return []
    s, p = person_scores.c, people.c
    query = (
        sa.select(person_scores, p.traits)
        .join(people, p.id == s.person_id)
        .where(p.merged_into.is_(None), sa.cast(p.traits, sa.Text).like("%crmContact%"))
    )
    updates = []
    parts = [None] if person_ids is None else list(chunked(sorted(person_ids)))
    for part in parts:
        scoped = query if part is None else query.where(s.person_id.in_(part))
        for row in conn.execute(scoped):
            traits = load_json(row.traits) or {}
            crm_id = mapping.crm_id(traits.get("crmContact"), system)
            if crm_id is None:
                continue
            fields = mapping.mapped(contact_map, mapping.person_values(dict(row._mapping)), convert)
            updates.append(
                _update(
                    system,
                    mapping.OBJECTS[system]["person"],
                    row.person_id,
                    crm_id,
                    fields,
                    row.computed_at,
                )
            )
    return _unchanged_dropped(conn, updates)
