"""The worker rescores only what new events touched, with the same result as a full run."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.scoring.recompute import recompute
from devfunnel.scoring.updates import update_scores
from devfunnel.store import Store
from devfunnel.store.schema.scores import account_scores, journey_transitions, person_scores
from devfunnel.worker.jobs import run_pending
from tests.helpers.activity import AS_OF, account, page, send, track


def snapshot(store: Store) -> dict[str, Any]:
    with store.read() as conn:
        accounts = {
            r.account_id: (round(r.momentum, 9), r.fit, r.grade, r.journey_stage, r.pqa, r.why)
            for r in conn.execute(sa.select(account_scores))
        }
        people = {
            r.person_id: (round(r.engagement, 9), r.journey_stage, r.pql, r.why, r.account_id)
            for r in conn.execute(sa.select(person_scores))
        }
        transitions = sorted(
            (r.subject_kind, str(r.subject_id), r.stage, r.reached_at, r.milestone)
            for r in conn.execute(sa.select(journey_transitions))
        )
        computed = {
            r.account_id: r.computed_at
            for r in conn.execute(
                sa.select(account_scores.c.account_id, account_scores.c.computed_at)
            )
        }
    return {"accounts": accounts, "people": people, "transitions": transitions,
            "computed": computed}  # fmt: skip


def test_incremental_recompute_touches_only_dirty_accounts(
    store: Store, settings: Settings
) -> None:
    send(store, settings,
         *[track(f"dev{i}@{d}", "API Usage", k, calls=5)
           for d in ("one.io", "two.io", "three.io") for i in range(2) for k in (3, 9, 16)],
         page("dev0@three.io", "Docs", 2))  # fmt: skip
    first = update_scores(store, settings, now=AS_OF)
    assert first is not None
    assert first.full
    assert first.accounts == 3
    assert update_scores(store, settings, now=AS_OF) is None  # nothing new

    # A late event for one account, and a new person at it.
    send(store, settings, track("dev0@two.io", "First API Call", 1),
         track("new@two.io", "Signed Up", 1))  # fmt: skip
    before = snapshot(store)
    report = update_scores(store, settings, now=AS_OF)
    assert report is not None
    assert not report.full
    assert report.accounts == 1
    assert report.people == 3
    after = snapshot(store)
    two = account(store, "two.io")
    assert after["accounts"][two] != before["accounts"][two]
    for other in ("one.io", "three.io"):
        aid = account(store, other)
        assert after["accounts"][aid][:2] == before["accounts"][aid][:2]

    recompute(store, settings, as_of=AS_OF)
    full = snapshot(store)
    assert {k: v for k, v in after.items() if k != "computed"} == {
        k: v for k, v in full.items() if k != "computed"
    }


def test_the_worker_scores_after_resolving(store: Store, settings: Settings) -> None:
    send(store, settings, track("a@w.io", "Signed Up", 1))
    report = run_pending(store, settings, now=AS_OF)
    assert report.scored_accounts == 1
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(account_scores)).scalar() == 1
