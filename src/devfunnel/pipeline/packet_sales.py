"""The sales side of a handoff packet: qualification, the technical validation, the
business case and the commitments made to the customer, read from the opportunity (or,
without one, the account's latest open opportunity)."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from devfunnel.money import Money
from devfunnel.pipeline.common import load_json
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.pipeline import conversations, qualification, technical_validations


def qualification_of(conn: sa.Connection, opp_id: uuid.UUID) -> dict[str, dict[str, Any]]:
    q = qualification.c
    rows = conn.execute(
        sa.select(q.element, q.score, q.evidence, q.evidence_url, q.updated_at).where(
            q.opportunity_id == opp_id
        )
    )
    return {r.element: dict(r._mapping) for r in rows}


def framework(quals: dict[str, dict[str, Any]], elements: tuple[str, ...]) -> list[Any]:
    if not any(e in quals for e in elements):
        return []
    return [
        {
            "element": e,
            "score": quals.get(e, {}).get("score", 0),
            "evidence": quals.get(e, {}).get("evidence"),
        }
        for e in elements
    ]


def technical(
    conn: sa.Connection, account_id: uuid.UUID, opp: dict[str, Any] | None
) -> dict[str, Any] | None:
    t = technical_validations.c
    where = t.account_id == account_id
    if opp is not None:
        where = sa.or_(t.opportunity_id == opp["id"], sa.and_(where, t.opportunity_id.is_(None)))
    row = conn.execute(
        sa.select(technical_validations).where(where).order_by(t.validated_at.desc()).limit(1)
    ).first()
    if row is None:
        return None
    data = dict(row._mapping)
    for name in ("built", "blockers"):
        data[name] = load_json(data[name])
    return data


def business_case(
    conn: sa.Connection, opp: dict[str, Any] | None, quals: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    if opp is None:
        return None
    amount = (
        Money(opp["amount_minor"], opp["currency"]).amount
        if opp["amount_minor"] is not None
        else None
    )
    buyer = None
    if opp["economic_buyer_contact_id"] is not None:
        row = conn.execute(
            sa.select(people.c.name, people.c.email, people.c.title).where(
                people.c.id == opp["economic_buyer_contact_id"]
            )
        ).first()
        buyer = dict(row._mapping) if row is not None else None
    case = {
        "use_case": opp["use_case"],
        "amount": amount,
        "currency": opp["currency"],
        "close_date": opp["close_date"],
        "type": opp["type"],
        "economic_buyer": buyer,
        "metrics": quals.get("metrics", {}).get("evidence"),
        "pain": quals.get("identify_pain", {}).get("evidence"),
    }
    if all(case[k] is None for k in ("use_case", "amount", "metrics", "pain")):
        return None
    return case


def commitments(
    conn: sa.Connection, account_id: uuid.UUID, opp: dict[str, Any] | None
) -> list[dict[str, Any]]:
    found = [
        {"text": text, "source": "opportunity", "at": None}
        for text in (load_json(opp["commitments"]) or [] if opp else [])
    ]
    c = conversations.c
    for row in conn.execute(
        sa.select(c.subject, c.body, c.occurred_at)
        .where(
            c.account_id == account_id,
            c.kind == "note",
            sa.func.lower(c.subject).like("commitment%"),
        )
        .order_by(c.occurred_at)
    ):
        text = (row.body or row.subject or "").strip()
        found.append({"text": text, "source": "note", "at": row.occurred_at})
    return found
