"""Speed-to-lead: the clock per source from routing, first touches from conversations or
by hand, breaches and escalations with fixed clocks, and compliance per group."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict, Forbidden, ValidationError
from devfunnel.ingest.records.leads import import_leads
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.lead_records import get_lead
from devfunnel.pipeline.leads import create_lead, touch_lead
from devfunnel.pipeline.sla import check_slas, sla_compliance
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from tests.pipeline.seed import T0, add_account, as_user, converse, user_id

MINUTE = timedelta(minutes=1)


def form_lead(store: Store, settings: Settings, email: str) -> uuid.UUID:
    """A form lead routed at T0 (form SLA: 15 minutes)."""
    outcome = create_lead(store, settings, OPERATOR, source="form", email=email, now=T0)
    assert outcome.lead is not None
    assert outcome.lead.owner_email is not None
    return outcome.lead.id


def test_the_clock_starts_at_routing_and_a_conversation_is_the_first_touch(
    team_store: Store, settings: Settings
) -> None:
    add_account(team_store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
    lead = form_lead(team_store, settings, "jane@acme.io")
    view = get_lead(team_store, lead)
    assert (view.owner_email, view.routed_at, view.sla_due_at) == (
        "erin.ae@acme.dev",
        T0,
        T0 + 15 * MINUTE,
    )
    converse(
        team_store,
        settings,
        # Before routing, by someone else, and a note: none is a touch.
        {
            "account_domain": "acme.io",
            "user_email": "erin.ae@acme.dev",
            "kind": "call",
            "occurred_at": T0 - MINUTE,
        },
        {
            "account_domain": "acme.io",
            "user_email": "omar.ae@acme.dev",
            "kind": "call",
            "occurred_at": T0 + MINUTE,
        },
        {
            "account_domain": "acme.io",
            "user_email": "erin.ae@acme.dev",
            "kind": "note",
            "occurred_at": T0 + 2 * MINUTE,
        },
        {
            "account_domain": "acme.io",
            "user_email": "erin.ae@acme.dev",
            "kind": "email",
            "occurred_at": T0 + 9 * MINUTE,
        },
    )
    report = check_slas(team_store, settings, now=T0 + 20 * MINUTE)
    assert (report.touches, report.breaches, report.escalations) == (1, 0, 0)
    view = get_lead(team_store, lead)
    assert (view.first_touch_at, view.breached_at) == (T0 + 9 * MINUTE, None)


def test_breach_then_escalation_to_the_team_manager(team_store: Store, settings: Settings) -> None:
    lead = form_lead(team_store, settings, "dev@gmail.com")
    due = T0 + 15 * MINUTE
    assert check_slas(team_store, settings, now=due - MINUTE).breaches == 0
    assert check_slas(team_store, settings, now=due).breaches == 1
    assert get_lead(team_store, lead).breached_at == due
    # Escalation waits routing.escalate_after_minutes (30) after the breach.
    assert check_slas(team_store, settings, now=due + 29 * MINUTE).escalations == 0
    assert check_slas(team_store, settings, now=due + 30 * MINUTE).escalations == 1
    assert check_slas(team_store, settings, now=due + 90 * MINUTE).escalations == 0
    view = get_lead(team_store, lead)
    assert view.escalated_at == due + 30 * MINUTE
    with team_store.read() as conn:
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "lead.escalate")
        ).one()
        escalated_to = conn.execute(sa.text("SELECT escalated_to FROM leads")).scalar_one()
    assert escalated_to == user_id(team_store, "maria.sales@acme.dev")
    assert entry.after == {
        "escalated_to": "maria.sales@acme.dev",
        "team": "sdr",
        "breached_at": due.isoformat(),
    }
    assert "escalated to maria.sales@acme.dev" in entry.reason


def test_a_late_touch_is_a_breach_without_escalation(team_store: Store, settings: Settings) -> None:
    lead = form_lead(team_store, settings, "dev@gmail.com")
    owner = get_lead(team_store, lead).owner_email
    assert owner is not None
    touch_lead(team_store, lead, as_user(team_store, owner), now=T0 + 20 * MINUTE)
    report = check_slas(team_store, settings, now=T0 + 2 * 60 * MINUTE)
    assert (report.breaches, report.escalations) == (1, 0)
    view = get_lead(team_store, lead)
    assert (view.status, view.breached_at) == ("working", T0 + 15 * MINUTE)


def test_a_touch_needs_a_routed_lead_and_its_owner(team_store: Store, settings: Settings) -> None:
    unrouted = create_lead(
        team_store, settings, OPERATOR, source="manual", email="x@gmail.com", route=False, now=T0
    ).lead
    assert unrouted is not None
    with pytest.raises(Conflict, match="has no owner yet; route it first"):
        touch_lead(team_store, unrouted.id, OPERATOR, now=T0)
    lead = form_lead(team_store, settings, "dev@gmail.com")
    with pytest.raises(Forbidden, match="only their own records"):
        touch_lead(team_store, lead, as_user(team_store, "omar.ae@acme.dev"), now=T0)
    touched = touch_lead(team_store, lead, OPERATOR, now=T0 + MINUTE)
    assert touched.first_touch_at == T0 + MINUTE
    # The earliest touch counts.
    assert touch_lead(team_store, lead, OPERATOR, now=T0 + 9 * MINUTE).first_touch_at == (
        T0 + MINUTE
    )


def test_imported_leads_get_their_clock_and_compliance_is_per_group(
    team_store: Store, settings: Settings
) -> None:
    add_account(team_store, settings, "Acme", "acme.io")
    result = import_leads(
        team_store,
        settings,
        [
            {
                "external_id": "L1",
                "email": "a@acme.io",
                "source": "form",
                "owner_email": "sam.sdr@acme.dev",
                "created_at": T0,
                "first_touch_at": T0 + 10 * MINUTE,
            },
            {
                "external_id": "L2",
                "email": "b@acme.io",
                "source": "form",
                "status": "working",
                "owner_email": "ana.sdr@acme.dev",
                "created_at": T0,
                "first_touch_at": T0 + 40 * MINUTE,
            },
            {
                "external_id": "L3",
                "email": "c@acme.io",
                "source": "referral",
                "owner_email": "ana.sdr@acme.dev",
                "created_at": T0,
            },
        ],
    )
    assert not result.errors
    form_lead(team_store, settings, "new@gmail.com")  # routed at T0, due T0 + 15 minutes
    now = T0 + 60 * MINUTE
    report = check_slas(team_store, settings, now=now)
    assert (report.clocks_started, report.breaches) == (3, 2)
    overall, by_source = sla_compliance(team_store, settings, by="source", now=now)
    assert (overall.leads, overall.met, overall.breached, overall.pending) == (4, 1, 2, 1)
    assert overall.rate == pytest.approx(1 / 3)
    assert {(g.group, g.met, g.breached, g.pending) for g in by_source} == {
        ("form", 1, 2, 0),
        ("referral", 0, 0, 1),
    }
    _, by_person = sla_compliance(team_store, settings, by="person", now=now)
    rates = {g.group: g.rate for g in by_person}
    assert rates["sam.sdr@acme.dev"] == 0.5  # L1 in time; the new form lead breached
    assert rates["ana.sdr@acme.dev"] == 0.0
    _, by_team = sla_compliance(team_store, settings, by="team", now=now)
    assert [(g.group, g.leads) for g in by_team] == [("sdr", 4)]
    with pytest.raises(ValidationError, match="by must be source, team or person"):
        sla_compliance(team_store, settings, by="week")
