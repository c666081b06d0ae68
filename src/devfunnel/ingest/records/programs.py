"""Import DevRel, marketing and product programs with their monthly costs, the product
features they promote, and the touchpoints that record who each program reached.

Touchpoints keep the identity they were recorded with (an event platform's attendee
email, a docs visitor id) and resolve to people through identities, like events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

import orjson
import pyarrow as pa
import sqlalchemy as sa
from pydantic import BaseModel, Field, model_validator

from devfunnel.config import Settings
from devfunnel.identity.keys import key, normalise_email, normalise_github, normalise_id
from devfunnel.ids import new_id
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import TS, prepare
from devfunnel.ingest.records.base import (
    ImportResult,
    Record,
    RowError,
    as_utc,
    find_users,
    lookup,
    to_arrow,
    validate_rows,
)
from devfunnel.money import Money
from devfunnel.store import Store
from devfunnel.store.schema.events import features, program_costs, programs, touchpoints

Team = Literal["devrel", "marketing", "product", "sales"]
Channel = Literal["product", "docs", "github", "community", "events", "marketing", "sales",
                  "billing", "support"]  # fmt: skip
KeyText = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)


class FeatureRecord(Record):
    key: str = KeyText
    name: str = Field(min_length=1, max_length=200)
    events: list[str] = Field(default_factory=list)


class MonthlyCost(BaseModel):
    month: date
    amount: Decimal = Field(ge=0)


class ProgramRecord(Record):
    key: str = KeyText
    name: str = Field(min_length=1, max_length=200)
    team: Team
    channel: Channel
    kind: str = Field(min_length=1, max_length=32)
    utm_campaign: str | None = Field(default=None, max_length=128)
    starts_on: date | None = None
    ends_on: date | None = None
    feature_key: str | None = None
    owner_email: str | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    costs: list[MonthlyCost] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates(self) -> ProgramRecord:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class TouchpointRecord(Record):
    external_id: str = Field(min_length=1, max_length=128)
    system: str = Field(default="import", max_length=32)
    program_key: str
    email: str | None = None
    user_id: str | None = None
    anonymous_id: str | None = None
    github: str | None = None
    occurred_at: datetime
    action: str = Field(min_length=1, max_length=32)

    def identity_key(self) -> str | None:
        for kind, value in (
            ("user_id", normalise_id(self.user_id)),
            ("email", normalise_email(self.email)),
            ("github", normalise_github(self.github)),
            ("anonymous_id", normalise_id(self.anonymous_id)),
        ):
            if value:
                return key(kind, value)
        return None


def import_features(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("features", dry_run=dry_run)
    records = validate_rows(FeatureRecord, rows, result, first_line)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        existing = lookup(conn, features, "key", (r.key for _, r in records))
        inserts, updates = [], []
        for _, rec in records:
            row = {"key": rec.key, "name": rec.name, "events": rec.events}
            if rec.key in existing:
                updates.append({"id": existing[rec.key], **row})
                result.updated += 1
            else:
                existing[rec.key] = new_id()
                inserts.append({"id": existing[rec.key], "created_at": now, **row})
                result.created += 1
        if not dry_run:
            if inserts:
                store.append(conn, features, to_arrow(inserts))
            if updates:
                store.update(conn, features, to_arrow(updates))
    return result


def import_programs(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("programs", dry_run=dry_run)
    records = validate_rows(ProgramRecord, rows, result, first_line)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        existing = lookup(conn, programs, "key", (r.key for _, r in records))
        feature_ids = lookup(conn, features, "key", (r.feature_key for _, r in records))
        owners = find_users(conn, (r.owner_email for _, r in records))
        inserts, updates, costs = [], [], []
        for line, rec in records:
            if rec.feature_key and rec.feature_key not in feature_ids:
                result.errors.append(RowError(line, f"feature_key: no feature {rec.feature_key!r}"))
                continue
            if rec.owner_email and rec.owner_email.lower() not in owners:
                result.errors.append(
                    RowError(line, f"owner_email: {rec.owner_email} is not a devfunnel user")
                )
                continue
            row = {
                "key": rec.key,
                "name": rec.name,
                "team": rec.team,
                "channel": rec.channel,
                "kind": rec.kind,
                "utm_campaign": rec.utm_campaign,
                "starts_on": rec.starts_on,
                "ends_on": rec.ends_on,
                "feature_id": feature_ids.get(rec.feature_key),
                "owner_id": owners.get((rec.owner_email or "").lower()),
            }
            if rec.key in existing:
                updates.append({"id": existing[rec.key], **row})
                result.updated += 1
            else:
                existing[rec.key] = new_id()
                inserts.append({"id": existing[rec.key], "created_at": now, **row})
                result.created += 1
            currency = (rec.currency or settings.company.currency).upper()
            for cost in rec.costs:
                costs.append(
                    {
                        "id": new_id(),
                        "program_id": existing[rec.key],
                        "month": cost.month.replace(day=1),
                        "amount_minor": Money.parse(cost.amount, currency).minor,
                        "currency": currency,
                        "created_at": now,
                    }
                )
        if dry_run:
            return result
        if inserts:
            store.append(conn, programs, to_arrow(inserts))
        if updates:
            store.update(conn, programs, to_arrow(updates))
        if costs:
            # A re-imported month replaces the month's cost.
            for row in costs:
                conn.execute(
                    program_costs.delete().where(
                        program_costs.c.program_id == row["program_id"],
                        program_costs.c.month == row["month"],
                    )
                )
            store.append(conn, program_costs, to_arrow(costs))
    return result


def import_touchpoints(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    result = ImportResult("touchpoints", dry_run=dry_run)
    records = validate_rows(TouchpointRecord, rows, result, first_line)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        program_ids = lookup(conn, programs, "key", (r.program_key for _, r in records))
        existing = lookup(
            conn, touchpoints, "external_key", (f"{r.system}:{r.external_id}" for _, r in records)
        )
        inserts = []
        for line, rec in records:
            identity = rec.identity_key()
            if rec.program_key not in program_ids:
                result.errors.append(RowError(line, f"program_key: no program {rec.program_key!r}"))
                continue
            if identity is None:
                result.errors.append(
                    RowError(line, "an email, user_id, anonymous_id or github identity is required")
                )
                continue
            external_key = f"{rec.system}:{rec.external_id}"
            if external_key in existing:
                result.unchanged += 1
                continue
            existing[external_key] = new_id()
            inserts.append(
                {
                    "id": existing[external_key],
                    "program_id": program_ids[rec.program_key],
                    "identity_key": identity,
                    "occurred_at": as_utc(rec.occurred_at),
                    "action": rec.action,
                    "source": rec.system,
                    "external_key": external_key,
                    "created_at": now,
                }
            )
            result.created += 1
        if inserts and not dry_run:
            store.append(conn, touchpoints, to_arrow(inserts))
            _queue_identities(store, conn, settings, inserts)
    return result


def _queue_identities(
    store: Store, conn: sa.Connection, settings: Settings, rows: list[dict[str, Any]]
) -> None:
    """Touchpoints are signals too: each is also queued as a ``Program Touch`` event, so
    an attendee list's emails resolve to people like any other identity."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        kind, value = row["identity_key"].split(":", 1)
        field = {
            "email": "email",
            "user_id": "userId",
            "github": "githubLogin",
            "anonymous_id": "anonymousId",
        }[kind]
        by_source.setdefault(f"touchpoints:{row['source']}", []).append({
            "messageId": row["external_key"], "type": "track", "event": "Program Touch",
            field: value, "timestamp": row["occurred_at"],
            "properties": orjson.dumps({"program_id": str(row["program_id"]),
                                        "action": row["action"]}).decode()})  # fmt: skip
    for source, events in by_source.items():
        table = pa.Table.from_pylist(events, schema=pa.schema(
            [(name, TS if name == "timestamp" else pa.string()) for name in (
                "messageId", "type", "event", "email", "userId", "githubLogin", "anonymousId",
                "timestamp", "properties")]))  # fmt: skip
        prepared = prepare(
            table,
            source=source,
            max_event_bytes=settings.ingest.max_event_bytes,
            correct_clock_skew=False,
        )
        append_events(store, prepared, source=source, conn=conn)
