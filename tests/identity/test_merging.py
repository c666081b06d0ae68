"""Merges move identities (and so events), unmerges put them back, blocks keep people apart."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound
from devfunnel.identity import merging
from devfunnel.identity.resolve import resolve_pending
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.identity import merge_suggestions, merges, people
from tests.identity.test_resolve import person_of, person_row, send


def two_people(store: Store, settings: Settings) -> tuple[uuid.UUID, uuid.UUID]:
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1", "traits": {"email": "a@acme.io"}},
        {"messageId": "2", "type": "track", "event": "API Usage", "userId": "u1"},
        {"messageId": "3", "type": "identify", "userId": "u2", "traits": {"email": "b@acme.io"}},
    )
    resolve_pending(store, settings)
    return person_of(store, "user_id:u1"), person_of(store, "user_id:u2")


def test_merge_then_unmerge_restores_identities_and_events(
    store: Store, settings: Settings
) -> None:
    a, b = two_people(store, settings)
    winner, loser = min(a, b), max(a, b)
    with store.transaction() as conn:
        merge_id = merging.merge_people(conn, winner, loser, kind="manual", actor=CLI)
    assert person_of(store, "user_id:u1") == person_of(store, "user_id:u2") == winner
    assert person_row(store, loser)["merged_into"] == winner
    with store.transaction() as conn:
        restored = merging.unmerge(conn, merge_id, CLI, reason="two people")
    assert restored == (winner, loser)
    assert {person_of(store, "user_id:u1"), person_of(store, "user_id:u2")} == {a, b}
    assert person_row(store, loser)["merged_into"] is None
    with store.read() as conn:
        undone = conn.execute(sa.select(merges.c.undone_at)).scalar_one()
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert undone is not None
    assert {"person.merge", "person.unmerge", "person.block"} <= set(actions)
    with store.transaction() as conn, pytest.raises(Conflict):
        merging.unmerge(conn, merge_id, CLI)


def test_unmerged_people_are_not_joined_again_by_new_evidence(
    store: Store, settings: Settings
) -> None:
    a, b = two_people(store, settings)
    with store.transaction() as conn:
        merge_id = merging.merge_people(conn, min(a, b), max(a, b), kind="manual", actor=CLI)
        merging.unmerge(conn, merge_id, CLI)
    # An event that says u1 and u2 share an email would join them deterministically.
    send(
        store,
        {"messageId": "9", "type": "identify", "userId": "u2", "traits": {"email": "a@acme.io"}},
    )
    report = resolve_pending(store, settings)
    assert report.refused_edges >= 1
    assert person_of(store, "user_id:u1") != person_of(store, "user_id:u2")


def test_stronger_account_survives_a_merge(store: Store, settings: Settings) -> None:
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1", "traits": {"email": "x@gmail.com"}},
        {
            "messageId": "2",
            "type": "group",
            "userId": "u2",
            "groupId": "org1",
            "traits": {"name": "Initech", "website": "initech.com"},
        },
    )
    resolve_pending(store, settings)
    a, b = person_of(store, "user_id:u1"), person_of(store, "user_id:u2")
    winner, loser = min(a, b), max(a, b)
    with store.transaction() as conn:
        merging.merge_people(conn, winner, loser, kind="manual", actor=CLI)
    row = person_row(store, winner)
    assert row["account_domain"] == "initech.com"
    assert row["account_source"] == "group"


def test_suggestions_are_accepted_or_rejected_once(store: Store, settings: Settings) -> None:
    a, b = two_people(store, settings)
    ids = []
    with store.transaction() as conn:
        for _ in range(2):
            ids.append(uuid.uuid4())
            conn.execute(
                merge_suggestions.insert().values(
                    id=ids[-1],
                    person_a=a,
                    person_b=b,
                    probability=0.8,
                    match_weight=3.0,
                    evidence=[],
                    status="pending",
                    created_at=sa.func.now(),
                )
            )
        outcome = merging.decide_suggestion(conn, ids[0], True, CLI)
        assert outcome["person"] == str(min(a, b))
        with pytest.raises(Conflict):
            merging.decide_suggestion(conn, ids[0], False, CLI)
        # Merging made the other suggestion about the same two people stale.
        with pytest.raises(Conflict, match="already stale"):
            merging.decide_suggestion(conn, ids[1], True, CLI)
        with pytest.raises(NotFound):
            merging.decide_suggestion(conn, uuid.uuid4(), True, CLI)
    with store.read() as conn:
        live = conn.execute(
            sa.select(sa.func.count()).select_from(people).where(people.c.merged_into.is_(None))
        ).scalar_one()
    assert live == 1


def test_a_person_cannot_be_merged_or_blocked_with_themselves(
    store: Store, settings: Settings
) -> None:
    a, _ = two_people(store, settings)
    with store.transaction() as conn, pytest.raises(Conflict):
        merging.merge_people(conn, a, a, kind="manual")
    with store.transaction() as conn, pytest.raises(Conflict):
        merging.add_block(conn, "email:a@acme.io", "email:a@acme.io")
