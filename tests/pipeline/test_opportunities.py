"""Creating, changing, listing and reading opportunities, with change tracking, audit
and errors that say what to fix."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.leads import create_lead
from devfunnel.pipeline.opportunities import create_opportunity, update_opportunity
from devfunnel.pipeline.opportunity_records import get_opportunity, list_opportunities
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import leads, opportunity_changes, stage_history
from tests.pipeline.seed import T0, add_account, add_people, as_user


@pytest.fixture
def acme(team_store: Store, settings: Settings) -> uuid.UUID:
    account = add_account(
        team_store,
        settings,
        "Acme",
        "acme.io",
        owner="erin.ae@acme.dev",
        employees=900,
        region="NA",
    )
    add_people(
        team_store,
        settings,
        {"email": "jane@acme.io", "name": "Jane Doe", "account_domain": "acme.io"},
    )
    return account


def test_create_starts_in_the_first_stage_with_history_and_audit(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    opp = create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="Acme API",
        amount=Decimal("24000"),
        owner="erin.ae@acme.dev",
        primary_contact="jane@acme.io",
        now=T0,
    )
    assert (opp.stage, opp.status, opp.type) == ("discovery", "open", "new")
    assert opp.account_id == acme
    assert opp.amount == Decimal("24000.00")
    assert opp.amount_minor == 2_400_000
    assert opp.owner_email == "erin.ae@acme.dev"
    assert (opp.probability, opp.forecast_category) == (0.10, "pipeline")
    with team_store.read() as conn:
        history = conn.execute(sa.select(stage_history)).one()
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "opportunity.create")
        ).one()
    assert (history.from_stage, history.to_stage, history.changed_at) == (None, "discovery", T0)
    assert entry.entity_id == opp.id
    assert entry.actor_kind == "cli"


def test_bad_input_is_refused_naming_what_to_fix(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    def create(**kw: object) -> object:
        fields: dict[str, object] = {"account": "acme.io", "name": "X", **kw}
        return create_opportunity(team_store, settings, OPERATOR, now=T0, **fields)  # type: ignore[arg-type]

    with pytest.raises(ValidationError, match=r"owner: no devfunnel user 'nobody@acme\.dev'") as e:
        create(owner="nobody@acme.dev")
    assert e.value.context["field"] == "owner"
    with pytest.raises(
        ValidationError,
        match="unknown stage 'qualified'; valid stages: "
        "discovery, technical_evaluation, business_case, negotiation, "
        "closed_won, closed_lost",
    ):
        create(stage="qualified")
    with pytest.raises(ValidationError, match="starts in an open stage"):
        create(stage="closed_won")
    with pytest.raises(ValidationError, match="type: unknown type 'upsell'"):
        create(type="upsell")
    with pytest.raises(ValidationError, match=r"primary_contact: no person 'ghost@acme\.io'"):
        create(primary_contact="ghost@acme.io")
    with pytest.raises(ValidationError, match="forecast_category: unknown category 'maybe'"):
        create(forecast_category="maybe")
    with pytest.raises(ValidationError, match="probability must be between 0 and 1"):
        create(probability=1.5)
    with pytest.raises(ValidationError, match="close_date: 'soon' is not a date"):
        create(close_date="soon")
    with pytest.raises(NotFound, match=r"account: no account 'nowhere\.io'"):
        create(account="nowhere.io")


def test_a_later_starting_stage_passes_the_earlier_gates(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    with pytest.raises(Conflict, match="cannot create in technical_evaluation") as refused:
        create_opportunity(
            team_store,
            settings,
            OPERATOR,
            account="acme.io",
            name="X",
            stage="technical_evaluation",
            amount="10",
            now=T0,
        )
    assert [m["name"] for m in refused.value.context["missing"]] == [
        "primary_contact",
        "identify_pain",
        "metrics",
    ]
    opp = create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="X",
        stage="technical_evaluation",
        override_reason="migrated from CRM",
        now=T0,
    )
    assert opp.stage == "technical_evaluation"


def test_updates_track_changes_and_are_audited(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    opp = create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="Acme API",
        amount="1000",
        owner="erin.ae@acme.dev",
        now=T0,
    )
    later = T0 + timedelta(days=1)
    changed = update_opportunity(
        team_store,
        settings,
        opp.id,
        OPERATOR,
        {
            "amount": "1500.50",
            "close_date": "2026-09-30",
            "owner": "omar.ae@acme.dev",
            "forecast_category": "best_case",
            "probability": 0.3,
            "next_step": "Security review",
            "commitments": ["SSO by launch", "  "],
        },
        now=later,
    )
    assert changed.amount == Decimal("1500.50")
    assert changed.close_date == date(2026, 9, 30)
    assert changed.owner_email == "omar.ae@acme.dev"
    assert (changed.forecast_category, changed.forecast_category_override) == (
        "best_case",
        "best_case",
    )
    assert changed.probability == 0.3
    assert changed.commitments == ["SSO by launch"]
    with team_store.read() as conn:
        rows = conn.execute(sa.select(opportunity_changes).order_by(opportunity_changes.c.field))
        tracked = {(r.field, r.old_value, r.new_value) for r in rows}
        audits = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "opportunity.update")
        ).all()
    assert tracked == {
        ("amount", "1000.00 USD", "1500.50 USD"),
        ("close_date", None, "2026-09-30"),
        ("owner", "erin.ae@acme.dev", "omar.ae@acme.dev"),
        ("forecast_category", None, "best_case"),
        ("probability", None, "0.3"),
    }
    assert len(audits) == 1
    assert audits[0].before["next_step"] is None
    assert audits[0].after["next_step"] == "Security review"
    # Nothing changed: nothing recorded.
    update_opportunity(team_store, settings, opp.id, OPERATOR, {"probability": 0.3}, now=later)
    with team_store.read() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(opportunity_changes))
        assert count.scalar_one() == 5
    with pytest.raises(ValidationError, match="stage changes only by a stage move"):
        update_opportunity(team_store, settings, opp.id, OPERATOR, {"stage": "negotiation"})
    with pytest.raises(ValidationError, match="unknown field 'colour'; updatable fields"):
        update_opportunity(team_store, settings, opp.id, OPERATOR, {"colour": "red"})
    with pytest.raises(NotFound, match="no opportunity with id"):
        update_opportunity(team_store, settings, uuid.uuid4(), OPERATOR, {"name": "Y"})


def test_sellers_change_their_own_opportunities_only(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    opp = create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="Acme API",
        owner="erin.ae@acme.dev",
        now=T0,
    )
    erin, omar = as_user(team_store, "erin.ae@acme.dev"), as_user(team_store, "omar.ae@acme.dev")
    assert update_opportunity(team_store, settings, opp.id, erin, {"next_step": "Demo"}).next_step
    with pytest.raises(Forbidden, match="only their own records"):
        update_opportunity(team_store, settings, opp.id, omar, {"next_step": "Mine now"})
    viewer = as_user(team_store, "vic.viewer@acme.dev")
    with pytest.raises(Forbidden, match="a viewer may not change"):
        update_opportunity(team_store, settings, opp.id, viewer, {"next_step": "x"})


def test_list_filters_and_pages(team_store: Store, settings: Settings, acme: uuid.UUID) -> None:
    for i, owner in enumerate(["erin.ae@acme.dev", "omar.ae@acme.dev", "erin.ae@acme.dev"]):
        create_opportunity(
            team_store,
            settings,
            OPERATOR,
            account="acme.io",
            name=f"O{i}",
            owner=owner,
            type="expansion" if i == 2 else "new",
            now=T0 + timedelta(minutes=i),
        )
    page = list_opportunities(team_store, settings, owner="erin.ae@acme.dev", limit=1)
    assert (page.total, page.next_offset, [o.name for o in page.items]) == (2, 1, ["O2"])
    assert [o.name for o in list_opportunities(team_store, settings, type="new").items] == [
        "O1",
        "O0",
    ]
    assert list_opportunities(team_store, settings, status="won").total == 0
    assert list_opportunities(team_store, settings, stage="discovery", status="open").total == 3
    with pytest.raises(ValidationError, match="unknown stage 'nope'"):
        list_opportunities(team_store, settings, stage="nope")
    with pytest.raises(ValidationError, match="unknown status 'closed'"):
        list_opportunities(team_store, settings, status="closed")
    with pytest.raises(ValidationError, match="limit must be between 1 and 500"):
        list_opportunities(team_store, settings, limit=0)


def test_detail_shows_history_changes_and_the_next_gate(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    opp = create_opportunity(
        team_store, settings, OPERATOR, account="acme.io", name="Acme API", amount="100", now=T0
    )
    detail = get_opportunity(team_store, settings, opp.id)
    assert [m.to_stage for m in detail.stage_history] == ["discovery"]
    assert detail.gate.next_stage == "technical_evaluation"
    assert not detail.gate.ready
    assert [u.name for u in detail.gate.missing] == ["primary_contact", "identify_pain", "metrics"]


def test_an_opportunity_from_a_lead_converts_it(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    lead = create_lead(
        team_store, settings, OPERATOR, source="manual", email="jane@acme.io", now=T0
    ).lead
    assert lead is not None
    opp = create_opportunity(
        team_store, settings, OPERATOR, account="acme.io", name="From lead", lead_id=lead.id, now=T0
    )
    with team_store.read() as conn:
        row = conn.execute(sa.select(leads).where(leads.c.id == lead.id)).one()
    assert (row.status, row.converted_opportunity_id) == ("converted", opp.id)
    assert opp.lead_id == lead.id
