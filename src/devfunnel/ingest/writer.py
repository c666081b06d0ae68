"""Group commit: concurrent intake requests share one validation pass and one transaction.

A request is acknowledged only when the transaction holding its events has committed, so
an acknowledgement means durable. Committing each request alone would spend most of the
time on fixed costs (``prepare`` takes about 2 ms for 100 events and 5 ms for 1,600; a
commit, a de-duplicating append and queueing a batch each have one too), so one thread
takes whatever requests are waiting (after waiting up to ``ingest.group_commit_ms`` for
company), prepares them together, and appends them in one transaction. If that fails,
every request of the group gets the error and none of their events is stored; other
groups are unaffected.

Replays (the same ``messageId`` from the same write key) are skipped by the store's
de-duplicating append, once per group: ``ON CONFLICT DO NOTHING`` on PostgreSQL's unique
index, an anti-join on DuckDB (which keeps no index on events, for append speed, so its
appends take turns, as in ``append_events``). Grouping is what keeps the anti-join
affordable: it scans the stored events once per commit, not once per request. Replays
are counted per request; only when the append skipped some does that take a lookup.

The thread starts on the first request and ends after a short idle spell, so an app needs
no start-up or shutdown hook; :meth:`GroupCommitWriter.close` drains and stops it early.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
import uuid
from collections import Counter, deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime

import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from devfunnel.config.runtime import IngestSettings
from devfunnel.errors import DevfunnelError, StoreError
from devfunnel.ids import new_id
from devfunnel.ingest.append import appending
from devfunnel.ingest.prepare import TS, prepare
from devfunnel.ingest.segment import Messages, Rejection
from devfunnel.ingest.times import micros
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events, ingest_batches

log = logging.getLogger(__name__)


@dataclass
class Submission:
    """One request's messages, from one write key, received at one moment."""

    messages: Messages
    source: str
    received_at: datetime


@dataclass
class Written:
    """What became of one request's messages once its group committed."""

    accepted: int
    duplicates: int
    rejected: list[Rejection] = field(default_factory=list)


class GroupCommitWriter:
    """Appends submissions in groups; one instance per app (``app.state.intake_writer``).

    One thread commits: on two cores a second one only made groups smaller, since the
    commit is CPU work on those same cores (DuckDB in process, or the PostgreSQL server).
    """

    def __init__(
        self,
        store: Store,
        settings: IngestSettings,
        *,
        max_group_events: int = 20_000,
        max_pending_events: int = 200_000,
        idle_seconds: float = 0.5,
    ) -> None:
        self.store = store
        self.settings = settings
        self.max_group_events = max_group_events
        #: Events accepted into the queue but not yet committed; beyond this, ``write``
        #: waits, so a burst cannot hold unbounded request bodies in memory.
        self.max_pending_events = max_pending_events
        self.idle_seconds = idle_seconds
        self._queue: deque[tuple[Submission, Future[Written]]] = deque()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._closed = False

    async def write(self, submission: Submission) -> Written:
        """Queue ``submission`` and wait until its group has committed (or failed)."""
        size = submission.messages.table.num_rows
        while not self._reserve(size):
            await asyncio.sleep(0.002)  # rare: only while over max_pending_events
        try:
            future = self.submit(submission)
        except BaseException:
            self._release(size)
            raise
        future.add_done_callback(lambda _: self._release(size))
        return await asyncio.wrap_future(future)

    def submit(self, submission: Submission) -> Future[Written]:
        """Queue ``submission``; the future resolves when its group has committed."""
        future: Future[Written] = Future()
        with self._cond:
            if self._closed:
                raise StoreError("event intake is shutting down; retry shortly")
            self._queue.append((submission, future))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="devfunnel-intake-writer")
                self._thread.start()
            self._cond.notify()
        return future

    def close(self, timeout: float | None = 30.0) -> None:
        """Commit what is queued, then stop the thread; later submissions are refused."""
        with self._cond:
            self._closed = True
            thread = self._thread
            self._cond.notify()
        if thread is not None:
            thread.join(timeout)

    def _reserve(self, size: int) -> bool:
        with self._cond:
            if self._pending and self._pending + size > self.max_pending_events:
                return False
            self._pending += size
            return True

    def _release(self, size: int) -> None:
        with self._cond:
            self._pending -= size

    def _run(self) -> None:
        while True:
            group = self._gather()
            if group is None:
                return
            self._commit(group)

    def _gather(self) -> list[tuple[Submission, Future[Written]]] | None:
        """The next group, or ``None`` once idle (or closed) with nothing queued."""
        with self._cond:
            idle_until = time.monotonic() + self.idle_seconds
            while not self._queue:
                remaining = idle_until - time.monotonic()
                if self._closed or remaining <= 0:
                    self._thread = None
                    return None
                self._cond.wait(remaining)
            group = [self._queue.popleft()]
            events = group[0][0].messages.table.num_rows
            gather_until = time.monotonic() + self.settings.group_commit_ms / 1000
            while events < self.max_group_events:
                if self._queue:
                    group.append(self._queue.popleft())
                    events += group[-1][0].messages.table.num_rows
                    continue
                remaining = gather_until - time.monotonic()
                if remaining <= 0 or self._closed:
                    break
                self._cond.wait(remaining)
            return group

    def _commit(self, group: list[tuple[Submission, Future[Written]]]) -> None:
        live = [(sub, fut) for sub, fut in group if fut.set_running_or_notify_cancel()]
        if not live:
            return
        started = time.perf_counter()
        try:
            results = write_group(
                self.store,
                [sub for sub, _ in live],
                max_event_bytes=self.settings.max_event_bytes,
                correct_clock_skew=self.settings.correct_clock_skew,
            )
        except DevfunnelError as exc:
            log.warning("a group of %d intake requests failed: %s", len(live), exc.detail)
            for _, fut in live:
                fut.set_exception(copy.copy(exc))
        except Exception:  # a bug fails its own group, never the writer
            log.exception("a group of %d intake requests failed", len(live))
            for _, fut in live:
                fut.set_exception(
                    StoreError("the events could not be stored (none were); retry the request")
                )
        else:
            log.debug(
                "committed %d requests, %d events in %.1f ms",
                len(live),
                sum(w.accepted for w in results),
                1000 * (time.perf_counter() - started),
            )
            for (_, fut), written in zip(live, results, strict=True):
                fut.set_result(written)


# --- one group: prepare together, deduplicate, append in one transaction ----------------

#: What identifies a replay: the same message id from the same write key.
_KEY = ("source", "message_id")


@dataclass
class _Part:
    """The prepared rows of one write key within a group."""

    source: str
    batch_id: str
    received_at: datetime
    rows: pa.Table
    #: Index (within the group) of the submission each row came from.
    owners: list[int]


def write_group(
    store: Store, submissions: list[Submission], *, max_event_bytes: int, correct_clock_skew: bool
) -> list[Written]:
    """Store the submissions' events in one transaction; what became of each submission."""
    rejected: list[list[Rejection]] = [list(sub.messages.rejected) for sub in submissions]
    by_source: dict[str, list[int]] = {}
    for number, sub in enumerate(submissions):
        if sub.messages.table.num_rows:
            by_source.setdefault(sub.source, []).append(number)
    parts = [
        _prepare(source, numbers, submissions, rejected, max_event_bytes, correct_clock_skew)
        for source, numbers in by_source.items()
    ]
    with appending(store) as conn:
        inserted = _append(store, conn, parts)
    offered = [0] * len(submissions)
    for part in parts:
        for owner in part.owners:
            offered[owner] += 1
    return [
        Written(inserted[n], offered[n] - inserted[n], sorted(rejected[n], key=_by_index))
        for n in range(len(submissions))
    ]


def _prepare(
    source: str,
    numbers: list[int],
    submissions: list[Submission],
    rejected: list[list[Rejection]],
    max_event_bytes: int,
    skew: bool,
) -> _Part:
    """One ``prepare`` call for all of a write key's submissions in the group.

    ``prepare`` takes one receive time; each submission keeps its own: its ``sentAt`` is
    shifted by the difference before (so the skew correction sees its own receive time)
    and the stored ``sent_at`` and ``received_at`` are put back afterwards.
    """
    reference = submissions[numbers[0]].received_at
    tables: list[pa.Table] = []
    originals: list[pa.ChunkedArray] = []
    owners: list[int] = []
    starts: dict[int, int] = {}
    for number in numbers:
        sub = submissions[number]
        table = sub.messages.table
        originals.append(table.column("sentAt"))
        if skew and sub.received_at != reference:
            shift = pa.scalar(reference - sub.received_at, pa.duration("us"))
            moved = pc.add(table.column("sentAt"), shift)
            table = table.set_column(table.schema.get_field_index("sentAt"), "sentAt", moved)
        starts[number] = len(owners)
        owners.extend([number] * table.num_rows)
        tables.append(table)
    batch_id = str(new_id())
    prepared = prepare(
        pa.concat_tables(tables),
        source=source,
        received_at=reference,
        max_event_bytes=max_event_bytes,
        correct_clock_skew=skew,
        batch_id=batch_id,
    )
    dropped = {r.index for r in prepared.rejected}
    for refused in prepared.rejected:
        number = owners[refused.index]
        position = submissions[number].messages.positions[refused.index - starts[number]]
        rejected[number].append(Rejection.from_prepare(refused, position))
    kept = [i for i in range(len(owners)) if i not in dropped]
    kept_owners = [owners[i] for i in kept] if dropped else owners
    rows = prepared.rows
    if any(submissions[n].received_at != reference for n in numbers):
        received = {n: micros(submissions[n].received_at) for n in numbers}
        stamps = pa.array([received[n] for n in kept_owners], pa.int64()).view(TS)
        sent = pa.chunked_array(originals, TS).take(pa.array(kept, pa.int64()))
        rows = rows.set_column(rows.schema.get_field_index("received_at"), "received_at", stamps)
        rows = rows.set_column(rows.schema.get_field_index("sent_at"), "sent_at", sent)
    return _Part(source, batch_id, reference, rows, kept_owners)


def _append(store: Store, conn: sa.Connection, parts: list[_Part]) -> Counter[int]:
    """Insert the parts' rows but replays, queue one batch per part; the number of events
    inserted per submission."""
    counts: Counter[int] = Counter()
    tables = [part.rows for part in parts]
    offered = sum(t.num_rows for t in tables)
    inserted = (
        store.append(conn, events, pa.concat_tables(tables), unique_on=_KEY) if offered else 0
    )
    batches = []
    for part in parts:
        if inserted == offered:  # the common case: no replays
            counts.update(part.owners)
            stored = part.rows.num_rows
        else:
            stored = _credit_inserted(conn, part, counts)
        if part.rows.num_rows:
            batches.append({
                "id": part.batch_id, "source": part.source, "received_at": part.received_at,
                "event_count": stored, "duplicate_count": part.rows.num_rows - stored,
                "status": "pending" if stored else "done"})  # fmt: skip
    if batches:
        conn.execute(ingest_batches.insert(), batches)
    return counts


def _credit_inserted(conn: sa.Connection, part: _Part, counts: Counter[int]) -> int:
    """After an append that skipped replays: credit each submission with the rows this
    transaction inserted (the store keeps the first of repeats within one append). Looks
    up the part's own message ids in its own batch: an index scan on PostgreSQL, and on
    DuckDB a scan the time-ordered batch id narrows to the newest rows."""
    ids = part.rows.column("message_id").to_pylist()
    e = events.c
    new: set[str] = set()
    for chunk in chunked(sorted(set(ids))):
        query = sa.select(e.message_id).where(
            e.batch_id == uuid.UUID(part.batch_id), e.source == part.source, e.message_id.in_(chunk)
        )
        new.update(message_id for (message_id,) in conn.execute(query))
    stored = len(new)
    for message_id, owner in zip(ids, part.owners, strict=True):
        if message_id in new:
            new.discard(message_id)  # later repeats of it were replays
            counts[owner] += 1
    return stored


def _by_index(rejection: Rejection) -> int:
    return rejection.index
