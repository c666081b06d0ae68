"""Handoff quality: the parts of each handoff, blended by the configured weights per
team and person, against the target."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.ids import new_id
from devfunnel.pipeline.handoff_quality import handoff_quality
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import handoffs
from tests.pipeline.seed import T0, add_account, user_id

HOUR = timedelta(hours=1)
NOW = T0 + timedelta(days=40)


def handoff(
    store: Store,
    account: uuid.UUID,
    sender: str,
    receiver: str,
    kind: str,
    state: str,
    completeness: float,
    sent: datetime,
    **times: Any,
) -> None:
    hours = {"devrel_to_sales": 24, "sales_to_onboarding": 48}[kind]
    with store.transaction() as conn:
        conn.execute(
            handoffs.insert().values(
                id=new_id(),
                kind=kind,
                account_id=account,
                from_user_id=user_id(store, sender),
                to_user_id=user_id(store, receiver),
                to_team="team-of-" + receiver.split("@")[0],
                state=state,
                packet={},
                completeness=completeness,
                sent_at=sent,
                due_at=sent + hours * HOUR,
                created_at=sent,
                updated_at=sent,
                **times,
            )
        )


@pytest.fixture
def seeded(team_store: Store, settings: Settings) -> Store:
    account = add_account(team_store, settings, "Acme", "acme.io")
    sam, erin = "sam.sdr@acme.dev", "erin.ae@acme.dev"
    # Accepted in 12 of 24 hours, complete, next stage reached.
    handoff(
        team_store,
        account,
        sam,
        erin,
        "devrel_to_sales",
        "accepted",
        1.0,
        T0,
        accepted_at=T0 + 12 * HOUR,
        next_stage_reached_at=T0 + 72 * HOUR,
    )
    # Accepted after 36 of 24 hours (0.5), half complete, no next stage after 30 days (0).
    handoff(
        team_store,
        account,
        sam,
        erin,
        "devrel_to_sales",
        "accepted",
        0.5,
        T0,
        accepted_at=T0 + 36 * HOUR,
    )
    # Rejected.
    handoff(
        team_store,
        account,
        sam,
        erin,
        "devrel_to_sales",
        "rejected",
        1 / 3,
        T0,
        rejected_at=T0 + HOUR,
        reason="not ready",
    )
    # Pending, 6 hours past due (0.75).
    handoff(team_store, account, sam, erin, "devrel_to_sales", "pending", 2 / 3, NOW - 30 * HOUR)
    # Erin's: accepted within 48 hours, too recent to judge the next stage.
    handoff(
        team_store,
        account,
        erin,
        "carl.success@acme.dev",
        "sales_to_onboarding",
        "accepted",
        0.75,
        NOW - 6 * 24 * HOUR,
        accepted_at=NOW - 5 * 24 * HOUR - 14 * HOUR,
    )
    return team_store


def test_parts_and_blend_per_person_team_and_overall(seeded: Store, settings: Settings) -> None:
    report = handoff_quality(seeded, settings, now=NOW)
    assert report.target == 0.9
    sam = next(g for g in report.by_person if g.group == "sam.sdr@acme.dev")
    assert sam.handoffs == 4
    assert sam.completeness == pytest.approx(0.625)
    assert sam.time_to_accept == pytest.approx(0.75)
    assert sam.acceptance == pytest.approx(2 / 3)
    assert sam.next_stage_reached == pytest.approx(0.5)
    assert sam.rejection_rate == pytest.approx(1 / 3)
    assert sam.score == pytest.approx(0.4 * 0.625 + 0.2 * 0.75 + 0.2 * 2 / 3 + 0.2 * 0.5)
    assert sam.met is False
    erin = next(g for g in report.by_person if g.group == "erin.ae@acme.dev")
    assert erin.next_stage_reached is None
    # Weights re-normalised over the three parts present.
    assert erin.score == pytest.approx((0.4 * 0.75 + 0.2 * 1 + 0.2 * 1) / 0.8)
    assert erin.met is False
    assert [g.group for g in report.by_team] == ["ae_enterprise", "sdr"]
    assert report.by_team[1].score == pytest.approx(sam.score)
    overall = report.overall
    assert (overall.handoffs, overall.completeness) == (5, pytest.approx(0.65))
    assert overall.score == pytest.approx(0.4 * 0.65 + 0.2 * 0.8125 + 0.2 * 0.75 + 0.2 * 0.5)


def test_receiver_side_and_a_bad_side(seeded: Store, settings: Settings) -> None:
    report = handoff_quality(seeded, settings, side="receiver", now=NOW)
    assert [g.group for g in report.by_person] == ["carl.success@acme.dev", "erin.ae@acme.dev"]
    assert [g.group for g in report.by_team] == ["team-of-carl.success", "team-of-erin.ae"]
    with pytest.raises(ValidationError, match="side must be sender or receiver, not 'team'"):
        handoff_quality(seeded, settings, side="team")


def test_a_higher_target_is_met_or_not_by_the_same_score(seeded: Store, settings: Settings) -> None:
    easy = settings.model_copy(
        update={"kpis": settings.kpis.model_copy(update={"handoff_quality": 0.6})}
    )
    report = handoff_quality(seeded, easy, now=NOW)
    assert report.overall.met is True
    assert handoff_quality(seeded, settings, now=NOW).overall.met is False
