"""A batch of automatic merges leaves the database as merging one pair at a time does."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.errors import Conflict
from devfunnel.identity import merging
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.identity import (
    accounts,
    identities,
    merge_suggestions,
    merges,
    people,
)
from devfunnel.store.schema.pipeline import leads
from devfunnel.store.schema.scores import person_scores

NOW = datetime(2026, 5, 1, tzinfo=UTC)
SOURCES = [None, "company_name", "email_domain", "group", "crm", "manual"]


def _world(store: Store, seed: int) -> list[uuid.UUID]:
    """Twelve people with identities, accounts of every strength, leads, scores and
    pending suggestions naming them."""
    rng = random.Random(seed)
    account_ids = [new_id() for _ in range(4)]
    person_ids = sorted(new_id() for _ in range(12))
    with store.transaction() as conn:
        conn.execute(
            accounts.insert(),
            [
                {"id": a, "name": f"A{i}", "source": "crm", "created_at": NOW, "updated_at": NOW}
                for i, a in enumerate(account_ids)
            ],
        )
        for i, p in enumerate(person_ids):
            source = rng.choice(SOURCES)
            conn.execute(
                people.insert().values(
                    id=p,
                    account_id=rng.choice(account_ids) if source else None,
                    account_source=source,
                    created_at=NOW,
                    updated_at=NOW,
                )
            )
            for k in range(rng.randint(0, 3)):
                conn.execute(
                    identities.insert().values(
                        id=new_id(),
                        person_id=p,
                        kind="email",
                        value=f"p{i}.{k}@x.io",
                        key=f"email:p{i}.{k}@x.io",
                        source="test",
                        created_at=NOW,
                    )
                )
            if rng.random() < 0.5:
                conn.execute(
                    leads.insert().values(
                        id=new_id(),
                        person_id=p,
                        account_id=account_ids[0],
                        source="manual",
                        status="new",
                        created_at=NOW,
                        updated_at=NOW,
                    )
                )
            if rng.random() < 0.5:
                conn.execute(
                    person_scores.insert().values(
                        person_id=p, engagement=1.0, pql=False, why=[], computed_at=NOW
                    )
                )
        for _ in range(6):
            a, b = rng.sample(person_ids, 2)
            conn.execute(
                merge_suggestions.insert().values(
                    id=new_id(),
                    person_a=a,
                    person_b=b,
                    probability=0.5,
                    match_weight=1.0,
                    evidence=[],
                    status=rng.choice(["pending", "rejected"]),
                    created_at=NOW,
                )
            )
    return person_ids


def _plan(person_ids: list[uuid.UUID], seed: int) -> list[merging.PlannedMerge]:
    """Merges as the matcher makes them: each joins two live survivors, smaller id wins,
    so a person that absorbed others may be absorbed later."""
    rng = random.Random(seed)
    live = list(person_ids)
    planned = []
    for _ in range(8):
        a, b = rng.sample(live, 2)
        winner, loser = min(a, b), max(a, b)
        live.remove(loser)
        planned.append(merging.PlannedMerge(winner, loser, new_id()))
    return planned


def _state(conn: sa.Connection) -> dict[str, Any]:
    def rows(query: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(r) for r in conn.execute(query))

    return {
        "people": rows(
            sa.select(
                people.c.id,
                people.c.merged_into,
                people.c.account_id,
                people.c.account_source,
                people.c.updated_at,
            )
        ),
        "identities": rows(sa.select(identities.c.key, identities.c.person_id)),
        "merges": rows(
            sa.select(
                merges.c.winner_id,
                merges.c.loser_id,
                merges.c.kind,
                merges.c.suggestion_id,
                merges.c.merged_at,
            )
        ),
        "moved": sorted(
            (str(r.loser_id), tuple(r.identity_keys))
            for r in conn.execute(sa.select(merges.c.loser_id, merges.c.identity_keys))
        ),
        "leads": rows(sa.select(leads.c.id, leads.c.person_id)),
        "scores": rows(sa.select(person_scores.c.person_id)),
        "suggestions": rows(sa.select(merge_suggestions.c.id, merge_suggestions.c.status)),
    }


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_matches_one_merge_at_a_time(store: Store, seed: int) -> None:
    person_ids = _world(store, seed)
    planned = _plan(person_ids, seed)
    with store.engine.connect() as conn:
        outer = conn.begin()
        for p in planned:
            merging.merge_people(
                conn, p.winner, p.loser, kind="automatic", suggestion_id=p.suggestion_id, now=NOW
            )
        one_at_a_time = _state(conn)
        outer.rollback()
    with store.transaction() as conn:
        ids = merging.merge_people_batch(store, conn, planned, kind="automatic", now=NOW)
        batched = _state(conn)
    assert len(ids) == len(set(ids)) == len(planned)
    assert batched == one_at_a_time
    # The batch did something: every absorbed person is tombstoned.
    assert {r[0] for r in batched["people"] if r[1] is not None} == {p.loser for p in planned}


def test_batch_refuses_a_self_merge(store: Store) -> None:
    person_ids = _world(store, 4)
    with store.transaction() as conn, pytest.raises(Conflict):
        merging.merge_people_batch(
            store,
            conn,
            [merging.PlannedMerge(person_ids[0], person_ids[0])],
            kind="automatic",
            now=NOW,
        )
