"""Merging people, undoing merges, and remembering pairs that must never merge.

A merge moves the absorbed person's identities to the survivor and tombstones the absorbed
row (``merged_into``), so its id is never reused and old references still resolve. The
moved identity keys are recorded with the merge; unmerging moves exactly those keys back,
and their events follow, because events resolve through identity keys rather than a stored
person id. Unmerging also records a block so that neither deterministic resolution nor the
matcher joins the two again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.errors import Conflict, NotFound
from devfunnel.identity import people as person_attributes
from devfunnel.identity.accounts import RANK
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import (
    identities,
    merge_blocks,
    merge_suggestions,
    merges,
    people,
)


def live_person(conn: sa.Connection, person_id: uuid.UUID) -> uuid.UUID:
    """Follow ``merged_into`` to the surviving person."""
    seen = set()
    current = person_id
    while True:
        row = conn.execute(sa.select(people.c.merged_into).where(people.c.id == current)).first()
        if row is None:
            raise NotFound(f"no person {person_id}", person_id=str(person_id))
        if row.merged_into is None or current in seen:
            return current
        seen.add(current)
        current = row.merged_into


def merge_people(
    conn: sa.Connection,
    winner: uuid.UUID,
    loser: uuid.UUID,
    *,
    kind: str,
    actor: Actor | None = None,
    suggestion_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> uuid.UUID:
    """Fold ``loser`` into ``winner``; return the merge's id. The stronger account wins."""
    now = now or datetime.now(UTC)
    if winner == loser:
        raise Conflict("a person cannot be merged with themselves", person_id=str(winner))
    moved = sorted(
        conn.execute(sa.select(identities.c.key).where(identities.c.person_id == loser)).scalars()
    )
    _keep_stronger_account(conn, winner, loser)
    conn.execute(
        identities.update().where(identities.c.person_id == loser).values(person_id=winner)
    )
    conn.execute(
        people.update().where(people.c.id == loser).values(merged_into=winner, updated_at=now)
    )
    merge_id = new_id()
    conn.execute(
        merges.insert().values(
            id=merge_id,
            winner_id=winner,
            loser_id=loser,
            identity_keys=moved,
            kind=kind,
            suggestion_id=suggestion_id,
            merged_by=actor.id if actor else None,
            merged_at=now,
        )
    )
    person_attributes.repoint_references(conn, loser, winner)
    if actor is not None:
        record(
            conn,
            actor,
            "person.merge",
            entity_kind="person",
            entity_id=winner,
            after={"merged": str(loser), "merge": str(merge_id), "kind": kind},
        )
    return merge_id


@dataclass(frozen=True)
class PlannedMerge:
    """One automatic merge of a batch: ``loser`` folds into ``winner``."""

    winner: uuid.UUID
    loser: uuid.UUID
    suggestion_id: uuid.UUID | None = None


def merge_people_batch(
    store: Store,
    conn: sa.Connection,
    planned: Sequence[PlannedMerge],
    *,
    kind: str,
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """Apply ``planned`` automatic merges, in order, as a handful of set-wise statements.

    The result is that of calling :func:`merge_people` once per merge in the same order
    (a merge may absorb a person that absorbed others before, and the stronger account
    travels along the chain), but a few hundred merges cost a dozen statements instead
    of a dozen each. Merges here have no actor, so no audit entries; the merge rows keep
    the record. Returns the merges' ids, in order.
    """
    now = now or datetime.now(UTC)
    if not planned:
        return []
    involved = sorted({p.winner for p in planned} | {p.loser for p in planned})
    keys: dict[uuid.UUID, list[str]] = {person: [] for person in involved}
    account: dict[uuid.UUID, tuple[Any, Any]] = {}
    for part in chunked(involved):
        for person_id, key in conn.execute(
            sa.select(identities.c.person_id, identities.c.key).where(
                identities.c.person_id.in_(part)
            )
        ):
            keys[person_id].append(key)
        for row in conn.execute(
            sa.select(people.c.id, people.c.account_id, people.c.account_source).where(
                people.c.id.in_(part)
            )
        ):
            account[row.id] = (row.account_id, row.account_source)
    # Replay the merges in memory: who ends up where, which keys each merge moved, and
    # which survivor's account changed.
    final: dict[uuid.UUID, uuid.UUID] = {}
    merge_ids: list[uuid.UUID] = []
    moves: list[tuple[PlannedMerge, list[str]]] = []
    merge_rows, tombstones, accounts_changed = [], [], set()
    for p in planned:
        if p.winner == p.loser:
            raise Conflict("a person cannot be merged with themselves", person_id=str(p.winner))
        moved = sorted(keys[p.loser])
        moves.append((p, moved))
        keys[p.winner].extend(keys[p.loser])
        keys[p.loser] = []
        won, lost = account.get(p.winner), account.get(p.loser)
        if (
            won is not None
            and lost is not None
            and lost[0] is not None
            and RANK.get(lost[1] or "", 0) > RANK.get(won[1] or "", 0)
        ):
            account[p.winner] = lost
            accounts_changed.add(p.winner)
        final[p.loser] = p.winner
        merge_ids.append(new_id())
        merge_rows.append({
            "id": merge_ids[-1], "winner_id": p.winner, "loser_id": p.loser, "identity_keys": moved,
            "kind": kind, "suggestion_id": p.suggestion_id, "merged_by": None,
            "merged_at": now})  # fmt: skip
        tombstones.append({"id": str(p.loser), "merged_into": str(p.winner), "updated_at": now})

    def survivor(person: uuid.UUID) -> uuid.UUID:
        seen = {person}
        while person in final and final[person] not in seen:
            person = final[person]
            seen.add(person)
        return person

    # A key moved twice (into a person absorbed later) ends with the last survivor.
    owner_of = {key: survivor(p.winner) for p, keys_moved in moves for key in keys_moved}
    moved_keys = [{"key": key, "person_id": str(person)} for key, person in owner_of.items()]
    if moved_keys:
        store.update(conn, identities, pa.Table.from_pylist(moved_keys), key=("key",))
    store.update(conn, people, pa.Table.from_pylist(tombstones))
    if accounts_changed:
        store.update(
            conn,
            people,
            pa.Table.from_pylist(
                [
                    {
                        "id": str(person),
                        "account_id": str(account[person][0]),
                        "account_source": account[person][1],
                    }
                    for person in sorted(accounts_changed)
                ]
            ),
        )
    conn.execute(merges.insert(), merge_rows)
    person_attributes.repoint_many(store, conn, {loser: survivor(loser) for loser in final})
    return merge_ids


def _keep_stronger_account(conn: sa.Connection, winner: uuid.UUID, loser: uuid.UUID) -> None:
    rows = {
        row.id: row
        for row in conn.execute(
            sa.select(people.c.id, people.c.account_id, people.c.account_source).where(
                people.c.id.in_([winner, loser])
            )
        )
    }
    won, lost = rows.get(winner), rows.get(loser)
    if won is None or lost is None or lost.account_id is None:
        return
    if RANK.get(lost.account_source or "", 0) > RANK.get(won.account_source or "", 0):
        conn.execute(
            people.update()
            .where(people.c.id == winner)
            .values(account_id=lost.account_id, account_source=lost.account_source)
        )


def unmerge(
    conn: sa.Connection,
    merge_id: uuid.UUID,
    actor: Actor,
    *,
    reason: str | None = None,
    block: bool = True,
) -> tuple[uuid.UUID, uuid.UUID]:
    """Undo a merge: the absorbed person returns with its identities (and so its events).

    Returns (winner, restored loser). With ``block`` the pair is also never merged again.
    """
    row = conn.execute(sa.select(merges).where(merges.c.id == merge_id)).first()
    if row is None:
        raise NotFound(f"no merge {merge_id}", merge_id=str(merge_id))
    if row.undone_at is not None:
        raise Conflict(f"merge {merge_id} was already undone", merge_id=str(merge_id))
    keys: list[str] = list(row.identity_keys or [])
    now = datetime.now(UTC)
    conn.execute(
        people.update().where(people.c.id == row.loser_id).values(merged_into=None, updated_at=now)
    )
    if keys:
        conn.execute(
            identities.update().where(identities.c.key.in_(keys)).values(person_id=row.loser_id)
        )
    conn.execute(
        merges.update().where(merges.c.id == merge_id).values(undone_at=now, undone_by=actor.id)
    )
    if block and keys:
        kept = conn.execute(
            sa.select(identities.c.key)
            .where(identities.c.person_id == row.winner_id)
            .order_by(identities.c.first_seen)
            .limit(1)
        ).scalar()
        if kept is not None:
            add_block(conn, kept, keys[0], actor, reason=reason or "unmerged")
    record(
        conn,
        actor,
        "person.unmerge",
        entity_kind="person",
        entity_id=row.winner_id,
        after={"restored": str(row.loser_id), "merge": str(merge_id)},
        reason=reason,
    )
    return row.winner_id, row.loser_id


def add_block(
    conn: sa.Connection,
    key_a: str,
    key_b: str,
    actor: Actor | None = None,
    *,
    reason: str | None = None,
) -> bool:
    """Remember that two identities belong to different people; False if already known."""
    low, high = sorted((key_a, key_b))
    if low == high:
        raise Conflict("an identity cannot be kept apart from itself", key=low)
    exists = conn.execute(
        sa.select(merge_blocks.c.key_a).where(
            merge_blocks.c.key_a == low, merge_blocks.c.key_b == high
        )
    ).first()
    if exists is not None:
        return False
    conn.execute(
        merge_blocks.insert().values(
            key_a=low,
            key_b=high,
            reason=reason,
            blocked_by=actor.id if actor else None,
            created_at=datetime.now(UTC),
        )
    )
    if actor is not None:
        record(
            conn,
            actor,
            "person.block",
            entity_kind="identity",
            reason=reason,
            after={"keys": [low, high]},
        )
    return True


def block_people(
    conn: sa.Connection, a: uuid.UUID, b: uuid.UUID, actor: Actor, reason: str | None = None
) -> None:
    """Never merge these two people (recorded on one identity of each)."""
    keys = []
    for person in (a, b):
        key = conn.execute(
            sa.select(identities.c.key)
            .where(identities.c.person_id == person)
            .order_by(identities.c.first_seen)
            .limit(1)
        ).scalar()
        if key is None:
            raise NotFound(f"person {person} has no identities", person_id=str(person))
        keys.append(key)
    add_block(conn, keys[0], keys[1], actor, reason=reason)


def decide_suggestion(
    conn: sa.Connection,
    suggestion_id: uuid.UUID,
    accept: bool,
    actor: Actor,
    reason: str | None = None,
) -> dict[str, Any]:
    """Accept (merge) or reject (and block) a pending merge suggestion."""
    row = conn.execute(
        sa.select(merge_suggestions).where(merge_suggestions.c.id == suggestion_id)
    ).first()
    if row is None:
        raise NotFound(f"no merge suggestion {suggestion_id}", suggestion_id=str(suggestion_id))
    if row.status != "pending":
        raise Conflict(f"suggestion {suggestion_id} is already {row.status}", status=row.status)
    a, b = live_person(conn, row.person_a), live_person(conn, row.person_b)
    now = datetime.now(UTC)
    outcome: dict[str, Any] = {"suggestion": str(suggestion_id)}
    if accept:
        if a == b:
            raise Conflict("the two people were already merged")
        winner, loser = min(a, b), max(a, b)
        outcome["merge"] = str(
            merge_people(
                conn,
                winner,
                loser,
                kind="manual",
                actor=actor,
                suggestion_id=suggestion_id,
                now=now,
            )
        )
        outcome["person"] = str(winner)
    else:
        block_people(conn, a, b, actor, reason or "merge suggestion rejected")
    conn.execute(
        merge_suggestions.update()
        .where(merge_suggestions.c.id == suggestion_id)
        .values(status="accepted" if accept else "rejected", decided_by=actor.id, decided_at=now)
    )
    return outcome
