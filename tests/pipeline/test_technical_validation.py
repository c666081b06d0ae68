"""Technical validation derived from the developers' events, stored, refreshed and confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Forbidden, ValidationError
from devfunnel.pipeline import technical_validation as tv
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import technical_validations
from tests.pipeline.world import NOW, World, build


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    return build(store, settings)


def test_derived_from_the_developers_events(store: Store, settings: Settings, world: World) -> None:
    (found,) = tv.derive(store, settings, [world.opportunity], now=NOW)
    assert (found.account_id, found.active_developers) == (world.account, 2)
    assert [d["person_id"] for d in found.developers] == [str(world.jane), str(world.dev2)]
    # 5,000 calls a day: Jane's last 25 days fall in the 30-day window, all 10 of dev2's.
    # The call after NOW is not counted.
    assert found.api_volume_30d == 5_000 * (25 + 10)
    built = {b["activity"]: b for b in found.built["activities"]}
    assert built["integration_enabled"]["items"] == ["Slack"]
    assert built["sdk_installed"] == {"activity": "sdk_installed", "label": "SDK installed",
                                      "count": 2, "items": ["python"]}  # fmt: skip
    # One day with 25 errors is a burst; dev2's 2 errors are not. One support ticket.
    assert found.blockers["error_bursts"] == 1
    assert found.blockers["api_errors"] == 27
    ticket = {"activity": "support_ticket", "label": "Support ticket", "count": 1, "items": []}
    assert found.blockers["activities"] == [ticket]


def test_the_fit_adds_up_its_parts_with_reasons(
    store: Store, settings: Settings, world: World
) -> None:
    (found,) = tv.derive(store, settings, [world.opportunity], now=NOW)
    parts = {r.component: r for r in found.fit_reasons}
    assert list(parts) == ["breadth", "depth", "usage", "built", "blockers"]
    assert parts["breadth"].points == 12.0  # 2 of 5 developers
    assert parts["depth"].points == 25.0  # Jane reached Scale (100,000 calls in 30 days)
    assert parts["built"].points == 20.0
    assert parts["blockers"].points == -7.0  # one burst day (4) and one ticket (3)
    assert found.technical_fit == pytest.approx(sum(r.points for r in found.fit_reasons), abs=0.1)
    assert 0 <= found.technical_fit <= 100


def test_earlier_moments_see_less(store: Store, settings: Settings, world: World) -> None:
    (then,) = tv.derive(store, settings, [world.opportunity], now=NOW - timedelta(days=15))
    (now,) = tv.derive(store, settings, [world.opportunity], now=NOW)
    assert then.active_developers == 1  # dev2 started 12 days before NOW
    assert then.technical_fit < now.technical_fit


def test_a_refresh_stores_only_changed_figures(
    store: Store, settings: Settings, world: World
) -> None:
    tv.refresh(store, settings, now=NOW)
    tv.refresh(store, settings, now=NOW)
    tv.refresh(store, settings, now=NOW + timedelta(days=60))
    with store.read() as conn:
        rows = conn.execute(
            sa.select(technical_validations.c.technical_fit, technical_validations.c.source)
            .order_by(technical_validations.c.validated_at)
        ).all()  # fmt: skip
        current = tv.latest(conn, world.opportunity)
        fit = tv.latest_fit(conn, world.opportunity)
    assert len(rows) == 2
    assert {r.source for r in rows} == {"derived"}
    # Stored rows name developers by id only; names and emails are read when shown.
    with store.read() as conn:
        stored = conn.execute(sa.select(technical_validations.c.built)).scalars().first()
        first = tv.history(conn, world.opportunity)[-1]
    assert "jane@acme.io" not in str(stored)
    assert first.developers[0]["email"] == "jane@acme.io"
    assert current is not None
    assert current.validated_at == NOW + timedelta(days=60)
    assert fit == current.technical_fit == rows[-1].technical_fit


def test_a_person_confirms_with_notes_audited(
    store: Store, settings: Settings, world: World
) -> None:
    tv.refresh(store, settings, now=NOW)
    confirmed = tv.confirm(store, settings, world.owner, world.opportunity,
                           "PoC passed: 2 integrations live", now=NOW)  # fmt: skip
    with store.read() as conn:
        current = tv.latest(conn, world.opportunity)
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "technical_validation.confirm")
        ).one()
    assert current is not None
    assert (current.source, current.notes, current.validated_by) == (
        "person", "PoC passed: 2 integrations live", world.owner.user_id)  # fmt: skip
    assert current.technical_fit == confirmed.technical_fit
    assert current.fit_reasons[0].component == "breadth"
    assert entry.entity_id == world.opportunity
    assert entry.after["notes"] == "PoC passed: 2 integrations live"


def test_confirming_needs_notes_and_the_right_to_edit(
    store: Store, settings: Settings, world: World
) -> None:
    with pytest.raises(ValidationError, match="notes"):
        tv.confirm(store, settings, world.owner, world.opportunity, "  ")
    with pytest.raises(Forbidden):
        tv.confirm(store, settings, world.other_seller, world.opportunity, "looks good")
    with pytest.raises(Forbidden):
        tv.refresh(store, settings, [world.opportunity], principal=world.other_seller)
