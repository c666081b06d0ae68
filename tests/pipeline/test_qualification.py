"""Qualification records: validated, permission-checked, audited, and readable as of a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Forbidden, NotFound, ValidationError
from devfunnel.pipeline.qualification import (
    AUDIT_ACTION,
    current_scores,
    read_qualification,
    scores_as_of,
    set_element,
)
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import qualification
from tests.pipeline.world import NOW, OPPORTUNITY, World, build


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    return build(store, settings)


def test_every_enabled_element_is_listed_and_unrecorded_ones_score_zero(
    store: Store, settings: Settings, world: World
) -> None:
    with store.read() as conn:
        elements = read_qualification(conn, settings, world.opportunity)
    assert [e.framework for e in elements] == ["meddpicc"] * 8 + ["bant"] * 4
    assert elements[0].element == "metrics"
    assert elements[-1].element == "timeline"
    assert {e.score for e in elements} == {0}


def test_the_owner_records_an_element_with_evidence_and_contact(
    store: Store, settings: Settings, world: World
) -> None:
    saved = set_element(
        store, settings, world.owner, OPPORTUNITY, "champion", 2,
        evidence="Jane drives the evaluation", evidence_url="https://crm.example/notes/1",
        contact="Jane@Acme.io", now=NOW,
    )  # fmt: skip
    assert (saved.score, saved.score_word, saved.contact_id) == (2, "validated", world.jane)
    assert saved.updated_by == world.owner.user_id
    with store.read() as conn:
        assert current_scores(conn, world.opportunity) == {"champion": 2}
        row = conn.execute(sa.select(qualification)).one()
    assert (row.framework, row.evidence, row.evidence_url) == (
        "meddpicc", "Jane drives the evaluation", "https://crm.example/notes/1")  # fmt: skip


def test_changes_are_audited_with_before_and_after(
    store: Store, settings: Settings, world: World
) -> None:
    set_element(store, settings, world.owner, world.opportunity, "metrics", 1, now=NOW)
    set_element(store, settings, world.manager, world.opportunity, "metrics", 2,
                evidence="Cut integration time by half", now=NOW)  # fmt: skip
    with store.read() as conn:
        entries = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == AUDIT_ACTION)
            .order_by(audit_log.c.occurred_at, audit_log.c.id)
        ).all()  # fmt: skip
    assert [e.actor_label for e in entries] == ["sam.seller@acme.dev", "maria.manager@acme.dev"]
    assert all(e.entity_id == world.opportunity for e in entries)
    assert entries[0].before is None
    assert entries[0].after["score"] == 1
    assert entries[1].before["score"] == 1
    assert entries[1].after == {"element": "metrics", "score": 2, "contact_id": None,
                                "evidence": "Cut integration time by half",
                                "evidence_url": None,
                                "updated_at": NOW.isoformat()}  # fmt: skip
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(qualification)).scalar() == 1


@pytest.mark.parametrize(
    ("element", "score", "field", "message"),
    [
        ("chemistry", 1, "element", "unknown qualification element 'chemistry'"),
        ("champion", 3, "score", "score must be 0"),
        ("champion", -1, "score", "score must be 0"),
        ("champion", True, "score", "score must be 0"),
        ("champion", "2", "score", "score must be 0"),
    ],
)
def test_bad_updates_are_refused_with_the_field_named(
    store: Store, settings: Settings, world: World, element: str, score: object, field: str,
    message: str,
) -> None:  # fmt: skip
    with pytest.raises(ValidationError, match=message) as caught:
        set_element(store, settings, world.owner, world.opportunity, element, score)
    assert caught.value.context["field"] == field
    with store.read() as conn:
        assert current_scores(conn, world.opportunity) == {}


def test_an_unknown_contact_or_opportunity_is_refused(
    store: Store, settings: Settings, world: World
) -> None:
    with pytest.raises(ValidationError, match=r"unknown contact 'nobody@acme\.io'"):
        set_element(store, settings, world.owner, world.opportunity, "champion", 1,
                    contact="nobody@acme.io")  # fmt: skip
    with pytest.raises(NotFound, match="no opportunity salesforce:NOPE"):
        set_element(store, settings, world.owner, "salesforce:NOPE", "champion", 1)


def test_a_disabled_framework_has_no_elements(
    store: Store, settings: Settings, world: World
) -> None:
    only = settings.qualification.model_copy(update={"frameworks": ["meddpicc"]})
    meddpicc_only = settings.model_copy(update={"qualification": only})
    with pytest.raises(ValidationError, match="unknown qualification element 'budget'"):
        set_element(store, meddpicc_only, world.owner, world.opportunity, "budget", 1)


def test_only_the_owner_or_a_manager_may_change_it(
    store: Store, settings: Settings, world: World
) -> None:
    with pytest.raises(Forbidden, match="only their own records"):
        set_element(store, settings, world.other_seller, world.opportunity, "champion", 1)
    with store.read() as conn:
        assert current_scores(conn, world.opportunity) == {}
        audited = conn.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar()
    assert audited == 0


def test_scores_are_read_as_they_stood_at_a_moment(
    store: Store, settings: Settings, world: World
) -> None:
    early, late = NOW - timedelta(days=10), NOW - timedelta(days=2)
    set_element(store, settings, world.owner, world.opportunity, "champion", 1, now=early)
    set_element(store, settings, world.owner, world.opportunity, "champion", 2, now=late)
    set_element(store, settings, world.owner, world.opportunity, "metrics", 2, now=late)
    with store.read() as conn:
        got = scores_as_of(
            conn,
            [(world.opportunity, early - timedelta(days=1)), (world.opportunity, early),
             (world.opportunity, NOW)],
        )  # fmt: skip
    assert got[(world.opportunity, early - timedelta(days=1))] == {}
    assert got[(world.opportunity, early)] == {"champion": 1}
    assert got[(world.opportunity, NOW)] == {"champion": 2, "metrics": 2}
