"""Small things every pipeline module shares: clocks, JSON values, pages, principals."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

import orjson

from devfunnel.admin.audit import CLI, Actor
from devfunnel.admin.permissions import Principal
from devfunnel.errors import ValidationError

T = TypeVar("T")

#: The command line acts for whoever can open the database: an operator with admin rights.
OPERATOR = Principal(actor=CLI, scope="admin")
#: devfunnel itself (the worker, the demo): creates leads and handoffs, checks SLAs.
SYSTEM_PRINCIPAL = Principal(actor=Actor("system", label="devfunnel"), scope="admin")
#: Most rows one page of a list may hold.
MAX_LIMIT = 500


def utc_now(now: datetime | None) -> datetime:
    """``now`` in UTC (a naive time is taken as UTC), or the current time."""
    if now is None:
        return datetime.now(UTC)
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """A stored time in UTC (backends may hand back another zone or a naive UTC time)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def load_json(value: Any) -> Any:
    """A JSON column's value as Python data (some drivers hand back the text)."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


def jsonable(value: Any) -> Any:
    """``value`` with ids, times, dates, decimals and dataclasses as JSON-friendly values,
    recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable({f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return (as_utc(value) or value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def user_id_of(principal: Principal) -> uuid.UUID | None:
    """The user acting, if a user (not a key, the CLI or the system) is acting."""
    return principal.user_id


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: the items, how many match in all, and where the next starts."""

    items: Sequence[T]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None


def check_page(limit: int, offset: int) -> None:
    """Refuse a page size or offset that makes no sense, naming it."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(
            f"limit must be between 1 and {MAX_LIMIT}, not {limit}", field="limit", value=limit
        )
    if offset < 0:
        raise ValidationError(
            f"offset must be 0 or more, not {offset}", field="offset", value=offset
        )
