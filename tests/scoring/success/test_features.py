"""Features are read as of their moment: nothing that happened later changes them."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta

import pytest

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.pipeline.qualification import set_element
from devfunnel.scoring.success.features import (
    OpportunityMoment,
    feature_matrix,
    feature_names,
    feature_rows,
)
from devfunnel.scoring.success.signals import Moment, read_signals
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import opportunity_changes
from devfunnel.store.schema.scores import account_score_history
from tests.pipeline.world import NOW, OPENED, World, build, send, usage


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    return build(store, settings)


def test_later_events_do_not_change_earlier_features(
    store: Store, settings: Settings, world: World
) -> None:
    at = OpportunityMoment(world.opportunity, OPENED)
    (before,) = feature_rows(store, settings, [at])
    # A burst of activity after the moment: new developers, usage, a ticket.
    later = OPENED + timedelta(days=1)
    send(store, [
        {"messageId": "late-id", "type": "identify", "userId": "late", "timestamp": later,
         "traits": {"email": "late@acme.io"}},
        *[usage("late", later + timedelta(days=d), 90_000, d) for d in range(5)],
        {"messageId": "late-t", "type": "track", "event": "Support Ticket Opened",
         "userId": "jane", "timestamp": later},
    ])  # fmt: skip
    resolve_pending(store, settings)
    set_element(store, settings, world.owner, world.opportunity, "champion", 2, now=later)
    (after,) = feature_rows(store, settings, [at])
    assert after == before
    (now,) = feature_rows(store, settings, [OpportunityMoment(world.opportunity, NOW)])
    assert now["log_developers"] > before["log_developers"]
    assert (before["qual_champion"], now["qual_champion"]) == (0, 2)


def test_sales_features_are_those_of_the_moment(
    store: Store, settings: Settings, world: World
) -> None:
    with store.transaction() as conn:
        conn.execute(
            opportunity_changes.insert().values(
                id=uuid.uuid4(), opportunity_id=world.opportunity, field="amount",
                old_value="1000000", new_value="4000000", changed_at=OPENED + timedelta(days=5),
            )
        )  # fmt: skip
    moments = [OpportunityMoment(world.opportunity, at) for at in (OPENED, NOW)]
    opened, now = feature_rows(store, settings, moments)
    probability = {s.id: s.probability for s in settings.pipeline.stages}
    assert opened["stage_probability"] == probability["discovery"]
    assert now["stage_probability"] == probability["technical_evaluation"]
    assert opened["log_age_days"] == 0
    assert now["log_age_days"] == pytest.approx(math.log1p(20))
    # $10,000 then (before the change), $40,000 now.
    assert opened["log_amount"] == pytest.approx(math.log1p(10_000))
    assert now["log_amount"] == pytest.approx(math.log1p(40_000))
    assert now["economic_buyer_known"] == now["primary_contact_known"] == 1.0
    assert now["icp_software_heavy_industry"] == now["icp_mid_market_or_enterprise"] == 1.0
    assert now["icp_public_sector"] == 0.0


def test_developer_features_count_the_account_before_the_moment(
    store: Store, settings: Settings, world: World
) -> None:
    (row,) = feature_rows(store, settings, [OpportunityMoment(world.opportunity, NOW)])
    # Jane and dev2 build (5,000 calls a day); Bob is a buyer, not a developer.
    assert row["log_developers"] == pytest.approx(math.log1p(2))
    assert row["using_10k"] == 2
    # Build needs API use in 3 of the last 4 weeks: dev2 started 12 days ago.
    assert row["builders"] == 1
    assert row["log_contact_engagement"] > 0  # Jane is the primary contact
    matrix = feature_matrix(store, settings, [OpportunityMoment(world.opportunity, NOW)])
    assert matrix.shape == (1, len(feature_names(settings)))


def test_the_contact_rate_is_the_primary_contacts_activities_a_day(
    store: Store, settings: Settings, world: World
) -> None:
    """Engagement raises a developer's activity in proportion, so the model reads the rate
    itself (a logarithm would squeeze the most engaged champions together)."""
    (row,) = feature_rows(store, settings, [OpportunityMoment(world.opportunity, NOW)])
    signals = read_signals(store, settings, [Moment(0, world.account, NOW, world.jane)])[0]
    assert signals["contact_rate"] > 1
    assert row["contact_rate"] == pytest.approx(signals["contact_rate"])
    assert "log_contact_rate" not in row


def test_momentum_is_the_last_history_point_of_an_earlier_day(
    store: Store, settings: Settings, world: World
) -> None:
    def point(days_before_opened: int, momentum: float) -> dict[str, object]:
        day = (OPENED - timedelta(days=days_before_opened)).date()
        return {"account_id": world.account, "day": day, "momentum": momentum, "fit": 0.0,
                "active_developers": 1}  # fmt: skip

    before_history = OpportunityMoment(world.opportunity, OPENED - timedelta(days=30))
    (unknown,) = feature_rows(store, settings, [before_history])
    with store.transaction() as conn:
        # A week old, the day before, and the opening day itself (not over yet: unknown).
        conn.execute(
            account_score_history.insert(), [point(7, 30.0), point(1, 55.0), point(0, 90.0)]
        )
    opened, later = feature_rows(
        store,
        settings,
        [OpportunityMoment(world.opportunity, OPENED + timedelta(hours=12)),
         OpportunityMoment(world.opportunity, OPENED + timedelta(days=2))],
    )  # fmt: skip
    assert (unknown["momentum"], unknown["momentum_missing"]) == (0.0, 1.0)
    assert (opened["momentum"], opened["momentum_missing"]) == (55.0, 0.0)
    assert later["momentum"] == 90.0
    (still,) = feature_rows(store, settings, [before_history])
    assert still == unknown
