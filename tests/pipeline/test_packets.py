"""Handoff packets are assembled from the data: developers and what they built, journey,
momentum and its why, technical validation, qualification, business case, commitments,
risks and conversations; completeness is the share of required sections present."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.handoffs import create_handoff
from devfunnel.pipeline.opportunities import create_opportunity
from devfunnel.pipeline.opportunity_records import get_opportunity
from devfunnel.pipeline.packet_developers import built, built_for, developer_side, developers
from devfunnel.pipeline.stages import move_opportunity
from devfunnel.store import Store
from devfunnel.store.schema.scores import journey_transitions
from tests.pipeline.seed import (
    T0,
    add_account,
    add_people,
    converse,
    qualify,
    score_account,
    score_person,
    track,
    validate_technically,
)

DAY = timedelta(days=1)


@pytest.fixture
def acme(team_store: Store, settings: Settings) -> uuid.UUID:
    """Acme, owned by Erin: Jane builds (SDK, Slack integration, API usage and errors),
    Leo went quiet, Bob is the buyer; a won-ready opportunity with MEDDPICC evidence."""
    account = add_account(
        team_store,
        settings,
        "Acme",
        "acme.io",
        owner="erin.ae@acme.dev",
        employees=900,
        industry="Software",
        region="NA",
        tech_stack="python, go",
    )
    jane, _leo, bob = add_people(
        team_store,
        settings,
        {
            "email": "jane@acme.io",
            "name": "Jane Doe",
            "account_domain": "acme.io",
            "persona": "developer",
        },
        {
            "email": "leo@acme.io",
            "name": "Leo Quiet",
            "account_domain": "acme.io",
            "persona": "developer",
        },
        {
            "email": "bob@acme.io",
            "name": "Bob Buyer",
            "account_domain": "acme.io",
            "persona": "business",
            "title": "CFO",
        },
    )
    track(
        team_store,
        settings,
        "jane@acme.io",
        ("First API Call", {}, T0 - 40 * DAY),
        ("SDK Installed", {"language": "python"}, T0 - 39 * DAY),
        ("Integration Enabled", {"integration": "Slack"}, T0 - 20 * DAY),
        ("API Usage", {"calls": 5000}, T0 - 3 * DAY),
        ("API Usage", {"calls": 7000}, T0 - 2 * DAY),
        ("API Usage", {"calls": 999}, T0 - 60 * DAY),
        ("API Error", {"count": 12}, T0 - 1 * DAY),
    )
    track(team_store, settings, "leo@acme.io", ("SDK Installed", {"language": "go"}, T0 - 90 * DAY))
    score_person(team_store, jane, engagement=81.0)
    score_account(team_store, account, momentum=77.0, fit=21.0)
    with team_store.transaction() as conn:
        conn.execute(
            journey_transitions.insert(),
            [
                {
                    "subject_kind": "account",
                    "subject_id": account,
                    "stage": "learn",
                    "reached_at": T0 - 40 * DAY,
                    "milestone": "first_api_call",
                },
                {
                    "subject_kind": "account",
                    "subject_id": account,
                    "stage": "build",
                    "reached_at": T0 - 10 * DAY,
                    "milestone": "sustained_usage",
                },
            ],
        )
    opp = create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="Acme platform",
        amount="48000",
        owner="erin.ae@acme.dev",
        primary_contact="jane@acme.io",
        economic_buyer=str(bob),
        use_case="Order webhooks",
        competitor="In-house build",
        commitments=["SSO before go-live"],
        now=T0 - 30 * DAY,
    ).id
    qualify(team_store, opp, metrics=2, identify_pain=2, champion=1, budget=1)
    validate_technically(team_store, account, 82.0, opportunity_id=opp)
    move_opportunity(team_store, settings, opp, "technical_evaluation", OPERATOR, now=T0 - 20 * DAY)
    converse(
        team_store,
        settings,
        {
            "account_domain": "acme.io",
            "person_email": "bob@acme.io",
            "user_email": "erin.ae@acme.dev",
            "kind": "meeting",
            "subject": "Business review",
            "occurred_at": T0 - 5 * DAY,
        },
        {
            "account_domain": "acme.io",
            "user_email": "erin.ae@acme.dev",
            "kind": "note",
            "subject": "Commitment: onboarding",
            "body": "Dedicated onboarding engineer",
            "occurred_at": T0 - 4 * DAY,
        },
    )
    return opp


def test_an_onboarding_packet_is_complete_and_built_from_the_data(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    handoff = create_handoff(
        team_store, settings, OPERATOR, kind="sales_to_onboarding", opportunity=acme, now=T0
    )
    assert handoff.to_email == "carl.success@acme.dev"
    assert handoff.completeness == 1.0
    assert handoff.missing == []
    packet = handoff.packet
    assert packet is not None
    sections = packet["sections"]
    assert list(sections) == [
        "developers",
        "built",
        "technical_validation",
        "meddpicc",
        "business_case",
        "commitments",
        "risks",
        "conversation_history",
        "subscription",
    ]
    assert [d["name"] for d in sections["developers"]] == ["Jane Doe", "Leo Quiet"]
    assert sections["developers"][0]["engagement"] == 81.0
    built = {b["activity"]: b for b in sections["built"]}
    assert set(built) == {"first_api_call", "sdk_installed", "integration_enabled", "api_usage"}
    assert built["sdk_installed"]["named"] == {"language": ["go", "python"]}
    assert built["sdk_installed"]["developers"] == 2
    assert built["integration_enabled"]["named"] == {"integration": ["Slack"]}
    # Only the last 30 days count toward volume.
    assert built["api_usage"]["volume_30d"] == 12000
    assert sections["technical_validation"]["technical_fit"] == 82.0
    meddpicc = {e["element"]: e["score"] for e in sections["meddpicc"]}
    assert meddpicc["metrics"] == 2
    assert meddpicc["economic_buyer"] == 0
    case = sections["business_case"]
    assert (case["use_case"], case["amount"], case["metrics"]) == (
        "Order webhooks",
        48000.0,
        "metrics evidence",
    )
    assert case["economic_buyer"]["title"] == "CFO"
    assert [c["text"] for c in sections["commitments"]] == [
        "SSO before go-live",
        "Dedicated onboarding engineer",
    ]
    risks = {r["kind"]: r for r in sections["risks"]}
    assert set(risks) == {"quiet_developers", "api_errors", "missing_exit_criteria", "competitor"}
    assert "Leo Quiet" in risks["quiet_developers"]["detail"]
    assert "Jane Doe" not in risks["quiet_developers"]["detail"]
    assert "qualify decision_criteria" in risks["missing_exit_criteria"]["detail"]
    assert risks["api_errors"]["count"] == 12
    assert [c["subject"] for c in sections["conversation_history"]] == [
        "Commitment: onboarding",
        "Business review",
    ]
    assert sections["subscription"] == []


def test_a_devrel_packet_without_scores_is_partial(team_store: Store, settings: Settings) -> None:
    add_account(team_store, settings, "Fresh", "fresh.io", owner="sam.sdr@acme.dev")
    add_people(team_store, settings, {"email": "dev@fresh.io", "account_domain": "fresh.io"})
    track(team_store, settings, "dev@fresh.io", ("First API Call", {}, T0 - DAY))
    handoff = create_handoff(
        team_store, settings, OPERATOR, kind="devrel_to_sales", account="fresh.io", now=T0
    )
    assert handoff.to_email == "sam.sdr@acme.dev"
    assert handoff.missing == ["journey", "momentum"]
    assert handoff.completeness == pytest.approx(1 / 3)
    assert handoff.packet is not None
    assert handoff.packet["sections"]["fit"] is None


def test_the_packet_with_scores_carries_journey_and_momentum_with_its_why(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    with team_store.transaction() as conn:  # the deal is lost, so the account is warm again
        conn.execute(sa.text("UPDATE opportunities SET status = 'lost', stage = 'closed_lost'"))
    handoff = create_handoff(
        team_store, settings, OPERATOR, kind="devrel_to_sales", account="acme.io", now=T0
    )
    assert handoff.completeness == 1.0
    sections = handoff.packet["sections"]  # type: ignore[index]
    assert sections["journey"]["stage"] == "build"
    assert [t["stage"] for t in sections["journey"]["transitions"]] == ["learn", "build"]
    assert sections["momentum"]["momentum"] == 77.0
    assert sections["momentum"]["why"][0]["signal"] == "active_developers"
    assert sections["fit"]["fit"] == 21.0
    assert {r["rule"] for r in sections["fit"]["rules"]} == {
        "mid_market_or_enterprise",
        "software_heavy_industry",
        "compatible_stack",
        "core_regions",
    }


def test_activity_read_for_many_accounts_at_once_is_the_same(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    other = add_account(team_store, settings, "Quiet", "quiet.io")
    account = get_opportunity(team_store, settings, acme).opportunity.account_id
    with team_store.read() as conn:
        one = built(conn, settings, account, T0)
        many = built_for(conn, settings, [account, other], T0)
    assert many == {account: one}
    assert {b["activity"] for b in one} >= {"sdk_installed", "api_usage"}


def test_packets_from_the_developer_side_read_ahead_are_the_same(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    from devfunnel.config.sales import HandoffKind
    from devfunnel.pipeline import packets

    other = add_account(team_store, settings, "Quiet", "quiet.io")
    account = get_opportunity(team_store, settings, acme).opportunity.account_id
    kind: HandoffKind = next(k for k in settings.handoffs.kinds if k.id == "devrel_to_sales")
    with team_store.read() as conn:
        side = developer_side(conn, settings, [account, other], T0)
        assert side.developers[account] == developers(conn, account, T0)
        assert side.developers[account]
        assert other not in side.developers
        alone = packets.assemble(conn, settings, kind, account, acme, T0)
        ahead = packets.assemble(conn, settings, kind, account, acme, T0, prefetched=side)
    assert ahead == alone
