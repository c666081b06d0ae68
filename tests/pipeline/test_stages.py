"""Stage moves under exit criteria: refusals listing what is missing, admin overrides
stored and audited, closing with an outcome, and the history of every move."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict, Forbidden, ValidationError
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.opportunities import create_opportunity, update_opportunity
from devfunnel.pipeline.opportunity_records import get_opportunity
from devfunnel.pipeline.stages import move_opportunity
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import handoffs, opportunity_changes, stage_history
from tests.pipeline.seed import (
    T0,
    add_account,
    add_people,
    as_user,
    qualify,
    validate_technically,
)


@pytest.fixture
def opp(team_store: Store, settings: Settings) -> uuid.UUID:
    add_account(team_store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
    add_people(team_store, settings, {"email": "jane@acme.io", "account_domain": "acme.io"})
    return create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="Acme API",
        owner="erin.ae@acme.dev",
        now=T0,
    ).id


def missing(exc: pytest.ExceptionInfo[Conflict]) -> list[tuple[str, str, object, object]]:
    return [
        (m["criterion"], m["name"], m["required"], m["actual"])
        for m in exc.value.context["missing"]
    ]


def test_a_forward_move_short_of_its_criteria_is_refused_with_what_is_missing(
    team_store: Store, settings: Settings, opp: uuid.UUID
) -> None:
    erin = as_user(team_store, "erin.ae@acme.dev")
    qualify(team_store, opp, identify_pain=1)
    with pytest.raises(Conflict) as refused:
        move_opportunity(team_store, settings, opp, "technical_evaluation", erin, now=T0)
    assert missing(refused) == [
        ("required_field", "amount", "set", None),
        ("required_field", "primary_contact", "set", None),
        ("min_qualification", "metrics", 1, 0),
    ]
    assert "set amount (required to leave discovery)" in refused.value.detail
    assert "qualify metrics to at least 1 (partial); it is 0 (unknown)" in refused.value.detail
    assert get_opportunity(team_store, settings, opp).opportunity.stage == "discovery"

    update_opportunity(
        team_store,
        settings,
        opp,
        erin,
        {"amount": "5000", "primary_contact": "jane@acme.io"},
        now=T0,
    )
    qualify(team_store, opp, metrics=1)
    moved = move_opportunity(
        team_store, settings, opp, "technical_evaluation", erin, now=T0 + timedelta(days=2)
    )
    assert (moved.from_stage, moved.to_stage, moved.overridden) == (
        "discovery",
        "technical_evaluation",
        False,
    )
    history = get_opportunity(team_store, settings, opp).stage_history
    assert [(h.from_stage, h.to_stage, h.changed_at) for h in history] == [
        (None, "discovery", T0),
        ("discovery", "technical_evaluation", T0 + timedelta(days=2)),
    ]
    assert history[-1].changed_by == erin.user_id
    assert history[-1].override_reason is None


def test_skipping_stages_needs_the_skipped_criteria_too(
    team_store: Store, settings: Settings, opp: uuid.UUID
) -> None:
    update_opportunity(
        team_store,
        settings,
        opp,
        OPERATOR,
        {"amount": "5000", "primary_contact": "jane@acme.io"},
        now=T0,
    )
    qualify(team_store, opp, metrics=1, identify_pain=2, champion=1)
    account = get_opportunity(team_store, settings, opp).opportunity.account_id
    validate_technically(team_store, account, 40.0)
    with pytest.raises(Conflict) as refused:
        move_opportunity(team_store, settings, opp, "business_case", OPERATOR, now=T0)
    assert missing(refused) == [
        ("required_field", "use_case", "set", None),
        ("min_qualification", "decision_criteria", 1, 0),
        ("min_technical_fit", "technical_fit", 50.0, 40.0),
    ]
    assert all(m["stage"] == "technical_evaluation" for m in refused.value.context["missing"])
    # A validation of this opportunity counts before the account's general one.
    validate_technically(team_store, account, 80.0, opportunity_id=opp, at=T0 - timedelta(days=9))
    qualify(team_store, opp, decision_criteria=1)
    update_opportunity(team_store, settings, opp, OPERATOR, {"use_case": "Webhooks"})
    assert (
        move_opportunity(team_store, settings, opp, "business_case", OPERATOR, now=T0).to_stage
        == "business_case"
    )


def test_only_an_admin_overrides_and_the_override_is_stored_and_audited(
    team_store: Store, settings: Settings, opp: uuid.UUID
) -> None:
    erin = as_user(team_store, "erin.ae@acme.dev")
    with pytest.raises(Forbidden, match="only admins manage overrides of exit criteria"):
        move_opportunity(
            team_store,
            settings,
            opp,
            "technical_evaluation",
            erin,
            override_reason="trust me",
            now=T0,
        )
    admin = as_user(team_store, "ada.admin@acme.dev")
    with pytest.raises(ValidationError, match="override_reason must say why"):
        move_opportunity(
            team_store, settings, opp, "technical_evaluation", admin, override_reason="  ", now=T0
        )
    moved = move_opportunity(
        team_store,
        settings,
        opp,
        "technical_evaluation",
        admin,
        override_reason="Signed pilot; CRM lagging",
        now=T0,
    )
    assert moved.overridden
    assert [u.name for u in moved.unmet] == [
        "amount",
        "primary_contact",
        "identify_pain",
        "metrics",
    ]
    with team_store.read() as conn:
        row = conn.execute(
            sa.select(stage_history).where(stage_history.c.to_stage == "technical_evaluation")
        ).one()
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "opportunity.gate_override")
        ).one()
    assert row.override_reason == "Signed pilot; CRM lagging"
    assert [u["name"] for u in row.unmet_criteria] == [
        "amount",
        "primary_contact",
        "identify_pain",
        "metrics",
    ]
    assert (entry.actor_kind, entry.actor_id, entry.reason) == (
        "user",
        admin.user_id,
        "Signed pilot; CRM lagging",
    )
    assert entry.entity_id == opp
    assert len(entry.after["unmet_criteria"]) == 4


def test_backward_moves_and_losses_are_not_gated_and_loss_needs_a_reason(
    team_store: Store, settings: Settings, opp: uuid.UUID
) -> None:
    move_opportunity(
        team_store, settings, opp, "negotiation", OPERATOR, override_reason="imported late", now=T0
    )
    back = move_opportunity(team_store, settings, opp, "technical_evaluation", OPERATOR, now=T0)
    assert not back.overridden
    with pytest.raises(ValidationError, match="lost_reason is required to move to closed_lost"):
        move_opportunity(team_store, settings, opp, "closed_lost", OPERATOR, now=T0)
    lost = move_opportunity(
        team_store,
        settings,
        opp,
        "closed_lost",
        OPERATOR,
        lost_reason="Chose to build in-house",
        now=T0 + timedelta(days=1),
    )
    view = lost.opportunity
    assert (view.status, view.closed_at, view.lost_reason) == (
        "lost",
        T0 + timedelta(days=1),
        "Chose to build in-house",
    )
    with pytest.raises(Conflict, match=r"is closed .*reopen it"):
        move_opportunity(team_store, settings, opp, "closed_won", OPERATOR, now=T0)
    reopened = move_opportunity(team_store, settings, opp, "discovery", OPERATOR, now=T0)
    assert (reopened.opportunity.status, reopened.opportunity.closed_at) == ("open", None)
    assert reopened.opportunity.lost_reason is None


def test_unknown_stage_and_same_stage(
    team_store: Store, settings: Settings, opp: uuid.UUID
) -> None:
    with pytest.raises(
        ValidationError,
        match="unknown stage 'won'; valid stages: discovery, "
        "technical_evaluation, business_case, negotiation, closed_won, "
        "closed_lost",
    ) as bad:
        move_opportunity(team_store, settings, opp, "won", OPERATOR)
    assert bad.value.context["valid"][-1] == "closed_lost"
    with pytest.raises(Conflict, match="already in discovery"):
        move_opportunity(team_store, settings, opp, "discovery", OPERATOR)


def test_winning_closes_clears_overrides_and_starts_onboarding(
    team_store: Store, settings: Settings, opp: uuid.UUID
) -> None:
    update_opportunity(
        team_store,
        settings,
        opp,
        OPERATOR,
        {"probability": 0.8, "forecast_category": "commit", "commitments": ["SSO before go-live"]},
        now=T0,
    )
    won = move_opportunity(
        team_store,
        settings,
        opp,
        "closed_won",
        OPERATOR,
        override_reason="closed in the CRM",
        now=T0 + timedelta(hours=1),
    )
    view = won.opportunity
    assert (view.status, view.closed_at) == ("won", T0 + timedelta(hours=1))
    assert (view.probability, view.forecast_category) == (1.0, "closed")
    assert view.probability_override is None
    with team_store.read() as conn:
        cleared = {
            (r.field, r.new_value)
            for r in conn.execute(
                sa.select(opportunity_changes).where(
                    opportunity_changes.c.changed_at == T0 + timedelta(hours=1)
                )
            )
        }
        handoff = conn.execute(sa.select(handoffs)).one()
    assert cleared == {("probability", None), ("forecast_category", None)}
    assert won.handoff_id == handoff.id
    assert (handoff.kind, handoff.trigger, handoff.state) == (
        "sales_to_onboarding",
        "won",
        "pending",
    )
    assert handoff.to_team == "customer_success"
