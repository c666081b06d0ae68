"""Importing a CRM's dated qualification history: validated row by row, every change
audited with the CRM's date, readable as of any moment, and recorded once however often it
is imported."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.ingest.records.opportunities import import_opportunities
from devfunnel.pipeline.qualification import AUDIT_ACTION, read_qualification, scores_as_of
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from tests.pipeline.world import NOW, OPENED, World, build


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    return build(store, settings)


def record(history: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    """OPP1 as the world imported it, with a qualification history."""
    return {
        "external_id": "OPP1", "crm": "salesforce", "account_external_id": "001A",
        "name": "Acme - new", "stage": "technical_evaluation", "amount": "40000",
        "currency": "USD", "owner_email": "sam.seller@acme.dev",
        "primary_contact_email": "jane@acme.io", "economic_buyer_email": "bob@acme.io",
        "created_at": OPENED, "qualification_history": history, **extra,
    }  # fmt: skip


HISTORY = [
    {"element": "need", "score": 1, "changed_at": OPENED, "user_email": "sam.seller@acme.dev"},
    {"element": "champion", "score": 1, "changed_at": OPENED,
     "contact_email": "jane@acme.io"},
    {"element": "need", "score": 2, "changed_at": OPENED + timedelta(days=12),
     "evidence": "Needs API-based integrations", "user_email": "sam.seller@acme.dev"},
]  # fmt: skip


def entries(store: Store, world: World) -> list[dict[str, Any]]:
    a = audit_log.c
    with store.read() as conn:
        rows = conn.execute(
            sa.select(a.actor_label, a.before, a.after).where(
                a.action == AUDIT_ACTION, a.entity_id == world.opportunity
            )
        )
        return [dict(r._mapping) for r in rows]


def test_history_is_read_as_it_stood_at_each_moment(
    store: Store, settings: Settings, world: World
) -> None:
    result = import_opportunities(store, settings, [record(HISTORY)])
    assert not result.errors, result.errors
    moments = [
        (world.opportunity, OPENED - timedelta(seconds=1)),
        (world.opportunity, OPENED),
        (world.opportunity, OPENED + timedelta(days=11)),
        (world.opportunity, NOW),
    ]
    with store.read() as conn:
        scores = scores_as_of(conn, moments)
        current = {e.element: e for e in read_qualification(conn, settings, world.opportunity)}
    assert [scores[m] for m in moments] == [
        {},
        {"need": 1, "champion": 1},
        {"need": 1, "champion": 1},
        {"need": 2, "champion": 1},
    ]
    # The current value is the latest change, dated and attributed as the CRM stated.
    need = current["need"]
    assert (need.score, need.evidence) == (2, "Needs API-based integrations")
    assert need.updated_at == OPENED + timedelta(days=12)
    assert need.updated_by is not None
    assert current["champion"].contact_id == world.jane
    audited = entries(store, world)
    assert len(audited) == 3
    assert {e["actor_label"] for e in audited} == {"CRM import"}
    second_need = next(e for e in audited if e["after"]["score"] == 2)
    assert second_need["before"]["score"] == 1


def test_importing_the_same_history_again_records_it_once(
    store: Store, settings: Settings, world: World
) -> None:
    import_opportunities(store, settings, [record(HISTORY)])
    import_opportunities(store, settings, [record(HISTORY)])
    assert len(entries(store, world)) == 3
    later = {"element": "need", "score": 1, "changed_at": OPENED + timedelta(days=15)}
    import_opportunities(store, settings, [record([*HISTORY, later])])
    assert len(entries(store, world)) == 4
    with store.read() as conn:
        current = read_qualification(conn, settings, world.opportunity)
    assert {e.element: e.score for e in current}["need"] == 1


@pytest.mark.parametrize(
    ("history", "extra", "message"),
    [
        ([{"element": "need", "score": 1, "changed_at": NOW + timedelta(days=3650)}], {},
         "dated in the future"),
        ([{"element": "need", "score": 1, "changed_at": OPENED,
           "user_email": "nobody@acme.dev"}], {}, "not devfunnel users"),
        ([{"element": "need", "score": 1, "changed_at": OPENED}], {"qualification": {"need": 2}},
         "contradicts the history"),
        ([{"element": "vibes", "score": 1, "changed_at": OPENED}], {}, "unknown qualification"),
        ([{"element": "need", "score": 3, "changed_at": OPENED}], {}, "score"),
    ],
)  # fmt: skip
def test_a_bad_history_rejects_its_row_and_writes_nothing(
    store: Store,
    settings: Settings,
    world: World,
    history: list[dict[str, Any]],
    extra: dict[str, Any],
    message: str,
) -> None:
    result = import_opportunities(store, settings, [record(history, **extra)])
    assert len(result.errors) == 1
    assert message in str(result.errors[0])
    assert entries(store, world) == []
