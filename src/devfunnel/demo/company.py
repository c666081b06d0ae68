"""One chunk of the demo company: its people's journeys, sales, and every raw signal.

A chunk is a range of accounts (plus a range of independent developers). Each account
draws from its own random stream, so a chunk's output does not depend on the others.
The output is only what real sources would hand devfunnel (events, webhook payloads,
CRM exports) plus the ground truth, kept apart.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np

from devfunnel.demo import activity, sales
from devfunnel.demo.people import (
    HORIZON,
    STAGES,
    Person,
    assign_touches,
    make_people,
    simulate_journey,
)
from devfunnel.demo.sink import Sink
from devfunnel.demo.world import INDEPENDENT, PEOPLE, SALES, Account, World, rng
from devfunnel.identity.keys import normalise_email


@dataclass
class Chunk:
    sink: Sink
    crm: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    truth: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def generate_chunk(world: World, accounts: range, independents: range) -> Chunk:
    start_us = int(world.start.timestamp() * 1_000_000)
    sink = Sink(start_us, start_us + int(HORIZON * 86_400_000_000))
    chunk = Chunk(sink=sink, crm={k: [] for k in ("accounts", "contacts", "leads",
                                                  "opportunities", "conversations",
                                                  "feedback")},
                  truth={k: [] for k in ("accounts", "people", "identities",
                                         "opportunities")})  # fmt: skip
    for index in accounts:
        _account(world, world.accounts[index], chunk)
    for index in independents:
        g = rng(world.seed, INDEPENDENT, index)
        people = make_people(g, None, f"I{index:06d}", independent=True)
        for person in people:
            assign_touches(g, person, world.programs)
            simulate_journey(g, person)
        _people(world, g, people, chunk)
        _truth_people(world, people, chunk)
        _feedback(world, chunk, sales.feedback(g, None, people, False))
        for sub in _independent_subscription(people):
            _stripe(world, sink, sub)
    return chunk


def _people(
    world: World,
    g: np.random.Generator,
    people: list[Person],
    chunk: Chunk,
    account_sales: Any = None,
) -> None:
    for person in people:
        keys = activity.emit_person(g, chunk.sink, person, world.start)
        # Sorted: a set's order of strings differs from one process to the next.
        chunk.truth["identities"].extend({"key": k, "person_ref": person.ref} for k in sorted(keys))


def _truth_people(world: World, people: list[Person], chunk: Chunk) -> None:
    """The people as they really are; written once every signal (CRM records included)
    is out, so ``account_evidence`` holds every kind of signal that names the account."""
    for person in people:
        chunk.truth["people"].append({
            "ref": person.ref, "account_ref": person.account.ref if person.account else None,
            "persona": person.persona, "name": person.name, "engagement": person.engagement,
            "stage": person.stage,
            "stage_dates": {s: _iso(world, d) for s, d in person.stage_days.items()},
            "quit_at": _iso(world, person.quit_day),
            "account_evidence": sorted(person.account_evidence)})  # fmt: skip


def _account(world: World, account: Account, chunk: Chunk) -> None:
    g = rng(world.seed, PEOPLE, account.index)
    people = make_people(g, account, f"P{account.index:06d}")
    for person in people:
        assign_touches(g, person, world.programs)
        simulate_journey(g, person)
    sg = rng(world.seed, SALES, account.index)
    outcome = sales.simulate_sales(sg, account, people, world.settings)
    _people(world, g, people, chunk)
    for sub in outcome.subscriptions:
        _stripe(world, chunk.sink, sub)
    _crm(world, sg, account, people, outcome, chunk)
    _truth_people(world, people, chunk)
    _feedback(world, chunk, sales.feedback(sg, account, people, bool(outcome.opportunities)))
    chunk.truth["accounts"].append({
        "ref": account.ref, "domain": account.domain, "name": account.name,
        "need": account.need, "fit": account.fit, "in_crm": account.in_crm,
        "crm_key": f"{account.crm}:{account.crm_id}" if account.crm_id else None,
        "churn_hazard": outcome.churn_hazard,
        "churned_at": _iso(world, outcome.churn_day) if outcome.churn_day else None,
        "subscribed": bool(outcome.subscriptions)})  # fmt: skip
    for opp in outcome.opportunities:
        chunk.truth["opportunities"].append({
            "external_key": opp.key, "account_ref": account.ref, "type": opp.type,
            "p_win": opp.p_win, "won": opp.won, "closed_by_as_of": opp.closed,
            "created_at": _iso(world, opp.created), "closes_at": _iso(world, opp.close_day),
            "latent": opp.latent})  # fmt: skip


def _crm(
    world: World,
    g: np.random.Generator,
    account: Account,
    people: list[Person],
    outcome: sales.AccountSales,
    chunk: Chunk,
) -> None:
    """What the CRM holds about the account: only accounts sales has worked."""
    if not account.in_crm:
        return
    if account.owner_email is None or account.crm_id is None:
        account.crm_id = (
            account.crm_id or f"{'00' if account.crm == 'hubspot' else '001'}{account.index:08d}"
        )
        account.owner_email = _pick(world.teams.get("sdr", []), account.ref)
    crm = account.crm
    chunk.crm["accounts"].append({
        "external_id": account.crm_id, "crm": crm, "name": account.name,
        "domain": f"https://www.{account.domain}", "industry": account.industry,
        "employees": account.employees, "annual_revenue": str(account.annual_revenue),
        "currency": "USD", "country": account.country,
        "tech_stack": ", ".join(account.tech_stack), "owner_email": account.owner_email,
    })  # fmt: skip
    champions = {d.champion.ref for d in outcome.opportunities if d.champion}
    form_people = {r["person"].ref for r in chunk.sink.records.get("form_leads", [])}
    for person in people:
        contact = (
            person.persona == "business"
            or person.ref in champions
            or person.ref in form_people
            or g.random() < 0.12
        )
        if contact and person.work_email:
            chunk.crm["contacts"].append(
                {
                    "external_id": f"c-{person.ref}",
                    "crm": crm,
                    "email": person.work_email,
                    "first_name": person.first,
                    "last_name": person.last,
                    "title": person.title,
                    "persona": person.persona,
                    "account_external_id": account.crm_id,
                    # The CRM last touched the record when the person first engaged.
                    "updated_at": _dt(world, min(person.start_day, HORIZON - 0.01)),
                }
            )
            person.account_evidence.add("crm")
            # The CRM knows this address even if the person never used it anywhere else.
            key = f"email:{normalise_email(person.work_email)}"
            chunk.truth["identities"].append({"key": key, "person_ref": person.ref})
    for opportunity in outcome.opportunities:
        _opportunity(world, g, account, opportunity, chunk)
    for lead in chunk.sink.records.get("form_leads", []):
        person = lead["person"]
        if person.account is not account:
            continue
        day = lead["day"]
        converted = next((d for d in outcome.opportunities if day <= d.created <= day + 90), None)
        age = HORIZON - day
        status = (
            "converted"
            if converted
            else ("working" if age < 30 else ("disqualified" if g.random() < 0.5 else "new"))
        )
        minutes = float(np.exp(g.normal(3.3, 1.1)))
        chunk.crm["leads"].append({
            "external_id": f"lead-{person.ref}", "crm": crm, "email": person.work_email,
            "name": person.name, "title": person.title, "account_domain": account.domain,
            "source": "form", "status": status,
            "owner_email": _pick(world.teams.get("sdr", []), person.ref),
            "created_at": _dt(world, day),
            "first_touch_at": _dt(world, min(HORIZON - 0.01, day + minutes / 1440)),
            "converted_opportunity_external_id": converted.key.split(":", 1)[1]
            if converted else None})  # fmt: skip


def _opportunity(
    world: World,
    g: np.random.Generator,
    account: Account,
    opportunity: sales.Opportunity,
    chunk: Chunk,
) -> None:
    crm, external = opportunity.key.split(":", 1)
    stage = opportunity.stage
    close = (
        opportunity.close_day
        if opportunity.closed
        else max(opportunity.expected_close, HORIZON + 5)
    )
    champion_email = opportunity.champion.work_email if opportunity.champion else None
    buyer_email = opportunity.economic_buyer.work_email if opportunity.economic_buyer else None
    chunk.crm["opportunities"].append({
        "external_id": external, "crm": crm, "account_external_id": account.crm_id,
        "name": f"{account.name} - {opportunity.type}", "type": opportunity.type, "stage": stage,
        "amount": str(opportunity.amount), "currency": "USD",
        "close_date": (world.start + timedelta(days=close)).date(),
        "owner_email": account.owner_email,
        "primary_contact_email": champion_email, "economic_buyer_email": buyer_email,
        "next_step": None if opportunity.closed else "Follow up on technical review",
        "use_case": "Customer-facing integrations" if len(opportunity.path) > 1 else None,
        "competitor": "In-house build" if opportunity.latent["competitor"] else None,
        "created_at": _dt(world, opportunity.created),
        "closed_at": _dt(world, opportunity.close_day) if opportunity.closed else None,
        "lost_reason": "No decision" if opportunity.closed and not opportunity.won else None,
        "stage_history": [{"stage": s, "changed_at": _dt(world, d)} for s, d in opportunity.path],
        "qualification_history": [
            {"element": c["element"], "score": c["score"], "changed_at": _dt(world, c["day"]),
             "evidence": c.get("evidence"), "user_email": account.owner_email}
            for c in sales.qualification_history(g, opportunity, world.settings)],
    })  # fmt: skip
    end = min(opportunity.close_day, HORIZON)
    n = int(
        g.poisson(0.12 * (end - opportunity.created) * (0.6 + opportunity.latent["economic_buyer"]))
    )
    contacts = [p for p in (opportunity.economic_buyer, opportunity.champion) if p and p.work_email]
    for i, day in enumerate(np.sort(g.uniform(opportunity.created, end, n)).tolist()):
        if not contacts:
            break
        person = contacts[int(g.integers(len(contacts)))]
        kind = ("meeting", "call", "email")[int(g.integers(3))]
        chunk.crm["conversations"].append({
            "external_id": f"{external}-{i}", "crm": crm, "account_external_id": account.crm_id,
            "opportunity_external_id": external, "person_email": person.work_email,
            "user_email": account.owner_email, "kind": kind,
            "subject": {"meeting": "Technical deep dive", "call": "Check-in",
                        "email": "Proposal follow-up"}[kind],
            "occurred_at": _dt(world, day)})  # fmt: skip
        if kind == "meeting" and person.work_email:
            chunk.sink.event(
                f"crm:{crm}",
                day,
                f"{external}-m{i}",
                "track",
                event="Meeting Held",
                email=person.work_email,
                properties={"opportunity": external},
            )


def _independent_subscription(people: list[Person]) -> list[sales.Subscription]:
    person = people[0]
    if "scale" not in person.stage_days or person.signup_email is None:
        return []
    return [
        sales.Subscription(
            key=f"sub_{person.ref.lower()}",
            customer=f"cus_{person.ref}",
            account=None,
            person=person,
            start=person.stage_days["scale"],
            plan="developer",
            unit_amount=2900,
            interval="month",
        )
    ]


def _stripe(world: World, sink: Sink, sub: sales.Subscription) -> None:
    """The Stripe events a subscription's life produces, in Stripe's payload shapes."""
    payer = sub.person
    if payer.signup_email is None and payer.work_email is None:
        return
    seq = iter(range(10_000))

    def event(kind: str, day: float, obj: dict[str, Any]) -> None:
        if day < HORIZON:
            sink.stripe.append(
                {
                    "id": f"evt_{sub.key}_{next(seq)}",
                    "object": "event",
                    "type": kind,
                    "created": _ts(world, day),
                    "data": {"object": obj},
                }
            )

    if not any(e["data"]["object"].get("id") == sub.customer for e in sink.stripe):
        metadata = {"domain": sub.account.domain} if sub.account else {}
        event(
            "customer.created",
            sub.start - 0.01,
            {
                "id": sub.customer,
                "object": "customer",
                "email": payer.signup_email or payer.work_email,
                "name": sub.account.name if sub.account else payer.name,
                "metadata": metadata,
            },
        )

    def body(status: str, plan: str, amount: int, day: float) -> dict[str, Any]:
        period = 365 if sub.interval == "year" else 30
        return {
            "id": sub.key,
            "object": "subscription",
            "customer": sub.customer,
            "status": status,
            "start_date": _ts(world, sub.start),
            "current_period_end": _ts(world, day + period),
            "canceled_at": _ts(world, day) if status == "canceled" else None,
            "items": {
                "data": [
                    {
                        "quantity": 1,
                        "price": {
                            "id": f"price_{plan}_{sub.interval}",
                            "nickname": plan,
                            "unit_amount": amount,
                            "currency": "usd",
                            "recurring": {"interval": sub.interval, "interval_count": 1},
                        },
                    }
                ]
            },
        }

    event(
        "customer.subscription.created",
        sub.start,
        body("active", sub.plan, sub.unit_amount, sub.start),
    )
    plan, amount = sub.plan, sub.unit_amount
    changes = sorted(sub.changes)
    period = 365.0 if sub.interval == "year" else 30.0
    day, n = sub.start, 0
    end = min(sub.canceled if sub.canceled is not None else HORIZON, HORIZON)
    while day < end:
        while changes and changes[0][0] <= day:
            _, plan, amount = changes.pop(0)
            event("customer.subscription.updated", day, body("active", plan, amount, day))
        event(
            "invoice.paid",
            day + 0.01,
            {
                "id": f"in_{sub.key}_{n}",
                "object": "invoice",
                "customer": sub.customer,
                "subscription": sub.key,
                "amount_due": amount,
                "amount_paid": amount,
                "currency": "usd",
                "status": "paid",
                "period_start": _ts(world, day),
                "period_end": _ts(world, day + period),
                "status_transitions": {"paid_at": _ts(world, day + 0.01)},
            },
        )
        day += period
        n += 1
    if sub.canceled is not None:
        event(
            "customer.subscription.deleted",
            sub.canceled,
            body("canceled", plan, amount, sub.canceled),
        )


def _feedback(world: World, chunk: Chunk, items: list[dict[str, Any]]) -> None:
    for item in items:
        item["created_at"] = _dt(world, item["created_at"])
    chunk.crm["feedback"].extend(items)


def _pick(options: list[str], key: str) -> str | None:
    return options[zlib.crc32(key.encode()) % len(options)] if options else None


def _dt(world: World, day: float) -> Any:
    return world.start + timedelta(days=day)


def _iso(world: World, day: float | None) -> str | None:
    return None if day is None else _dt(world, min(day, HORIZON)).isoformat()


def _ts(world: World, day: float) -> int:
    return int((world.start + timedelta(days=day)).timestamp())


__all__ = ["STAGES", "Chunk", "generate_chunk"]
