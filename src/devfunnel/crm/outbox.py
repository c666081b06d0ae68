"""The CRM outbox (``crm_outbox``): changes to write back, queued once and sent once.

A change is enqueued inside the transaction of whatever caused it, under an
``idempotency_key`` that names the change (the system, CRM object, devfunnel record and a
digest of what is sent), so the same change is queued once however often it is seen.
The sender (:mod:`devfunnel.crm.push`) claims due rows under a lease, calls the CRM with no
transaction open, then records each row: ``sent`` with the CRM object's id, or the next
attempt after ``crm.retry_seconds[attempt - 1]`` (or the CRM's ``Retry-After``), or
``dead`` with ``last_error``. A rate-limited row is put back without counting an attempt.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.alerts.context import load_json
from devfunnel.config import Settings
from devfunnel.crm.mapping import SYSTEMS
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.ids import new_id, parse_id
from devfunnel.outbound import next_delay
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import crm_outbox

STATUSES = ("pending", "sent", "dead")


@dataclass(frozen=True)
class Change:
    """One write to a CRM, not yet queued."""

    system: str
    object: str
    record_id: uuid.UUID
    payload: dict[str, Any]
    idempotency_key: str


@dataclass(frozen=True)
class OutboxRow:
    id: uuid.UUID
    system: str
    object: str
    record_id: uuid.UUID
    payload: dict[str, Any]
    idempotency_key: str
    status: str
    #: Attempts including the one in progress, for claimed rows.
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    crm_object_id: str | None
    sent_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class Result:
    """What happened to one claimed row."""

    row: OutboxRow
    ok: bool
    crm_object_id: str | None = None
    error: str | None = None
    retry: bool = False
    retry_after: float | None = None
    #: The CRM asked us to slow down: try again later, without counting an attempt.
    rate_limited: bool = False


def enqueue(conn: sa.Connection, changes: Iterable[Change], now: datetime) -> int:
    """Queue the changes whose idempotency key is new; returns how many were queued.
    Call it inside the transaction that makes the change."""
    fresh: dict[str, Change] = {}
    for change in changes:
        fresh.setdefault(change.idempotency_key, change)
    keys = sorted(fresh)
    for part in chunked(keys):
        known = conn.execute(
            sa.select(crm_outbox.c.idempotency_key).where(crm_outbox.c.idempotency_key.in_(part))
        ).scalars()
        for key in known:
            fresh.pop(key, None)
    for change in fresh.values():
        conn.execute(
            crm_outbox.insert().values(
                id=new_id(),
                system=change.system,
                object=change.object,
                record_id=change.record_id,
                payload=change.payload,
                idempotency_key=change.idempotency_key,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
    return len(fresh)


def latest_fingerprints(
    conn: sa.Connection, system: str, object_: str, record_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """The fingerprint of the newest queued change per record (whatever its status), so an
    unchanged state is not queued again while a changed-back one is."""
    o = crm_outbox.c
    found: dict[uuid.UUID, str | None] = {}
    for part in chunked(sorted(set(record_ids))):
        ranked = (
            sa.select(
                o.record_id,
                o.payload,
                sa.func.row_number()
                .over(partition_by=o.record_id, order_by=(o.created_at.desc(), o.id.desc()))
                .label("rank"),
            )
            .where(o.system == system, o.object == object_, o.record_id.in_(part))
            .subquery()
        )
        query = sa.select(ranked.c.record_id, ranked.c.payload).where(ranked.c.rank == 1)
        for record_id, payload in conn.execute(query):
            found[record_id] = (load_json(payload) or {}).get("fingerprint")
    return found


def claim(
    store: Store, system: str, now: datetime, *, limit: int, lease_seconds: float
) -> list[OutboxRow]:
    """Take due pending rows of ``system`` (oldest first) and count the attempt."""
    o = crm_outbox.c
    query = (
        sa.select(crm_outbox)
        .where(o.system == system, o.status == "pending", o.next_attempt_at <= now)
        .order_by(o.created_at, o.id)
        .limit(limit)
    )
    with store.exclusive(f"crm-outbox:{system}") as conn:
        rows = conn.execute(query).all()
        if not rows:
            return []
        conn.execute(
            crm_outbox.update()
            .where(o.id.in_([r.id for r in rows]))
            .values(attempts=o.attempts + 1, next_attempt_at=now + timedelta(seconds=lease_seconds))
        )
    return [_row(r, attempts=r.attempts + 1) for r in rows]


def record_results(
    store: Store, settings: Settings, results: Iterable[Result], now: datetime
) -> dict[str, int]:
    """Write each claimed row's outcome; returns counts by outcome."""
    counts = {"sent": 0, "retrying": 0, "dead": 0, "rate_limited": 0}
    o = crm_outbox.c
    with store.transaction() as conn:
        for result in results:
            row = result.row
            values: dict[str, Any]
            if result.ok:
                values = {
                    "status": "sent",
                    "sent_at": now,
                    "crm_object_id": result.crm_object_id,
                    "next_attempt_at": None,
                    "last_error": None,
                }
                counts["sent"] += 1
            elif result.rate_limited:
                wait = result.retry_after if result.retry_after is not None else 10.0
                values = {
                    "attempts": row.attempts - 1,
                    "last_error": result.error,
                    "next_attempt_at": now + timedelta(seconds=wait),
                }
                counts["rate_limited"] += 1
            else:
                delay = (
                    next_delay(settings.crm.retry_seconds, row.attempts, result.retry_after)
                    if result.retry
                    else None
                )
                if delay is None:
                    why = "gave up after" if result.retry else "refused; not retried after"
                    plural = "s" * (row.attempts > 1)
                    values = {
                        "status": "dead",
                        "next_attempt_at": None,
                        "last_error": f"{result.error} ({why} {row.attempts} attempt{plural})",
                    }
                    counts["dead"] += 1
                else:
                    values = {
                        "next_attempt_at": now + timedelta(seconds=delay),
                        "last_error": result.error,
                    }
                    counts["retrying"] += 1
            conn.execute(
                crm_outbox.update()
                .where(o.id == row.id, o.status == "pending", o.attempts == row.attempts)
                .values(**values)
            )
            if result.ok and row.payload.get("op") == "update":
                # An older update still waiting would overwrite this newer state later.
                conn.execute(
                    crm_outbox.update()
                    .where(
                        o.system == row.system,
                        o.object == row.object,
                        o.record_id == row.record_id,
                        o.status == "pending",
                        o.created_at < row.created_at,
                    )
                    .values(
                        status="sent",
                        sent_at=now,
                        crm_object_id=result.crm_object_id,
                        next_attempt_at=None,
                        last_error=None,
                    )
                )
    return counts


def list_outbox(
    store: Store, *, status: str | None = None, system: str | None = None, limit: int = 100
) -> list[OutboxRow]:
    """The newest outbox rows, of one ``status`` and one ``system`` when given; an unknown
    one is refused rather than answered with nothing."""
    if status is not None and status not in STATUSES:
        raise ValidationError(
            f"unknown outbox status {status!r}; use one of: {', '.join(STATUSES)}",
            field="status",
            value=status,
        )
    if system is not None and system not in SYSTEMS:
        raise ValidationError(
            f"unknown CRM {system!r}; use one of: {', '.join(SYSTEMS)}",
            field="system",
            value=system,
        )
    o = crm_outbox.c
    query = sa.select(crm_outbox).order_by(o.created_at.desc(), o.id.desc()).limit(limit)
    if status is not None:
        query = query.where(o.status == status)
    if system is not None:
        query = query.where(o.system == system)
    with store.read() as conn:
        return [_row(r) for r in conn.execute(query)]


def counts(store: Store) -> dict[tuple[str, str], int]:
    """Rows per (system, status)."""
    o = crm_outbox.c
    query = sa.select(o.system, o.status, sa.func.count()).group_by(o.system, o.status)
    with store.read() as conn:
        return {(system, status): int(n) for system, status, n in conn.execute(query)}


def retry(store: Store, ref: str, actor: Actor, *, now: datetime | None = None) -> OutboxRow:
    """Re-queue a dead row (by id); the next pass sends it, as the same change."""
    now = now or datetime.now(UTC)
    row_id = parse_id(ref.strip())
    o = crm_outbox.c
    with store.transaction() as conn:
        row = conn.execute(sa.select(crm_outbox).where(o.id == row_id)).first()
        if row is None:
            raise NotFound(
                f"no CRM outbox row {str(row_id)!r} (`devfunnel crm dead` lists dead ones)",
                id=str(row_id),
            )
        if row.status != "dead":
            raise Conflict(
                f"CRM outbox row {row_id} is {row.status}; only dead rows are retried",
                id=str(row_id),
            )
        conn.execute(
            crm_outbox.update()
            .where(o.id == row_id, o.status == "dead")
            .values(status="pending", attempts=0, next_attempt_at=now)
        )
        record(
            conn,
            actor,
            "crm_outbox.retry",
            entity_kind="crm_outbox",
            entity_id=row_id,
            before={"status": "dead", "last_error": row.last_error},
            after={"status": "pending"},
        )
        return _row(conn.execute(sa.select(crm_outbox).where(o.id == row_id)).one())


def _row(row: sa.Row[Any], attempts: int | None = None) -> OutboxRow:
    m = row._mapping
    return OutboxRow(
        m["id"],
        m["system"],
        m["object"],
        m["record_id"],
        load_json(m["payload"]),
        m["idempotency_key"],
        m["status"],
        m["attempts"] if attempts is None else attempts,
        m["next_attempt_at"],
        m["last_error"],
        m["crm_object_id"],
        m["sent_at"],
        m["created_at"],
    )
