"""What every record import shares: row validation, row errors, and lookups by key.

An import takes canonical records (dicts with devfunnel's field names; the file importer
maps HubSpot and Salesforce column names onto them), validates each with pydantic, and
writes the good ones in one transaction. A bad row never stops the others: it is
reported with its line number and reason, and nothing of it is written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, Literal, TypeVar

import orjson
import pyarrow as pa
import pydantic
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, field_validator

from devfunnel.identity.domains import DomainClassifier, domain_from_url
from devfunnel.identity.keys import normalise_email
from devfunnel.ingest.times import EARLIEST, LATEST, OUT_OF_RANGE
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import account_keys, identities

Crm = Literal["hubspot", "salesforce", "crm"]
M = TypeVar("M", bound=BaseModel)


class Record(BaseModel):
    """Base of canonical import records: unknown fields are refused, text is trimmed, and
    an empty cell (as CSV exports write a missing value) means "not given"."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("*", mode="after")
    @classmethod
    def _within_the_years(cls, value: Any) -> Any:
        # The time rule every intake path shares (ingest/times.py): 9999-12-31T23:59-05:00
        # is year 10000 in UTC, which crashed the import converting it.
        if isinstance(value, datetime):
            try:
                moment = as_utc(value)
            except OverflowError:
                raise ValueError(OUT_OF_RANGE) from None
            if moment is not None and not EARLIEST <= moment < LATEST:
                raise ValueError(OUT_OF_RANGE)
        elif isinstance(value, date) and not EARLIEST.year <= value.year < LATEST.year:
            raise ValueError(OUT_OF_RANGE)
        return value


@dataclass
class RowError:
    """A row that was not imported: where it was and why."""

    line: int
    reason: str
    row: Mapping[str, Any] | None = None


@dataclass
class ImportResult:
    """What an import did, or would do in a dry run."""

    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def loaded(self) -> int:
        return self.created + self.updated + self.unchanged


def validate_rows(
    model: type[M], rows: Iterable[Mapping[str, Any]], result: ImportResult, first_line: int = 1
) -> list[tuple[int, M]]:
    """Validate each row; good rows come back with their line, bad ones go to ``result``."""
    good: list[tuple[int, M]] = []
    for offset, row in enumerate(rows):
        line = first_line + offset
        try:
            good.append((line, model.model_validate(row)))
        except pydantic.ValidationError as exc:
            result.errors.append(RowError(line, describe(exc), row))
    return good


def api_fields(model: type[M], rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Rows that are objects exactly as an API returns them, cut to ``model``'s fields (the
    API's others, such as avatars, counts and URLs, are not what the record is about)."""
    wanted = model.model_fields
    return [{k: v for k, v in row.items() if k in wanted} for row in rows]


def describe(exc: pydantic.ValidationError) -> str:
    """One line naming each bad field and why."""
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "row"
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def account_key_of(
    crm: str, external_id: str | None, domain: str | None, classifier: DomainClassifier
) -> list[tuple[str, str]]:
    """The account keys a record names: its CRM id and/or its company domain."""
    keys: list[tuple[str, str]] = []
    if external_id:
        keys.append((crm, external_id))
    if domain:
        host = domain_from_url(domain) or domain.strip().lower()
        company = classifier.company_domain(host)
        if company:
            keys.append(("domain", company))
    return keys


def find_accounts(
    conn: sa.Connection, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], uuid.UUID]:
    """Account ids for the given (kind, value) keys that exist."""
    found: dict[tuple[str, str], uuid.UUID] = {}
    by_kind: dict[str, list[str]] = {}
    for kind, value in keys:
        by_kind.setdefault(kind, []).append(value)
    k = account_keys.c
    for kind, values in by_kind.items():
        for part in chunked(sorted(set(values))):
            for value, account_id in conn.execute(
                sa.select(k.value, k.account_id).where(k.kind == kind, k.value.in_(part))
            ):
                found[(kind, value)] = account_id
    return found


def lookup(
    conn: sa.Connection,
    table: sa.Table,
    key_column: str,
    keys: Iterable[Any],
    value_column: str = "id",
) -> dict[Any, Any]:
    """``key -> value`` for the rows of ``table`` whose ``key_column`` is one of ``keys``."""
    wanted = sorted({k for k in keys if k is not None}, key=str)
    found: dict[Any, Any] = {}
    key_col, value_col = table.c[key_column], table.c[value_column]
    for part in chunked(wanted):
        for key, value in conn.execute(sa.select(key_col, value_col).where(key_col.in_(part))):
            found[key] = value
    return found


def find_users(conn: sa.Connection, emails: Iterable[str | None]) -> dict[str, uuid.UUID]:
    wanted = sorted({e.lower() for e in emails if e})
    found: dict[str, uuid.UUID] = {}
    for part in chunked(wanted):
        for email, user_id in conn.execute(
            sa.select(users.c.email, users.c.id).where(users.c.email.in_(part))
        ):
            found[email.lower()] = user_id
    return found


def find_people(conn: sa.Connection, emails: Iterable[str | None]) -> dict[str, uuid.UUID]:
    """Person ids by email identity (resolved people only)."""
    keys = sorted({f"email:{e}" for e in (normalise_email(x) for x in emails) if e})
    found: dict[str, uuid.UUID] = {}
    for part in chunked(keys):
        for key, person_id in conn.execute(
            sa.select(identities.c.key, identities.c.person_id).where(identities.c.key.in_(part))
        ):
            found[key.split(":", 1)[1]] = person_id
    return found


def as_utc(value: date | datetime | None) -> datetime | None:
    """Timestamps in UTC; a bare date in a CRM export means midnight UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return datetime.combine(value, time(), tzinfo=UTC)


def to_arrow(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """Rows for a bulk append or update: ids as text, lists and dicts as JSON text, and
    every column present in every row (missing values as null)."""
    columns = sorted({c for row in rows for c in row})

    def cell(value: Any) -> Any:
        if isinstance(value, uuid.UUID):
            return str(value)
        if isinstance(value, dict | list):
            return orjson.dumps(value, default=str).decode()
        return value

    return pa.Table.from_pylist([{c: cell(row.get(c)) for c in columns} for row in rows])
