"""What is known about a lead's person and account, read once for routing conditions,
lead snapshots and packets: firmographics, persona, and the latest scores.

Scores (momentum, fit, grade, journey stage, PQA and PQL with their ``why``) are written
by the scoring service into ``person_scores`` and ``account_scores``; here they are only
read, and absent scores are simply absent (routing conditions on them do not match).
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from devfunnel.errors import NotFound
from devfunnel.identity.lookup import live_account_for, normalise_account_ref
from devfunnel.money import Money
from devfunnel.pipeline.common import jsonable, load_json
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.scores import account_scores, person_scores


def find_account(conn: sa.Connection, ref: str) -> uuid.UUID:
    """The live account an id or domain names (following merges), or ``NotFound``."""
    found = live_account_for(conn, normalise_account_ref(ref))
    if found is None:
        raise NotFound(f"account: no account {ref!r}; give an account id or domain", account=ref)
    return found


def account_row(conn: sa.Connection, account_id: uuid.UUID | None) -> dict[str, Any] | None:
    if account_id is None:
        return None
    row = conn.execute(sa.select(accounts).where(accounts.c.id == account_id)).first()
    return dict(row._mapping) if row is not None else None


def person_row(conn: sa.Connection, person_id: uuid.UUID | None) -> dict[str, Any] | None:
    if person_id is None:
        return None
    row = conn.execute(sa.select(people).where(people.c.id == person_id)).first()
    return dict(row._mapping) if row is not None else None


def firmographics(account: dict[str, Any] | None) -> dict[str, Any]:
    """An account as the condition language sees it (``config/rules.py`` field names;
    ``annual_revenue`` in major units)."""
    if account is None:
        return {}
    stack = load_json(account.get("tech_stack"))
    if isinstance(stack, str):
        stack = [s.strip() for s in stack.split(",") if s.strip()]
    revenue = account.get("annual_revenue_minor")
    return {
        "employees": account.get("employees"),
        "annual_revenue": float(Money(revenue, account.get("currency") or "USD").amount)
        if revenue is not None
        else None,
        "industry": account.get("industry"),
        "country": account.get("country"),
        "region": account.get("region"),
        "segment": account.get("segment"),
        "tech_stack": stack or None,
        "domain": account.get("domain"),
        "named_account": bool(account.get("named_account")),
    }


def scores(
    conn: sa.Connection, person_id: uuid.UUID | None, account_id: uuid.UUID | None
) -> dict[str, Any]:
    """The latest person and account scores, as JSON-ready dicts (missing ones left out)."""
    found: dict[str, Any] = {}
    if person_id is not None:
        row = conn.execute(
            sa.select(person_scores).where(person_scores.c.person_id == person_id)
        ).first()
        if row is not None:
            found["person"] = _score(row._mapping, ("person_id",))
    if account_id is not None:
        row = conn.execute(
            sa.select(account_scores).where(account_scores.c.account_id == account_id)
        ).first()
        if row is not None:
            found["account"] = _score(row._mapping, ("account_id",))
    return found


def _score(mapping: Any, drop: tuple[str, ...]) -> dict[str, Any]:
    values = {k: v for k, v in mapping.items() if k not in drop}
    values["why"] = load_json(values.get("why"))
    return dict(jsonable(values))


def lead_facts(
    conn: sa.Connection,
    *,
    source: str,
    person_id: uuid.UUID | None,
    account_id: uuid.UUID | None,
) -> dict[str, Any]:
    """The record routing conditions are evaluated against: the account's firmographics
    plus ``lead_source``, ``journey_stage``, ``momentum``, ``fit`` and ``persona``."""
    account = account_row(conn, account_id)
    person = person_row(conn, person_id)
    known = scores(conn, person_id, account_id)
    person_scores_ = known.get("person", {})
    account_scores_ = known.get("account", {})
    return {
        **firmographics(account),
        "lead_source": source,
        "journey_stage": person_scores_.get("journey_stage")
        or account_scores_.get("journey_stage"),
        "momentum": account_scores_.get("momentum"),
        "fit": account_scores_.get("fit"),
        "persona": person.get("persona") if person else None,
    }
