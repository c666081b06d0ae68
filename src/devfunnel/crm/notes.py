"""Handoff packets as CRM notes (HubSpot, HTML) or tasks (Salesforce, text): which
handoffs are logged where, and how a packet reads there.

Packets are documents assembled by the handoff service, one section per configured packet
field (``developers``, ``momentum``, ``meddpicc``, ...). They are rendered generically:
each section becomes a heading and its content a few lines, cut to what a CRM accepts
(HubSpot notes: 65,536 characters; Salesforce task descriptions: 32,000).
"""

from __future__ import annotations

import html
import uuid
from collections.abc import Collection
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.alerts.context import link, load_json
from devfunnel.config import Settings
from devfunnel.crm import mapping
from devfunnel.crm.outbox import Change
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import handoffs, opportunities

HUBSPOT_LIMIT = 60_000
SALESFORCE_LIMIT = 30_000
#: Items of a list section shown before "and N more".
ITEMS = 10


def _scalar(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_scalar(v)}" for k, v in value.items() if v not in (None, "", []))
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value)
    return "" if value is None else str(value)


def section_lines(value: Any) -> list[str]:
    """A packet section as lines of text."""
    value = load_json(value)
    if isinstance(value, dict):
        return [
            f"{k.replace('_', ' ')}: {_scalar(v)}"
            for k, v in value.items()
            if v not in (None, "", [], {})
        ]
    if isinstance(value, list):
        lines = [_scalar(v) for v in value[:ITEMS]]
        if len(value) > ITEMS:
            lines.append(f"and {len(value) - ITEMS} more")
        return lines
    text = _scalar(value)
    return [text] if text else []


def packet_sections(packet: Any) -> list[tuple[str, list[str]]]:
    packet = load_json(packet)
    if not isinstance(packet, dict):
        return [("Packet", section_lines(packet))]
    return [
        (name.replace("_", " ").capitalize(), section_lines(value))
        for name, value in packet.items()
    ]


def as_html(header: list[str], packet: Any, footer: str) -> str:
    parts = [f"<p><strong>{html.escape(header[0])}</strong></p>"]
    parts += [f"<p>{html.escape(line)}</p>" for line in header[1:]]
    for title, lines in packet_sections(packet):
        parts.append(f"<p><strong>{html.escape(title)}</strong></p>")
        if lines:
            items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
            parts.append(f"<ul>{items}</ul>")
    body = "".join(parts)
    if len(body) > HUBSPOT_LIMIT:
        body = body[:HUBSPOT_LIMIT] + "<p>…</p>"
    return body + f"<p>{html.escape(footer)}</p>"


def as_text(header: list[str], packet: Any, footer: str) -> str:
    parts = [*header, ""]
    for title, lines in packet_sections(packet):
        parts.append(title)
        parts += [f"- {line}" for line in lines]
        parts.append("")
    body = "\n".join(parts)
    if len(body) > SALESFORCE_LIMIT:
        body = body[:SALESFORCE_LIMIT] + "\n…"
    return body + "\n" + footer


def handoff_changes(
    conn: sa.Connection,
    settings: Settings,
    system: str,
    *,
    ids: Collection[uuid.UUID] | None = None,
    since: datetime | None = None,
) -> list[Change]:
    """A note (HubSpot) or task (Salesforce) per handoff packet not logged yet."""
    wanted = (
        settings.crm.hubspot.handoff_notes
        if system == mapping.HUBSPOT
        else settings.crm.salesforce.handoff_tasks
    )
    if not wanted:
        return []
    h = handoffs.c
    query = sa.select(handoffs)
    if since is not None:
        query = query.where(h.updated_at >= since)
    rows: list[Any] = []
    for part in [None] if ids is None else list(chunked(sorted(ids))):
        rows += conn.execute(query if part is None else query.where(h.id.in_(part))).all()
    if not rows:
        return []
    crm_accounts = mapping.account_crm_ids(conn, system, {r.account_id for r in rows})
    deal_keys = _deal_keys(conn, {r.opportunity_id for r in rows if r.opportunity_id})
    names = dict(
        conn.execute(
            sa.select(accounts.c.id, accounts.c.name).where(
                accounts.c.id.in_(sorted({r.account_id for r in rows}))
            )
        ).all()
    )
    people_ = _user_names(conn, {u for r in rows for u in (r.from_user_id, r.to_user_id) if u})
    labels = {k.id: k.label for k in settings.handoffs.kinds}
    changes = []
    for row in rows:
        account_crm = crm_accounts.get(row.account_id)
        deal_crm = mapping.crm_id(deal_keys.get(row.opportunity_id), system)
        if account_crm is None and deal_crm is None:
            continue
        packet = load_json(row.packet)
        digest = mapping.fingerprint({"handoff": str(row.id), "packet": packet})
        marker = f"dfk{digest[:12]}"
        label = labels.get(row.kind, row.kind)
        sender = people_.get(row.from_user_id, "devfunnel")
        receiver = people_.get(row.to_user_id) or row.to_team or "the receiving team"
        header = [
            f"devfunnel handoff: {label}, {names.get(row.account_id, 'account')}",
            f"From {sender} to {receiver}; {row.state}; due {row.due_at:%Y-%m-%d %H:%M} UTC; "
            f"packet {row.completeness:.0%} complete.",
            link(settings, f"accounts/{row.account_id}"),
        ]
        footer = f"devfunnel ref {marker}"
        object_ = mapping.OBJECTS[system]["handoff"]
        payload: dict[str, Any]
        if system == mapping.HUBSPOT:
            targets = [("companies", account_crm), ("deals", deal_crm)]
            payload = {
                "op": "note",
                "marker": marker,
                "properties": {
                    "hs_timestamp": mapping.hubspot_value(row.created_at),
                    "hs_note_body": as_html(header, packet, footer),
                },
                "associations": [
                    {
                        "to": {"id": crm},
                        "types": [
                            {
                                "associationCategory": "HUBSPOT_DEFINED",
                                "associationTypeId": mapping.NOTE_ASSOCIATION[kind],
                            }
                        ],
                    }
                    for kind, crm in targets
                    if crm
                ],
            }
        else:
            payload = {
                "op": "task",
                "marker": marker,
                "fields": {
                    "Subject": f"devfunnel handoff: {label} ({marker})"[:255],
                    "Description": as_text(header, packet, footer),
                    "WhatId": deal_crm or account_crm,
                    "Status": "Completed",
                    "Priority": "Normal",
                    "ActivityDate": row.created_at.date().isoformat(),
                },
            }
        changes.append(
            Change(system, object_, row.id, payload, f"{system}:{object_}:{row.id}:{digest}")
        )
    return changes


def _deal_keys(conn: sa.Connection, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    o = opportunities.c
    found: dict[uuid.UUID, str] = {}
    for part in chunked(sorted(ids)):
        query = sa.select(o.id, o.external_key).where(o.id.in_(part), o.external_key.is_not(None))
        found.update(dict(conn.execute(query).all()))
    return found


def _user_names(conn: sa.Connection, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    u = users.c
    found: dict[uuid.UUID, str] = {}
    for part in chunked(sorted(ids)):
        for row in conn.execute(sa.select(u.id, u.name, u.email).where(u.id.in_(part))):
            found[row.id] = row.name or row.email
    return found
