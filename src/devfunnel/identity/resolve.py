"""Deterministic identity resolution: pending event batches become people and accounts.

Run by the background worker (and by ``devfunnel demo`` after loading). One run takes the
pending batches, reads the identities they carry, joins them with what is already known,
and in one transaction creates people, attaches new identities, merges people the new
evidence proves to be one, assigns accounts, refreshes the touched people's aggregates,
and marks the batches done. Only people the batches touch are recomputed.

A batch whose events resolution cannot use is set aside (``failed``, with its error) so
that it does not hold up the batches queued after it; see :func:`resolve_pending`.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity import accounts as account_assignment
from devfunnel.identity import people as person_attributes
from devfunnel.identity.graph import IdentityGraph
from devfunnel.identity.keys import key as make_key
from devfunnel.identity.merging import PlannedMerge, merge_people_batch
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.failures import is_data_error, reason
from devfunnel.store.query import chunked
from devfunnel.store.schema.events import events, ingest_batches
from devfunnel.store.schema.identity import (
    identities,
    identity_edges,
    merge_blocks,
    people,
)

log = logging.getLogger(__name__)

_KEY_COLUMNS = (("user_id", "user_id"), ("email", "email"), ("github", "github_login"),
                ("anonymous_id", "anonymous_id"))  # fmt: skip
_PERSON = "person:"


@dataclass
class ResolutionReport:
    """What one resolution run did."""

    batches: int = 0
    #: Batches set aside (status ``failed``) because their events cannot be resolved.
    failed: int = 0
    new_people: int = 0
    new_identities: int = 0
    merged_people: int = 0
    refused_edges: int = 0
    new_accounts: int = 0
    touched_people: list[uuid.UUID] = field(default_factory=list)
    touched_accounts: list[uuid.UUID] = field(default_factory=list)

    def add(self, other: ResolutionReport) -> None:
        """Count ``other`` (a run over other batches) into this report."""
        self.batches += other.batches
        self.failed += other.failed
        self.new_people += other.new_people
        self.new_identities += other.new_identities
        self.merged_people += other.merged_people
        self.refused_edges += other.refused_edges
        self.new_accounts += other.new_accounts
        self.touched_people = sorted({*self.touched_people, *other.touched_people})
        self.touched_accounts = sorted({*self.touched_accounts, *other.touched_accounts})


@dataclass
class _Observations:
    edges: list[tuple[str, str, str]] = field(default_factory=list)
    first_seen: dict[str, datetime] = field(default_factory=dict)
    last_seen: dict[str, datetime] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    def see(self, key: str, first: datetime, last: datetime, source: str) -> None:
        if key not in self.first_seen or first < self.first_seen[key]:
            self.first_seen[key] = first
        if key not in self.last_seen or last > self.last_seen[key]:
            self.last_seen[key] = last
        self.source.setdefault(key, source)


def resolve_pending(
    store: Store, settings: Settings, *, max_batches: int = 1000
) -> ResolutionReport:
    """Resolve up to ``max_batches`` pending batches; safe to call concurrently.

    The batches are resolved together, in one transaction: that is what keeps a backlog
    cheap. When that fails with a data error (:func:`devfunnel.store.failures.is_data_error`),
    some batch holds events resolution cannot use; all or nothing, it would fail the same
    way on every poll and hold up every batch after it. The batches are then resolved one
    at a time, and one that fails on its own is set aside: status ``failed`` with its
    error, which the worker never picks again (it takes ``pending`` batches only). Any other
    failure (the database unreachable or locked, a bug) is raised, and the worker retries
    the batches on its next poll.
    """
    try:
        report = _resolve(store, settings, limit=max_batches)
    except Exception as exc:
        if not is_data_error(exc):
            raise
        log.warning(
            "resolving the pending batches together failed (%s); resolving them one at a time",
            reason(exc),
        )
        report = _resolve_each(store, settings, limit=max_batches)
    if report.batches or report.failed:
        log.info(
            "resolved %d batches (%d set aside): %d new people, %d merged",
            report.batches,
            report.failed,
            report.new_people,
            report.merged_people,
        )
    return report


def _pending(limit: int) -> sa.Select[uuid.UUID]:
    b = ingest_batches.c
    return sa.select(b.id).where(b.status == "pending").order_by(b.received_at).limit(limit)


def _resolve(
    store: Store, settings: Settings, *, limit: int, only: uuid.UUID | None = None
) -> ResolutionReport:
    """Resolve the first ``limit`` pending batches (or batch ``only``, if still pending)
    in one transaction."""
    report = ResolutionReport()
    with store.exclusive("identity-resolution") as conn:
        query = _pending(limit)
        if only is not None:
            query = query.where(ingest_batches.c.id == only)
        batch_ids = [row[0] for row in conn.execute(query)]
        if not batch_ids:
            return report
        report.batches = len(batch_ids)
        observations = _observe(conn, batch_ids)
        _apply(store, conn, settings, observations, batch_ids, report)
        conn.execute(
            ingest_batches.update()
            .where(ingest_batches.c.id.in_(batch_ids))
            .values(status="done", processed_at=datetime.now(UTC))
        )
    return report


def _resolve_each(store: Store, settings: Settings, *, limit: int) -> ResolutionReport:
    """Resolve the pending batches one by one, setting aside each that fails on its own
    with a data error; stop at any other failure (those resolved so far stay resolved)."""
    with store.read() as conn:
        batch_ids = [row[0] for row in conn.execute(_pending(limit))]
    total = ResolutionReport()
    for batch_id in batch_ids:
        try:
            total.add(_resolve(store, settings, limit=1, only=batch_id))
        except Exception as exc:
            if not is_data_error(exc):
                raise
            total.failed += _set_aside(store, batch_id, exc)
    return total


def _set_aside(store: Store, batch_id: uuid.UUID, exc: BaseException) -> bool:
    """Mark a pending batch failed with the error it fails with; ``False`` when another
    process has dealt with it meanwhile."""
    error = reason(exc)
    b = ingest_batches.c
    with store.exclusive("identity-resolution") as conn:
        still_pending = conn.execute(
            sa.select(b.id).where(b.id == batch_id, b.status == "pending")
        ).first()
        if still_pending is None:
            return False
        conn.execute(
            ingest_batches.update()
            .where(b.id == batch_id)
            .values(status="failed", processed_at=datetime.now(UTC), error=error)
        )
    log.error("set aside ingest batch %s, which cannot be resolved: %s", batch_id, error)
    return True


def _observe(conn: sa.Connection, batch_ids: list[uuid.UUID]) -> _Observations:
    """Identity keys and the edges between them, from the distinct identity combinations."""
    e = events.c
    rows = conn.execute(
        sa.select(
            e.user_id,
            e.email,
            e.github_login,
            e.anonymous_id,
            e.type,
            e.previous_id,
            e.source,
            sa.func.min(e.timestamp),
            sa.func.max(e.timestamp),
        )
        .where(e.batch_id.in_(batch_ids))
        .group_by(
            e.user_id, e.email, e.github_login, e.anonymous_id, e.type, e.previous_id, e.source
        )
    )
    obs = _Observations()
    aliases: list[tuple[str, str, datetime, str]] = []
    for user_id, email, github, anonymous_id, kind, previous_id, source, first, last in rows:
        person_attributes.require_times(f"an event from {source!r}", first, last)
        values = {
            "user_id": user_id,
            "email": email,
            "github": github,
            "anonymous_id": anonymous_id,
        }
        keys = [make_key(k, values[k]) for k, _ in _KEY_COLUMNS if values[k] is not None]
        for key in keys:
            obs.see(key, first, last, source)
        evidence = "identify" if kind == "identify" else "same_event"
        obs.edges.extend((a, b, evidence) for a, b in itertools.pairwise(keys))
        if kind == "alias" and previous_id is not None and user_id is not None:
            aliases.append((make_key("user_id", user_id), previous_id, first, source))
    for user_key, previous_id, seen, source in aliases:
        prev_key = _alias_target(conn, obs, previous_id)
        obs.see(prev_key, seen, seen, source)
        obs.edges.append((user_key, prev_key, "alias"))
    return obs


def _alias_target(conn: sa.Connection, obs: _Observations, previous_id: str) -> str:
    """Segment's previousId may be an anonymous id or an earlier user id; use whichever
    we have seen, preferring the anonymous one (the common case)."""
    for kind in ("anonymous_id", "user_id"):
        candidate = make_key(kind, previous_id)
        if candidate in obs.first_seen:
            return candidate
        known = conn.execute(sa.select(identities.c.key).where(identities.c.key == candidate))
        if known.first() is not None:
            return candidate
    return make_key("anonymous_id", previous_id)


def _apply(
    store: Store,
    conn: sa.Connection,
    settings: Settings,
    obs: _Observations,
    batch_ids: list[uuid.UUID],
    report: ResolutionReport,
) -> None:
    now = datetime.now(UTC)
    keys = list(obs.first_seen)
    existing = _existing_identities(conn, keys)
    persons = sorted(set(existing.values()))
    # All keys of the people involved, so blocks on any of them are honoured.
    members = _identities_of(conn, persons)
    blocks = [
        (a, b) for a, b in conn.execute(sa.select(merge_blocks.c.key_a, merge_blocks.c.key_b))
    ]
    graph = IdentityGraph(blocks)
    for key, person_id in {**members, **existing}.items():
        graph.union(_PERSON + str(person_id), key)
    for key in keys:
        graph.add(key)
    for a, b, _evidence in obs.edges:
        graph.union(a, b)
    report.refused_edges = len(graph.refused)

    new_identity_rows: list[dict[str, Any]] = []
    seen_updates: list[dict[str, Any]] = []
    new_people: list[uuid.UUID] = []
    touched: set[uuid.UUID] = set()
    planned: list[PlannedMerge] = []
    for component in graph.components().values():
        owners = sorted(uuid.UUID(k[len(_PERSON) :]) for k in component if k.startswith(_PERSON))
        real = [k for k in component if not k.startswith(_PERSON)]
        if not any(k in obs.first_seen for k in real):
            continue  # a person untouched by this batch, pulled in only through blocks
        if owners:
            winner = owners[0]
            for loser in owners[1:]:
                planned.append(PlannedMerge(winner, loser))
                report.merged_people += 1
        else:
            winner = new_id()
            new_people.append(winner)
        touched.add(winner)
        for key in real:
            if key not in obs.first_seen:
                continue
            if key in existing:
                seen_updates.append(
                    {"key": key, "first_seen": obs.first_seen[key], "last_seen": obs.last_seen[key]}
                )
            else:
                kind, value = key.split(":", 1)
                new_identity_rows.append({
                    "id": str(new_id()), "person_id": str(winner), "kind": kind,
                    "value": value, "key": key, "first_seen": obs.first_seen[key],
                    "last_seen": obs.last_seen[key], "source": obs.source[key],
                    "created_at": now})  # fmt: skip

    merge_people_batch(store, conn, planned, kind="automatic", now=now)
    if new_people:
        store.append(
            conn,
            people,
            pa.Table.from_pylist(
                [{"id": str(p), "created_at": now, "updated_at": now} for p in new_people]
            ),
        )
    if new_identity_rows:
        store.append(conn, identities, pa.Table.from_pylist(new_identity_rows), unique_on=("key",))
    if seen_updates:
        _widen_seen(store, conn, seen_updates)
    _keep_edges(store, conn, obs, now)
    report.new_people = len(new_people)
    report.new_identities = len(new_identity_rows)
    report.touched_people = sorted(touched)

    person_attributes.refresh(store, conn, settings, report.touched_people, now)
    outcome = account_assignment.assign(
        store, conn, settings, batch_ids, report.touched_people, now
    )
    report.new_accounts = outcome.new_accounts
    report.touched_accounts = outcome.touched_accounts


def _keep_edges(store: Store, conn: sa.Connection, obs: _Observations, now: datetime) -> None:
    """Store the evidence joining identities, so a merge can be explained and undone."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for a, b, evidence in obs.edges:
        low, high = (a, b) if a < b else (b, a)
        if low != high and (low, high) not in rows:
            seen = max(obs.first_seen.get(low, now), obs.first_seen.get(high, now))
            rows[(low, high)] = {"a": low, "b": high, "evidence": evidence, "first_seen": seen}
    if rows:
        store.append(
            conn, identity_edges, pa.Table.from_pylist(list(rows.values())), unique_on=("a", "b")
        )


def _existing_identities(conn: sa.Connection, keys: list[str]) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    for part in chunked(keys):
        for key, person_id in conn.execute(
            sa.select(identities.c.key, identities.c.person_id).where(identities.c.key.in_(part))
        ):
            found[key] = person_id
    return found


def _identities_of(conn: sa.Connection, persons: list[uuid.UUID]) -> dict[str, uuid.UUID]:
    found: dict[str, uuid.UUID] = {}
    for part in chunked(persons):
        for key, person_id in conn.execute(
            sa.select(identities.c.key, identities.c.person_id).where(
                identities.c.person_id.in_(part)
            )
        ):
            found[key] = person_id
    return found


def _widen_seen(store: Store, conn: sa.Connection, updates: list[dict[str, Any]]) -> None:
    """Stretch first/last seen of known identities to cover the new events."""
    by_key: dict[str, dict[str, Any]] = {}
    for row in updates:
        current = by_key.get(row["key"])
        if current is None:
            by_key[row["key"]] = dict(row)
        else:
            current["first_seen"] = min(current["first_seen"], row["first_seen"])
            current["last_seen"] = max(current["last_seen"], row["last_seen"])
    old: dict[str, dict[str, Any]] = {}
    for part in chunked(list(by_key)):
        for key, first, last in conn.execute(
            sa.select(identities.c.key, identities.c.first_seen, identities.c.last_seen).where(
                identities.c.key.in_(part)
            )
        ):
            old[key] = {"first_seen": first, "last_seen": last}
    rows = []
    for key, row in by_key.items():
        before = old.get(key, {})
        first = min(x for x in (row["first_seen"], before.get("first_seen")) if x is not None)
        last = max(x for x in (row["last_seen"], before.get("last_seen")) if x is not None)
        rows.append({"key": key, "first_seen": first, "last_seen": last})
    store.update(conn, identities, pa.Table.from_pylist(rows), key=("key",))
