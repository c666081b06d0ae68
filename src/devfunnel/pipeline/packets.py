"""Handoff packets: everything the receiving team needs, assembled from the data, never
typed by hand.

A packet holds the sections its kind lists in ``packet_fields`` (``[[handoffs.kinds]]``):

| section | from |
|---|---|
| developers | the account's people with activity, with engagement and journey stage |
| built | the account's product and GitHub activity types (``packet_developers.py``) |
| journey | the account's journey stage (``account_scores``) and its transitions |
| momentum | momentum, grade, active developers, PQA and the ``why`` (``account_scores``) |
| fit | the fit score and the ``[[icp.rules]]`` the account satisfies |
| technical_validation | the latest ``technical_validations`` row |
| meddpicc, bant | the opportunity's ``qualification`` rows with their evidence |
| business_case | use case, amount, close date, economic buyer; metrics and pain evidence |
| commitments | the opportunity's ``commitments``; notes whose subject starts "Commitment" |
| risks | quiet developers, API errors, unmet exit criteria, a competitor, at-risk health |
| conversation_history | the account's latest conversations |
| opportunities | the account's opportunities |
| subscription | the account's subscriptions |
| health | the latest health snapshot |

Without an opportunity on the handoff, the sales sections use the account's latest open
opportunity. Completeness is the share of the kind's ``required_fields`` that are
non-empty.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.sales import HandoffKind
from devfunnel.pipeline import packet_developers as dev
from devfunnel.pipeline import packet_sales as sales
from devfunnel.pipeline.common import jsonable, load_json
from devfunnel.pipeline.exit_criteria import gate_status
from devfunnel.pipeline.facts import account_row, firmographics
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.pipeline import (
    conversations,
    opportunities,
)
from devfunnel.store.schema.revenue import subscriptions
from devfunnel.store.schema.scores import account_scores, journey_transitions
from devfunnel.store.schema.success import health_snapshots
from devfunnel.vocabulary import BANT, MEDDPICC

#: Activity type whose 30-day volume is a risk, not something built.
ERROR_ACTIVITY = "api_error"
CONVERSATIONS = 20


def is_empty(value: Any) -> bool:
    return value is None or value == [] or value == {} or value == ""


def completeness(kind: HandoffKind, packet: dict[str, Any]) -> float:
    """Share of the kind's required sections that are present (1.0 when none are required)."""
    required = kind.required_fields
    if not required:
        return 1.0
    sections = packet.get("sections", {})
    return sum(not is_empty(sections.get(name)) for name in required) / len(required)


def in_order(packet: dict[str, Any]) -> dict[str, Any]:
    """The packet with its sections in the kind's order again (as stored, PostgreSQL's
    JSONB orders keys its own way)."""
    sections = packet.get("sections") or {}
    order = [f for f in packet.get("fields", []) if f in sections]
    rest = [f for f in sections if f not in order]
    return {**packet, "sections": {f: sections[f] for f in order + rest}}


def missing_sections(kind: HandoffKind, packet: dict[str, Any]) -> list[str]:
    sections = packet.get("sections", {})
    return [name for name in kind.required_fields if is_empty(sections.get(name))]


def assemble(
    conn: sa.Connection,
    settings: Settings,
    kind: HandoffKind,
    account_id: uuid.UUID,
    opportunity_id: uuid.UUID | None,
    now: datetime,
    *,
    prefetched: dev.DeveloperSide | None = None,
) -> dict[str, Any]:
    """The packet for a handoff of ``kind`` about the account (and opportunity) at ``now``;
    ``prefetched`` holds the developer side when the caller read it for many accounts."""
    account = account_row(conn, account_id) or {}
    opp = _opportunity(conn, account_id, opportunity_id)
    wanted = set(kind.packet_fields)
    scores_row = conn.execute(
        sa.select(account_scores).where(account_scores.c.account_id == account_id)
    ).first()
    score = dict(scores_row._mapping) if scores_row is not None else None
    devs: list[dict[str, Any]] = []
    activity: list[dict[str, Any]] = []
    if prefetched is not None:
        devs = prefetched.developers.get(account_id, [])
        activity = prefetched.built.get(account_id, [])
    else:
        if wanted & {"developers", "risks"}:
            devs = dev.developers(conn, account_id, now)
        if wanted & {"built", "risks"}:
            activity = dev.built(conn, settings, account_id, now)
    quals = sales.qualification_of(conn, opp["id"]) if opp else {}
    sections: dict[str, Any] = {}
    builders: dict[str, Any] = {
        "developers": lambda: devs,
        "built": lambda: [a for a in activity if a["activity"] != ERROR_ACTIVITY],
        "journey": lambda: _journey(conn, settings, account_id, score),
        "momentum": lambda: _momentum(score),
        "fit": lambda: _fit(settings, account, score),
        "technical_validation": lambda: sales.technical(conn, account_id, opp),
        "meddpicc": lambda: sales.framework(quals, MEDDPICC),
        "bant": lambda: sales.framework(quals, BANT),
        "business_case": lambda: sales.business_case(conn, opp, quals),
        "commitments": lambda: sales.commitments(conn, account_id, opp),
        "risks": lambda: _risks(conn, settings, opp, devs, activity, account_id, now),
        "conversation_history": lambda: _conversations(conn, account_id, now),
        "opportunities": lambda: _opportunities(conn, account_id),
        "subscription": lambda: _subscriptions(conn, account_id),
        "health": lambda: _health(conn, account_id),
    }
    for name in kind.packet_fields:
        sections[name] = jsonable(builders[name]())
    packet = {
        "kind": kind.id,
        "assembled_at": now.isoformat(),
        # JSONB does not keep key order; this does.
        "fields": list(kind.packet_fields),
        "account": jsonable(
            {
                "id": account_id,
                "name": account.get("name"),
                "domain": account.get("domain"),
                **firmographics(account),
            }
        ),
        "opportunity": jsonable({"id": opp["id"], "name": opp["name"], "stage": opp["stage"]})
        if opp
        else None,
        "sections": sections,
    }
    packet["missing"] = missing_sections(kind, packet)
    return packet


def _opportunity(
    conn: sa.Connection, account_id: uuid.UUID, opportunity_id: uuid.UUID | None
) -> dict[str, Any] | None:
    o = opportunities.c
    query = sa.select(opportunities)
    if opportunity_id is not None:
        query = query.where(o.id == opportunity_id)
    else:
        query = query.where(o.account_id == account_id, o.status == "open")
        query = query.order_by(o.created_at.desc()).limit(1)
    row = conn.execute(query).first()
    return dict(row._mapping) if row is not None else None


def _journey(
    conn: sa.Connection, settings: Settings, account_id: uuid.UUID, score: dict[str, Any] | None
) -> dict[str, Any] | None:
    t = journey_transitions.c
    steps = [
        {"stage": r.stage, "reached_at": r.reached_at, "milestone": r.milestone}
        for r in conn.execute(
            sa.select(t.stage, t.reached_at, t.milestone)
            .where(t.subject_kind == "account", t.subject_id == account_id)
            .order_by(t.reached_at)
        )
    ]
    stage = (score or {}).get("journey_stage") or (steps[-1]["stage"] if steps else None)
    if stage is None:
        return None
    labels = {s.id: s for s in settings.journey.stages}
    found = labels.get(stage)
    return {
        "stage": stage,
        "label": found.label if found else stage,
        "devrel_goal": found.devrel_goal if found else None,
        "transitions": steps,
    }


def _momentum(score: dict[str, Any] | None) -> dict[str, Any] | None:
    if score is None:
        return None
    keys = ("momentum", "grade", "active_developers", "pqa", "pqa_since", "computed_at")
    return {**{k: score[k] for k in keys}, "why": load_json(score["why"])}


def _fit(
    settings: Settings, account: dict[str, Any], score: dict[str, Any] | None
) -> dict[str, Any] | None:
    record = firmographics(account)
    rules = [
        {"rule": r.id, "description": r.description, "weight": r.weight}
        for r in settings.icp.rules
        if record and all(c.matches(record) for c in r.when)
    ]
    if score is None and not rules:
        return None
    return {"fit": score["fit"] if score else None, "rules": rules}


def _risks(
    conn: sa.Connection,
    settings: Settings,
    opp: dict[str, Any] | None,
    devs: list[dict[str, Any]],
    activity: list[dict[str, Any]],
    account_id: uuid.UUID,
    now: datetime,
) -> list[dict[str, Any]]:
    risks = dev.developer_risks(settings, devs, activity, now)
    if opp is not None and opp["status"] == "open":
        missing = gate_status(conn, settings, opp).missing
        if missing:
            risks.append(
                {
                    "kind": "missing_exit_criteria",
                    "count": len(missing),
                    "detail": f"to leave {opp['stage']}: " + "; ".join(u.message for u in missing),
                }
            )
    if opp is not None and opp["competitor"]:
        risks.append(
            {"kind": "competitor", "count": 1, "detail": f"competing with {opp['competitor']}"}
        )
    health = _health(conn, account_id)
    if health is not None and health["band"] == "at_risk":
        risks.append(
            {"kind": "health", "count": 1, "detail": f"health {health['health']:.0f}, at risk"}
        )
    return risks


def _conversations(conn: sa.Connection, account_id: uuid.UUID, now: datetime) -> list[Any]:
    c, u, p = conversations.c, users.c, people.c
    rows = conn.execute(
        sa.select(
            c.kind,
            c.subject,
            c.occurred_at,
            u.email.label("by"),
            p.name.label("with_name"),
            p.email.label("with_email"),
        )
        .select_from(
            conversations.outerjoin(users, u.id == c.user_id).outerjoin(people, p.id == c.person_id)
        )
        .where(c.account_id == account_id, c.occurred_at <= now)
        .order_by(c.occurred_at.desc())
        .limit(CONVERSATIONS)
    )
    return [dict(r._mapping) for r in rows]


def _opportunities(conn: sa.Connection, account_id: uuid.UUID) -> list[Any]:
    o = opportunities.c
    rows = conn.execute(
        sa.select(
            o.id,
            o.name,
            o.type,
            o.stage,
            o.status,
            o.amount_minor,
            o.currency,
            o.close_date,
            o.closed_at,
        )
        .where(o.account_id == account_id)
        .order_by(o.created_at.desc())
    )
    return [dict(r._mapping) for r in rows]


def _subscriptions(conn: sa.Connection, account_id: uuid.UUID) -> list[Any]:
    s = subscriptions.c
    rows = conn.execute(
        sa.select(
            s.plan,
            s.status,
            s.mrr_minor,
            s.currency,
            s.quantity,
            s.started_at,
            s.current_period_end,
            s.canceled_at,
        )
        .where(s.account_id == account_id)
        .order_by(s.started_at.desc())
    )
    return [dict(r._mapping) for r in rows]


def _health(conn: sa.Connection, account_id: uuid.UUID) -> dict[str, Any] | None:
    h = health_snapshots.c
    row = conn.execute(
        sa.select(h.taken_on, h.health, h.band, h.churn_risk, h.components)
        .where(h.account_id == account_id)
        .order_by(h.taken_on.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["components"] = load_json(data["components"])
    return data
