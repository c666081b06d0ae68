"""A batch that cannot be resolved is set aside, and never holds up the batches after it.

The bad batches here are written past intake's checks, the way events with impossible
times were stored before intake refused them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import StoreError, StoreUnavailable
from devfunnel.identity import resolve
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.append import append_events
from devfunnel.store import Store
from devfunnel.store.schema.events import ingest_batches
from devfunnel.store.schema.identity import identities
from tests.helpers.events import past_intake_checks

T0 = datetime(2026, 3, 1, tzinfo=UTC)
#: Years 10000 and 0 once in UTC: DuckDB stores both and reads them back as text;
#: PostgreSQL stores the first and refuses to read it back, and refuses to store the second.
UNREADABLE = [
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
]


def send(store: Store, login: str, when: datetime = T0) -> uuid.UUID:
    """One GitHub-style event for ``login`` as its own batch; the batch id."""
    row = {"messageId": f"{login}-{when.isoformat()}", "type": "track", "event": "GitHub Star",
           "githubLogin": login, "timestamp": when}  # fmt: skip
    prepared = past_intake_checks(row, source="github")
    append_events(store, prepared, source="github")
    return uuid.UUID(str(prepared.rows.column("batch_id")[0].as_py()))


def batches(store: Store) -> dict[uuid.UUID, dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(sa.select(ingest_batches)).mappings()
        return {r["id"]: dict(r) for r in rows}


def known(store: Store) -> set[str]:
    with store.read() as conn:
        return set(conn.execute(sa.select(identities.c.key)).scalars())


@pytest.mark.parametrize("bad_time", UNREADABLE, ids=["year-10000", "year-0"])
def test_a_batch_with_an_unreadable_time_is_set_aside_and_the_others_resolve(
    store: Store, settings: Settings, bad_time: datetime
) -> None:
    first = send(store, "ada", T0)
    if store.kind == "postgresql" and bad_time.year == 1:
        with pytest.raises(StoreError, match="out of range"):
            send(store, "bob", bad_time)  # nothing stored, so nothing to set aside
        return
    bad = send(store, "bob", bad_time)
    last = send(store, "cyd", T0 + timedelta(hours=1))

    report = resolve_pending(store, settings)

    assert (report.batches, report.failed) == (2, 1)
    assert known(store) == {"github:ada", "github:cyd"}
    state = batches(store)
    assert state[first]["status"] == state[last]["status"] == "done"
    assert state[bad]["status"] == "failed"
    assert state[bad]["processed_at"] is not None
    assert state[bad]["error"]
    if store.kind == "duckdb":  # PostgreSQL's own words: "timestamp too large (after year 10K)"
        assert "outside the years 1-9999 in UTC" in state[bad]["error"]
    # Set aside for good: the next poll has nothing to do.
    again = resolve_pending(store, settings)
    assert (again.batches, again.failed) == (0, 0)


def test_a_later_batch_of_that_person_waits_with_it_instead_of_spreading_the_bad_time(
    store: Store, settings: Settings
) -> None:
    """The person's first and last seen are read from all their events: resolving a good
    batch of the same login would write the unreadable time onto the person."""
    bad = send(store, "bob", UNREADABLE[0])
    later = send(store, "bob", T0)
    other = send(store, "ada", T0)

    report = resolve_pending(store, settings)

    assert (report.batches, report.failed) == (1, 2)
    state = batches(store)
    assert [state[b]["status"] for b in (bad, later, other)] == ["failed", "failed", "done"]
    if store.kind == "duckdb":
        assert "github:bob" in state[later]["error"]


def test_a_batch_the_database_refuses_is_set_aside(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any data error counts, however the store wraps it (here an IntegrityError)."""
    good = send(store, "ada")
    refused = send(store, "bob")
    observe = resolve._observe

    def failing(conn: sa.Connection, batch_ids: list[uuid.UUID]) -> Any:
        if refused in batch_ids:
            cause = sa.exc.IntegrityError("INSERT ...", {}, Exception("check constraint"))
            raise StoreError("database error: check constraint") from cause
        return observe(conn, batch_ids)

    monkeypatch.setattr(resolve, "_observe", failing)
    report = resolve_pending(store, settings)

    assert (report.batches, report.failed) == (1, 1)
    state = batches(store)
    assert (state[good]["status"], state[refused]["status"]) == ("done", "failed")
    assert state[refused]["error"] == "database error: check constraint"


@pytest.mark.parametrize(
    "error",
    [StoreUnavailable("the database file is in use by another devfunnel process"),
     KeyError("a bug")],
    ids=["store-unavailable", "bug"],
)  # fmt: skip
def test_other_failures_leave_every_batch_pending_for_the_next_poll(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    pending = [send(store, "ada"), send(store, "bob")]

    def failing(*_: Any) -> None:
        raise error

    with monkeypatch.context() as patched:
        patched.setattr(resolve, "_observe", failing)
        with pytest.raises(type(error)):
            resolve_pending(store, settings)
    assert {b["status"] for b in batches(store).values()} == {"pending"}
    assert all(b["error"] is None for b in batches(store).values())

    assert resolve_pending(store, settings).batches == len(pending)
    assert {b["status"] for b in batches(store).values()} == {"done"}
