"""Conditions read from the tables scoring and the pipeline write: accounts that became
PQA, leads past their SLA, handoffs waiting past due. (Quiet deals: ``quiet.py``.)"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from devfunnel.alerts.context import (
    account_info,
    count,
    iso,
    load_json,
    person_info,
    user_info,
    why_lines,
)
from devfunnel.alerts.occurrence import Occurrence, alert_payload
from devfunnel.config import Settings
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import handoffs, leads
from devfunnel.store.schema.scores import account_scores


def became_pqa(
    conn: sa.Connection, settings: Settings, now: datetime, cutoff: datetime
) -> list[Occurrence]:
    s, a = account_scores.c, accounts.c
    query = (
        sa.select(
            s.account_id,
            s.momentum,
            s.fit,
            s.grade,
            s.journey_stage,
            s.active_developers,
            s.pqa_since,
            s.why,
        )
        .join(accounts, a.id == s.account_id)
        .where(
            s.pqa.is_(sa.true()),
            s.pqa_since.is_not(None),
            s.pqa_since >= cutoff,
            s.pqa_since <= now,
            a.merged_into.is_(None),
        )
    )
    rows = conn.execute(query).all()
    infos = account_info(conn, (r.account_id for r in rows))
    owners = user_info(conn, (i.owner_id for i in infos.values()))
    found = []
    for row in rows:
        info = infos[row.account_id]
        owner = owners.get(info.owner_id) if info.owner_id else None
        facts = {
            "momentum": round(row.momentum, 1),
            "fit": round(row.fit, 1),
            "grade": row.grade,
            "journey_stage": row.journey_stage,
            "active_developers": row.active_developers,
            "pqa_since": iso(row.pqa_since),
        }
        found.append(
            Occurrence(
                "became_pqa",
                f"became_pqa:{row.account_id}:{iso(row.pqa_since)}",
                row.account_id,
                alert_payload(
                    settings,
                    "became_pqa",
                    title=f"{info.name} became a product-qualified account",
                    summary=f"Grade {row.grade}, momentum {row.momentum:.0f}, fit {row.fit:.0f}, "
                    f"{count(row.active_developers, 'active developer')}"
                    + (f", journey stage {row.journey_stage}" if row.journey_stage else "")
                    + ".",
                    account=info.as_json(),
                    owner=owner.as_json() if owner else None,
                    why=why_lines(row.why),
                    path=f"accounts/{row.account_id}",
                    occurred_at=row.pqa_since,
                    facts=facts,
                ),
            )
        )
    return found


def leads_breached(
    conn: sa.Connection, settings: Settings, now: datetime, cutoff: datetime
) -> list[Occurrence]:
    lc = leads.c
    query = sa.select(
        lc.id,
        lc.account_id,
        lc.person_id,
        lc.source,
        lc.owner_id,
        lc.routed_by,
        lc.routed_at,
        lc.sla_due_at,
        lc.breached_at,
        lc.escalated_at,
        lc.snapshot,
        lc.created_at,
    ).where(
        lc.breached_at.is_not(None),
        lc.breached_at >= cutoff,
        lc.breached_at <= now,
        lc.first_touch_at.is_(None),
        lc.status.in_(("new", "working")),
    )
    rows = conn.execute(query).all()
    infos = account_info(conn, (r.account_id for r in rows))
    owners = user_info(conn, (r.owner_id for r in rows))
    persons = person_info(conn, (r.person_id for r in rows))
    found = []
    for row in rows:
        info = infos.get(row.account_id) if row.account_id else None
        owner = owners.get(row.owner_id) if row.owner_id else None
        person = persons.get(row.person_id) if row.person_id else None
        who = (person or {}).get("name") or (person or {}).get("email") or "A lead"
        where = f" at {info.name}" if info else ""
        sla = settings.routing.sla_minutes.get(row.source)
        snapshot = load_json(row.snapshot) or {}
        why = [
            f"The {row.source} lead SLA ({sla} minutes) ran out at "
            f"{row.sla_due_at:%Y-%m-%d %H:%M} UTC with no first touch."
            if row.sla_due_at and sla
            else "The speed-to-lead SLA ran out with no first touch."
        ]
        if owner:
            why.append(
                f"Routed to {owner.name or owner.email}"
                + (f" by {row.routed_by}" if row.routed_by else "")
                + "."
            )
        if row.escalated_at:
            why.append(f"Escalated at {row.escalated_at:%Y-%m-%d %H:%M} UTC.")
        if isinstance(snapshot, dict) and snapshot.get("why"):
            why += why_lines(snapshot["why"], 3)
        facts = {
            "lead_id": str(row.id),
            "source": row.source,
            "person": person,
            "sla_minutes": sla,
            "sla_due_at": iso(row.sla_due_at),
            "breached_at": iso(row.breached_at),
            "escalated_at": iso(row.escalated_at),
            "routed_by": row.routed_by,
        }
        path = f"accounts/{row.account_id}" if row.account_id else f"leads/{row.id}"
        found.append(
            Occurrence(
                "lead_sla_breached",
                f"lead_sla_breached:{row.id}:{iso(row.breached_at)}",
                row.account_id,
                alert_payload(
                    settings,
                    "lead_sla_breached",
                    title=f"{who}{where} is waiting past the speed-to-lead SLA",
                    summary=f"A {row.source} lead has had no first touch since it was routed"
                    + (f" to {owner.name or owner.email}" if owner else "")
                    + ".",
                    account=info.as_json() if info else None,
                    owner=owner.as_json() if owner else None,
                    why=why,
                    path=path,
                    occurred_at=row.breached_at,
                    facts=facts,
                ),
            )
        )
    return found


def handoffs_waiting(
    conn: sa.Connection, settings: Settings, now: datetime, cutoff: datetime
) -> list[Occurrence]:
    h = handoffs.c
    query = sa.select(
        h.id,
        h.kind,
        h.account_id,
        h.opportunity_id,
        h.from_user_id,
        h.to_user_id,
        h.to_team,
        h.due_at,
        h.completeness,
        h.created_at,
    ).where(h.state == "pending", h.due_at <= now, h.due_at >= cutoff)
    rows = conn.execute(query).all()
    infos = account_info(conn, (r.account_id for r in rows))
    people_ = user_info(conn, [*(r.to_user_id for r in rows), *(r.from_user_id for r in rows)])
    labels = {k.id: k.label for k in settings.handoffs.kinds}
    found = []
    for row in rows:
        info = infos.get(row.account_id)
        receiver = people_.get(row.to_user_id) if row.to_user_id else None
        sender = people_.get(row.from_user_id) if row.from_user_id else None
        label = labels.get(row.kind, row.kind)
        to = (receiver.name or receiver.email) if receiver else (row.to_team or "its receiver")
        waited = now - row.created_at
        why = [
            f"{label} handoff sent {row.created_at:%Y-%m-%d %H:%M} UTC"
            + (f" by {sender.name or sender.email}" if sender else "")
            + f", due {row.due_at:%Y-%m-%d %H:%M} UTC, still not accepted by {to}.",
            f"Packet {row.completeness:.0%} complete.",
        ]
        facts = {
            "handoff_id": str(row.id),
            "handoff_kind": row.kind,
            "label": label,
            "from": sender.as_json() if sender else None,
            "to_team": row.to_team,
            "due_at": iso(row.due_at),
            "created_at": iso(row.created_at),
            "hours_waiting": round(waited.total_seconds() / 3600, 1),
            "completeness": round(row.completeness, 2),
            "opportunity_id": str(row.opportunity_id) if row.opportunity_id else None,
        }
        name = info.name if info else "an account"
        found.append(
            Occurrence(
                "handoff_waiting",
                f"handoff_waiting:{row.id}:{iso(row.due_at)}",
                row.account_id,
                alert_payload(
                    settings,
                    "handoff_waiting",
                    title=f"{name}: {label} handoff waiting past due",
                    summary=f"Waiting {count(facts['hours_waiting'], 'hour')} for {to} to accept.",
                    account=info.as_json() if info else None,
                    owner=receiver.as_json() if receiver else None,
                    why=why,
                    path=f"accounts/{row.account_id}",
                    occurred_at=row.due_at,
                    facts=facts,
                ),
            )
        )
    return found
