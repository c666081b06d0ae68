"""Deterministic identity resolution: pending event batches become people and accounts.

Run by the background worker (and by ``devfunnel demo`` after loading). One run takes the
pending batches, reads the identities they carry, joins them with what is already known,
and in one transaction creates people, attaches new identities, merges people the new
evidence proves to be one, assigns accounts, refreshes the touched people's aggregates,
and marks the batches done. Only people the batches touch are recomputed.
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
    new_people: int = 0
    new_identities: int = 0
    merged_people: int = 0
    refused_edges: int = 0
    new_accounts: int = 0
    touched_people: list[uuid.UUID] = field(default_factory=list)
    touched_accounts: list[uuid.UUID] = field(default_factory=list)


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
    """Resolve up to ``max_batches`` pending batches; safe to call concurrently."""
    report = ResolutionReport()
    with store.exclusive("identity-resolution") as conn:
        batch_ids = [
            row[0]
            for row in conn.execute(
                sa.select(ingest_batches.c.id)
                .where(ingest_batches.c.status == "pending")
                .order_by(ingest_batches.c.received_at)
                .limit(max_batches)
            )
        ]
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
    log.info(
        "resolved %d batches: %d new people, %d merged",
        report.batches,
        report.new_people,
        report.merged_people,
    )
    return report


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
