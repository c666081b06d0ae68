"""Lead routing: who gets a lead, by which rule, and why.

The order is the configuration's (``[routing]``): the account's owner first
(``respect_account_owner``; skipped when the owner is inactive or out of office), then
``[[routing.rules]]`` in order (every condition must hold; the first rule that matches
and has someone available wins), then round robin in ``fallback_team``. Each step that
did not decide is kept with its reason, so a dry run shows exactly why a lead would go
where it goes.

A real route writes the owner, ``routed_by`` (``account_owner``, the rule id, or
``round_robin:<team>``), ``routed_team``, ``routing_reason``, ``routed_at`` and the SLA
due time, keeps the round-robin credits, and audits the assignment, in one transaction
under ``store.exclusive("routing")``. A dry run reads the same state and writes nothing.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.config.rules import Condition
from devfunnel.errors import Conflict, ValidationError
from devfunnel.pipeline import round_robin
from devfunnel.pipeline.common import jsonable, utc_now
from devfunnel.pipeline.dedupe import OPEN_LEAD_STATUSES
from devfunnel.pipeline.directory import UserRef, find_user, team, team_of, users_by_id
from devfunnel.pipeline.facts import account_row, lead_facts
from devfunnel.pipeline.lead_records import lead_row
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.pipeline import leads

#: Leads routed in one transaction by :func:`route_unrouted`.
ROUTE_BATCH = 100


@dataclass(frozen=True)
class Step:
    """One step of the routing order and what it decided: ``matched``, ``no_match`` (its
    conditions did not hold) or ``skipped`` (it matched but nobody could take the lead)."""

    rule: str
    outcome: str
    detail: str


@dataclass
class Decision:
    """Where a lead goes and why; ``owner`` is ``None`` when nobody can take it."""

    lead_id: uuid.UUID
    owner: UserRef | None
    routed_by: str | None
    team: str | None
    reason: str
    sla_due_at: datetime | None
    dry_run: bool
    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


def describe(condition: Condition) -> str:
    value = condition.value
    shown = ", ".join(map(str, value)) if isinstance(value, list) else value
    return f"{condition.field} {condition.op} {shown}"


def sla_due(settings: Settings, source: str, routed_at: datetime) -> datetime | None:
    minutes = settings.routing.sla_minutes.get(source)
    return routed_at + timedelta(minutes=minutes) if minutes is not None else None


def decide(
    conn: sa.Connection, settings: Settings, lead: dict[str, Any], now: datetime, *, dry_run: bool
) -> tuple[Decision, round_robin.Pick | None]:
    """The routing decision for ``lead`` (a ``leads`` row) at ``now``, and the round-robin
    pick behind it, if any. Writes nothing."""
    config = settings.routing
    facts = lead_facts(
        conn, source=lead["source"], person_id=lead["person_id"], account_id=lead["account_id"]
    )
    steps: list[Step] = []

    def chosen(
        owner: UserRef,
        routed_by: str,
        team_id: str | None,
        reason: str,
        rr: round_robin.Pick | None,
    ) -> tuple[Decision, round_robin.Pick | None]:
        steps.append(Step(routed_by, "matched", reason))
        due = sla_due(settings, lead["source"], now)
        return Decision(
            lead["id"], owner, routed_by, team_id, reason, due, dry_run, steps, jsonable(facts)
        ), rr

    if config.respect_account_owner:
        account = account_row(conn, lead["account_id"])
        owner_id = account.get("owner_id") if account else None
        owner = users_by_id(conn, [owner_id]).get(owner_id) if owner_id else None
        if account is None:
            steps.append(Step("account_owner", "no_match", "the lead has no account"))
        elif owner is None:
            steps.append(
                Step("account_owner", "no_match", f"account {account['name']} has no owner")
            )
        elif owner.away(now):
            steps.append(Step("account_owner", "skipped", _away(owner)))
        else:
            found = team_of(settings, owner.email)
            return chosen(
                owner,
                "account_owner",
                found.id if found else None,
                f"account {account['name']} is owned by {owner.email}",
                None,
            )

    for rule in config.rules:
        failed = [c for c in rule.when if not c.matches(facts)]
        if failed:
            shown = "; ".join(
                f"{describe(c)} does not hold ({c.field} is {facts.get(c.field)!r})" for c in failed
            )
            steps.append(Step(rule.id, "no_match", shown))
            continue
        why = (
            "all conditions hold: " + "; ".join(describe(c) for c in rule.when)
            if rule.when
            else "it has no conditions"
        )
        if rule.user is not None:
            user = _user(conn, rule.user)
            if user is None or user.away(now):
                reason = _away(user) if user else f"{rule.user} is not a devfunnel user"
                steps.append(Step(rule.id, "skipped", f"rule matched ({why}) but {reason}"))
                continue
            found = team_of(settings, user.email)
            reason = f"rule {rule.id} matched ({why}); assigned to {user.email}"
            return chosen(user, rule.id, found.id if found else None, reason, None)
        assert rule.team is not None
        rr = round_robin.pick(conn, settings, team(settings, rule.team), now)
        if rr.user is None:
            steps.append(Step(rule.id, "skipped", f"rule matched ({why}) but {rr.describe()}"))
            continue
        reason = f"rule {rule.id} matched ({why}); {rr.describe()}"
        return chosen(rr.user, rule.id, rule.team, reason, rr)

    fallback = config.fallback_team
    rr = round_robin.pick(conn, settings, team(settings, fallback), now)
    if rr.user is not None:
        return chosen(
            rr.user,
            f"round_robin:{fallback}",
            fallback,
            f"no rule assigned it; {rr.describe()}",
            rr,
        )
    steps.append(Step(f"round_robin:{fallback}", "skipped", rr.describe()))
    reason = f"nobody can take it: {rr.describe()}"
    return Decision(
        lead["id"], None, None, None, reason, None, dry_run, steps, jsonable(facts)
    ), None


def _user(conn: sa.Connection, email: str) -> UserRef | None:
    try:
        return find_user(conn, email, field="routing.rules[].user")
    except ValidationError:  # a missing user is a reason to skip, reported in the step
        return None


def _away(user: UserRef) -> str:
    if not user.active:
        return f"{user.email} is inactive"
    return f"{user.email} is out of office until {user.out_of_office_until:%Y-%m-%d %H:%M} UTC"


def route_lead(
    store: Store,
    settings: Settings,
    lead_id: uuid.UUID,
    principal: Principal,
    *,
    dry_run: bool = False,
    force: bool = False,
    now: datetime | None = None,
) -> Decision:
    """Route one lead (or, with ``dry_run``, say where it would go and write nothing).

    A lead that already has an owner is refused unless ``force`` (re-routing restarts its
    SLA clock; the audit entry keeps what it was). Closed leads are refused.
    """
    at = utc_now(now)
    if dry_run:
        with store.read() as conn:
            lead = lead_row(conn, lead_id)
            return decide(conn, settings, lead, at, dry_run=True)[0]
    with store.exclusive("routing") as conn:
        lead = lead_row(conn, lead_id)
        require_edit(principal, [lead["owner_id"]], what=f"lead {lead_id}")
        if lead["status"] not in OPEN_LEAD_STATUSES:
            raise Conflict(
                f"lead {lead_id} is {lead['status']}; only open leads "
                f"({', '.join(OPEN_LEAD_STATUSES)}) are routed",
                lead=str(lead_id),
            )
        if lead["owner_id"] is not None and not force:
            raise Conflict(
                f"lead {lead_id} is already routed (by {lead['routed_by']}); route it again "
                "with --force (API: force=true), which restarts its SLA clock",
                lead=str(lead_id),
            )
        decision, rr = decide(conn, settings, lead, at, dry_run=False)
        if decision.owner is None:
            raise Conflict(f"lead {lead_id} cannot be routed: {decision.reason}", lead=str(lead_id))
        assign(conn, lead, decision, at, principal)
        if rr is not None:
            round_robin.save_credits(conn, rr.team, rr.credits, at)
        return decision


def assign(
    conn: sa.Connection,
    lead: dict[str, Any],
    decision: Decision,
    at: datetime,
    principal: Principal,
) -> None:
    """Write a decision onto its lead and audit it (the caller holds the routing lock)."""
    assert decision.owner is not None
    values = {
        "owner_id": decision.owner.id,
        "routed_by": decision.routed_by,
        "routed_at": at,
        "routed_team": decision.team,
        "routing_reason": decision.reason[:2000],
        "sla_due_at": decision.sla_due_at,
        "first_touch_at": None,
        "breached_at": None,
        "escalated_at": None,
        "escalated_to": None,
        "updated_at": at,
    }
    conn.execute(leads.update().where(leads.c.id == lead["id"]).values(**values))
    before = {k: lead.get(k) for k in ("owner_id", "routed_by", "routed_team", "sla_due_at")}
    audit.record(
        conn,
        principal.actor,
        "lead.route",
        entity_kind="lead",
        entity_id=lead["id"],
        before=jsonable(before) if lead.get("owner_id") else None,
        after=jsonable(
            {
                "owner": decision.owner.email,
                "routed_by": decision.routed_by,
                "team": decision.team,
                "sla_due_at": decision.sla_due_at,
            }
        ),
        reason=decision.reason[:2000],
    )


def route_unrouted(
    store: Store, settings: Settings, principal: Principal, *, now: datetime | None = None
) -> tuple[int, int]:
    """Route every open lead without an owner; returns (routed, left unrouted)."""
    at = utc_now(now)
    lc = leads.c
    with store.read() as conn:
        waiting = list(
            conn.execute(
                sa.select(lc.id)
                .where(lc.owner_id.is_(None), lc.status.in_(OPEN_LEAD_STATUSES))
                .order_by(lc.created_at)
            ).scalars()
        )
    routed = unrouted = 0
    # Leads are routed one after another (round-robin credits carry from one to the next),
    # ROUTE_BATCH to a transaction: a commit per lead cost more than routing it.
    for part in chunked(waiting, ROUTE_BATCH):
        with store.exclusive("routing") as conn:
            for lead_id in part:
                lead = lead_row(conn, lead_id)
                if lead["owner_id"] is not None:
                    continue
                decision, rr = decide(conn, settings, lead, at, dry_run=False)
                if decision.owner is None:
                    unrouted += 1
                    continue
                assign(conn, lead, decision, at, principal)
                if rr is not None:
                    round_robin.save_credits(conn, rr.team, rr.credits, at)
                routed += 1
    return routed, unrouted
