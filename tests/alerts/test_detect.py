"""Detection: each condition raised once, with the context a reader needs."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.audit import CLI
from devfunnel.alerts.destinations import add_destination
from devfunnel.alerts.detect import detect_alerts
from devfunnel.alerts.history import list_alerts
from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.admin import alert_deliveries, alerts
from tests.alerts.conftest import PUBLIC_URL
from tests.helpers.records import NOW, Seed


def payloads(store: Store, kind: str) -> list[dict[str, Any]]:
    return [a.payload for a in list_alerts(store, kind=kind)]


def test_a_new_pqa_is_raised_once_with_its_context(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    owner = seed.user("ines.ae@acme.dev", "Ines Ortega")
    acme = seed.account("Acme Inc", "acme.io", owner_id=owner)
    seed.scores(acme, pqa_since=NOW - timedelta(hours=2))
    report = detect_alerts(store, alert_settings, now=NOW)
    assert report.raised == {"became_pqa": 1}
    (alert,) = list_alerts(store)
    assert alert.kind == "became_pqa"
    assert alert.account_id == acme
    body = alert.payload
    assert body["title"] == "Acme Inc became a product-qualified account"
    assert body["account"] == {"id": str(acme), "name": "Acme Inc", "domain": "acme.io"}
    assert body["owner"] == {"id": str(owner), "name": "Ines Ortega", "email": "ines.ae@acme.dev"}
    assert body["why"] == ["api_usage (42%)", "sdk_installed (21%)"]
    assert body["link"] == f"{PUBLIC_URL}/accounts/{acme}"
    assert body["facts"]["grade"] == "A"
    assert body["facts"]["active_developers"] == 4
    # Running again (or from another worker) raises nothing new.
    assert detect_alerts(store, alert_settings, now=NOW + timedelta(minutes=5)).total == 0
    assert len(list_alerts(store)) == 1


def test_losing_and_regaining_pqa_is_a_new_occurrence(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    acme = seed.account("Acme Inc", "acme.io")
    seed.scores(acme, pqa_since=NOW - timedelta(hours=2))
    detect_alerts(store, alert_settings, now=NOW)
    seed.scores(acme, pqa=False, pqa_since=None)
    assert detect_alerts(store, alert_settings, now=NOW + timedelta(hours=1)).total == 0
    seed.scores(acme, pqa_since=NOW + timedelta(hours=2))
    assert detect_alerts(store, alert_settings, now=NOW + timedelta(hours=3)).total == 1
    assert len(payloads(store, "became_pqa")) == 2


def test_history_older_than_max_age_raises_nothing(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    old = NOW - timedelta(hours=alert_settings.alerts.max_age_hours + 1)
    acme = seed.account("Acme Inc", "acme.io")
    seed.scores(acme, pqa_since=old)
    seed.lead(acme, breached_at=old)
    seed.handoff(acme, due_at=old)
    assert detect_alerts(store, alert_settings, now=NOW).total == 0


def test_a_breached_lead_that_is_still_untouched(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    owner = seed.user("sam.sdr@acme.dev", "Sam Reed")
    acme = seed.account("Acme Inc", "acme.io")
    jane = seed.person(acme, "jane@acme.io", name="Jane Doe")
    lead = seed.lead(
        acme,
        person_id=jane,
        owner_id=owner,
        routed_by="round_robin:sdr",
        escalated_at=NOW - timedelta(minutes=30),
    )
    seed.lead(acme, owner_id=owner, first_touch_at=NOW - timedelta(minutes=10))  # touched late
    seed.lead(acme, owner_id=owner, status="disqualified")
    seed.lead(acme, owner_id=owner, breached_at=None)
    detect_alerts(store, alert_settings, now=NOW)
    (body,) = payloads(store, "lead_sla_breached")
    assert body["title"] == "Jane Doe at Acme Inc is waiting past the speed-to-lead SLA"
    assert body["owner"]["email"] == "sam.sdr@acme.dev"
    assert body["facts"]["lead_id"] == str(lead)
    assert body["facts"]["person"]["email"] == "jane@acme.io"
    assert body["why"][0] == (
        "The pql lead SLA (60 minutes) ran out at 2026-03-02 10:00 UTC with no first touch."
    )
    assert body["why"][1] == "Routed to Sam Reed by round_robin:sdr."
    assert body["why"][2] == "Escalated at 2026-03-02 11:30 UTC."


def test_a_handoff_waiting_past_due(store: Store, seed: Seed, alert_settings: Settings) -> None:
    sender = seed.user("dana.devrel@acme.dev", "Dana", role="devrel")
    receiver = seed.user("ines.ae@acme.dev", "Ines Ortega")
    acme = seed.account("Acme Inc", "acme.io")
    handoff = seed.handoff(acme, from_user_id=sender, to_user_id=receiver)
    seed.handoff(acme, to_user_id=receiver, due_at=NOW + timedelta(hours=1))  # not due yet
    seed.handoff(acme, to_user_id=receiver, state="accepted")
    detect_alerts(store, alert_settings, now=NOW)
    (body,) = payloads(store, "handoff_waiting")
    assert body["title"] == ("Acme Inc: DevRel to sales (warm account) handoff waiting past due")
    assert body["owner"]["email"] == "ines.ae@acme.dev"
    assert body["facts"]["handoff_id"] == str(handoff)
    assert body["facts"]["hours_waiting"] == 25.0
    assert body["why"][1] == "Packet 80% complete."


def quiet_deal(
    seed: Seed, *, developers_last: timedelta | None, deal_last: timedelta = timedelta(days=20)
) -> uuid.UUID:
    """An open deal last touched ``deal_last`` ago at an account whose developer was last
    active ``developers_last`` ago (None: never)."""
    owner = seed.user(f"ae{uuid.uuid4().hex[:6]}@acme.dev", "Ines Ortega")
    acme = seed.account(f"Acme {uuid.uuid4().hex[:4]}", None)
    deal = seed.opportunity(acme, owner_id=owner)
    seed.stage_change(deal, NOW - timedelta(days=50), "discovery")
    seed.conversation(acme, NOW - deal_last, deal)
    email = f"dev{uuid.uuid4().hex[:6]}@acme.io"
    seed.person(acme, email)
    buyer = f"buyer{uuid.uuid4().hex[:6]}@acme.io"
    seed.person(acme, buyer, persona="business")
    seed.events(buyer, [NOW - timedelta(days=1)])  # a buyer's activity is not the developers'
    if developers_last is not None:
        seed.events(email, [NOW - developers_last - timedelta(days=d) for d in (0, 1, 2)])
    return deal


def test_a_deal_quiet_while_its_developers_went_quiet(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    assert alert_settings.pipeline.quiet_after_days == 14
    # Quiet on both sides since 14 days and 6 hours ago: quiet for 6 hours now.
    gone = quiet_deal(seed, developers_last=timedelta(days=14, hours=6))
    quiet_deal(seed, developers_last=timedelta(days=3))  # developers still building
    quiet_deal(seed, developers_last=None)  # developers never active: nothing went quiet
    quiet_deal(seed, developers_last=timedelta(days=14, hours=6), deal_last=timedelta(days=5))
    detect_alerts(store, alert_settings, now=NOW)
    (body,) = payloads(store, "deal_quiet")
    assert body["facts"]["opportunity_id"] == str(gone)
    assert body["facts"]["developer_events_before"] == 3
    assert body["facts"]["stage"] == "Technical evaluation"
    assert body["facts"]["amount"] == "48,000.00 USD"
    assert body["owner"]["name"] == "Ines Ortega"
    assert body["why"] == [
        "No conversation or stage change since 2026-02-10 (20 days).",
        "Its developers went quiet too: 3 events in the 14 days up to 2026-02-16, none since.",
    ]
    assert detect_alerts(store, alert_settings, now=NOW + timedelta(hours=1)).total == 0


def test_a_deal_that_comes_back_and_goes_quiet_again_is_new(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    deal = quiet_deal(seed, developers_last=timedelta(days=14, hours=6))
    detect_alerts(store, alert_settings, now=NOW)
    with store.read() as conn:
        account = conn.execute(
            sa.text("SELECT account_id FROM opportunities WHERE id = :i"), {"i": deal}
        ).scalar_one()
    seed.conversation(account, NOW + timedelta(days=1), deal)
    later = NOW + timedelta(days=16)
    assert detect_alerts(store, alert_settings, now=later).raised == {"deal_quiet": 1}


def test_each_alert_is_queued_for_the_destinations_that_want_it(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    everything = add_destination(
        store, CLI, name="all", kind="slack", url="https://hooks.slack.com/services/T/B/x"
    )
    leads_only = add_destination(
        store,
        CLI,
        name="leads",
        kind="webhook",
        url="https://crm.acme.dev/hook",
        secret="s" * 20,
        alert_kinds=["lead_sla_breached"],
    )
    acme = seed.account("Acme Inc", "acme.io")
    seed.scores(acme)
    seed.lead(acme)
    report = detect_alerts(store, alert_settings, now=NOW)
    assert report.total == 2
    assert report.deliveries == 3
    with store.read() as conn:
        rows = conn.execute(
            sa.select(
                alerts.c.kind,
                alert_deliveries.c.destination_id,
                alert_deliveries.c.status,
                alert_deliveries.c.next_attempt_at,
            ).join(alerts, alerts.c.id == alert_deliveries.c.alert_id)
        ).all()
    assert sorted((r.kind, r.destination_id == everything.id) for r in rows) == [
        ("became_pqa", True),
        ("lead_sla_breached", False),
        ("lead_sla_breached", True),
    ]
    assert {r.status for r in rows} == {"pending"}
    assert {r.next_attempt_at for r in rows} == {NOW}
    assert leads_only.alert_kinds == ["lead_sla_breached"]
