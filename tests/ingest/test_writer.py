"""Group commit on both backends: one transaction per group, exact per-request outcomes,
replays skipped, failures confined to their group."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import StoreError
from devfunnel.ingest import segment, writer
from devfunnel.ingest.writer import GroupCommitWriter, Submission, write_group
from devfunnel.store import Store
from devfunnel.store.schema.events import events, ingest_batches
from tests.helpers.events import RECEIVED

HOUR = timedelta(hours=1)


def submission(*messages: Any, source: str = "segment:k1", received: Any = RECEIVED) -> Submission:
    read = segment.read_batch(
        {"batch": list(messages)},
        received_at=received,
        max_event_bytes=32768,
        correct_clock_skew=True,
    )
    return Submission(read, source, received)


def track(message_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": message_id, "event": "E", "userId": "u", **fields}


def write(store: Store, *submissions: Submission) -> list[writer.Written]:
    return write_group(store, list(submissions), max_event_bytes=32768, correct_clock_skew=True)


def stored(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        query = sa.select(events).order_by(events.c.source, events.c.message_id)
        return [dict(row) for row in conn.execute(query).mappings()]


def batches(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        query = sa.select(ingest_batches).order_by(ingest_batches.c.source)
        return [dict(row) for row in conn.execute(query).mappings()]


def test_a_group_is_one_batch_per_write_key_with_exact_outcomes(store: Store) -> None:
    first = submission(track("a"), track("b"))
    second = submission(track("c"), {"type": "track", "messageId": "bad", "userId": "u"})
    other = submission(track("a"), source="segment:k2")

    results = write(store, first, second, other)

    assert [(r.accepted, r.duplicates) for r in results] == [(2, 0), (1, 0), (1, 0)]
    assert [(r.index, r.field) for r in results[1].rejected] == [(1, "event")]
    assert [(e["source"], e["message_id"]) for e in stored(store)] == [
        ("segment:k1", "a"), ("segment:k1", "b"), ("segment:k1", "c"), ("segment:k2", "a"),
    ]  # fmt: skip
    k1, k2 = batches(store)
    assert (k1["source"], k1["event_count"], k1["duplicate_count"], k1["status"]) == (
        "segment:k1", 3, 0, "pending",
    )  # fmt: skip
    assert (k2["source"], k2["event_count"]) == ("segment:k2", 1)
    assert {e["batch_id"] for e in stored(store) if e["source"] == "segment:k1"} == {k1["id"]}


def test_replays_within_a_request_within_a_group_and_of_stored_events(store: Store) -> None:
    write(store, submission(track("old")))

    results = write(
        store,
        submission(track("x"), track("x", event="again"), track("old")),
        submission(track("x"), track("y")),
    )

    assert [(r.accepted, r.duplicates) for r in results] == [(1, 2), (1, 1)]
    rows = stored(store)
    assert [e["message_id"] for e in rows] == ["old", "x", "y"]
    assert next(e for e in rows if e["message_id"] == "x")["event"] == "E"  # first one kept
    assert sorted((b["event_count"], b["duplicate_count"]) for b in batches(store)) == [
        (1, 0), (2, 3),
    ]  # fmt: skip


def test_a_group_of_only_replays_queues_nothing_to_resolve(store: Store) -> None:
    write(store, submission(track("a")))
    [result] = write(store, submission(track("a")))

    assert (result.accepted, result.duplicates) == (0, 1)
    assert sorted(b["status"] for b in batches(store)) == ["done", "pending"]


def test_each_request_keeps_its_receive_time_and_skew_correction(store: Store) -> None:
    later = RECEIVED + timedelta(seconds=30)
    # Each client's clock runs an hour fast; each sent its event 10 s after it happened.
    early_event = track("early", timestamp=(RECEIVED + HOUR - timedelta(seconds=10)).isoformat(),
                        sentAt=(RECEIVED + HOUR).isoformat())  # fmt: skip
    late_event = track("late", timestamp=(later + HOUR - timedelta(seconds=10)).isoformat(),
                       sentAt=(later + HOUR).isoformat())  # fmt: skip

    write(store, submission(early_event), submission(late_event, received=later))

    early, late = sorted(stored(store), key=lambda e: e["message_id"])
    assert (early["received_at"], early["sent_at"]) == (RECEIVED, RECEIVED + HOUR)
    assert early["timestamp"] == RECEIVED - timedelta(seconds=10)
    assert (late["received_at"], late["sent_at"]) == (later, later + HOUR)
    assert late["timestamp"] == later - timedelta(seconds=10)


def test_rejections_keep_their_index_in_the_request(store: Store) -> None:
    read = submission(
        {"type": "track", "messageId": "typed", "userId": True, "event": "E"},
        track("ok"),
        {"type": "group", "messageId": "no-group", "userId": "u"},
    )
    [result] = write(store, read)

    assert [(r.index, r.message_id, r.field) for r in result.rejected] == [
        (0, "typed", "userId"), (2, "no-group", "groupId"),
    ]  # fmt: skip
    assert result.accepted == 1


def test_a_failing_group_stores_none_of_its_events(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = writer._append

    def append_then_fail(*args: Any) -> Any:
        original(*args)
        raise StoreError("disk full")

    monkeypatch.setattr(writer, "_append", append_then_fail)
    with pytest.raises(StoreError, match="disk full"):
        write(store, submission(track("a")), submission(track("b")))

    assert stored(store) == []
    assert batches(store) == []


# --- the writer: grouping, acknowledgement, failure, shutdown --------------------------


def writer_for(store: Store, settings: Settings, **options: Any) -> GroupCommitWriter:
    ingest = settings.ingest.model_copy(update={"group_commit_ms": 1000})
    return GroupCommitWriter(store, ingest, **options)


def test_concurrent_requests_share_one_commit_and_see_it_before_the_answer(
    store: Store, settings: Settings
) -> None:
    # Waits up to a second for company, but a full group (200 events) commits at once.
    group = writer_for(store, settings, max_group_events=200)
    first = submission(*(track(f"a{i}") for i in range(100)))
    second = submission(*(track(f"b{i}") for i in range(100)))

    async def both() -> list[writer.Written]:
        return list(await asyncio.gather(group.write(first), group.write(second)))

    try:
        results = asyncio.run(both())
    finally:
        group.close()

    assert [r.accepted for r in results] == [100, 100]
    assert len(stored(store)) == 200
    assert len(batches(store)) == 1  # one group, one write key: one transaction, one batch


def test_a_failure_fails_exactly_its_group_and_the_writer_goes_on(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = writer_for(store, settings, max_group_events=2)
    original = writer.write_group

    def fail_on_poison(store: Store, subs: list[Submission], **options: Any) -> Any:
        if any("poison" in s.messages.table.column("messageId").to_pylist() for s in subs):
            raise RuntimeError("a bug")
        return original(store, subs, **options)

    monkeypatch.setattr(writer, "write_group", fail_on_poison)
    try:
        doomed = [group.submit(submission(track("poison"))), group.submit(submission(track("x")))]
        for future in doomed:
            with pytest.raises(StoreError, match="none were"):
                future.result(timeout=30)
        assert group.submit(submission(track("after"))).result(timeout=30).accepted == 1
    finally:
        group.close()

    assert [e["message_id"] for e in stored(store)] == ["after"]


def test_close_commits_what_is_queued_then_refuses_more(store: Store, settings: Settings) -> None:
    group = writer_for(store, settings)
    queued = group.submit(submission(track("q")))
    group.close()

    assert queued.result(timeout=0).accepted == 1
    with pytest.raises(StoreError, match="shutting down"):
        group.submit(submission(track("late")))
    assert [e["message_id"] for e in stored(store)] == ["q"]
