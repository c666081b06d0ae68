"""Segment HTTP API messages into the Segment-shaped Arrow columns ``prepare`` takes.

The HTTP intake (``web/routes/intake.py``) hands this module decoded JSON; it checks what
only the JSON can tell (a field of the wrong type, a timestamp that is not ISO-8601, an
event over the size limit) and builds one column per Segment field. Everything a column
can tell (a missing ``userId``, an unknown ``type``, a field too long) is left to
:func:`devfunnel.ingest.prepare.prepare`, so the rules live in one place; the group-commit
writer runs it over many requests at once, which is what makes it cheap.

Like Segment, a batch is refused whole only when its envelope is wrong; a bad message is
reported by its index and the rest are kept. Each rejection names the field.

This runs once per message on the acknowledgement path, so it is deliberately plain
Python over dicts, no model object per message: about 4 microseconds a message on the
benchmark machine, building rows that become columns in one step.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
import pyarrow as pa

from devfunnel.errors import MalformedRequest, ValidationError
from devfunnel.ingest.prepare import SEGMENT_FIELDS, TS, Rejected
from devfunnel.ingest.times import RefusedTime, iso_micros, micros

#: Column order of the tables built here (every Segment field, so tables concatenate).
SCHEMA = pa.schema(list(SEGMENT_FIELDS.items()))
#: The Segment columns a message fills, in the order of the rows built here. Ids may be
#: strings or numbers (Segment's libraries accept both; numbers are stored as text);
#: ``properties``, ``traits`` and ``context`` must be objects (kept as JSON text).
ROW = ("messageId", "type", "event", "name", "category", "userId", "anonymousId", "groupId",
       "previousId", "timestamp", "sentAt", "properties", "traits", "context")  # fmt: skip
OBJECT_FIELDS = ("properties", "traits", "context")
_TEXT_FIELDS = ("messageId", "event", "name", "category", "userId", "anonymousId", "groupId",
                "previousId")  # fmt: skip
#: Rough JSON overhead per field (quotes, colon, comma), for the event size estimate.
_FIELD_OVERHEAD = 16


@dataclass(frozen=True)
class Rejection:
    """A message refused at intake: where it was in the request, which field, and why."""

    index: int
    message_id: str | None
    field: str | None
    reason: str

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "messageId": self.message_id,
            "field": self.field,
            "reason": self.reason,
        }

    @classmethod
    def from_prepare(cls, rejected: Rejected, index: int) -> Rejection:
        """A rejection by ``prepare``, whose reasons start with the field they are about."""
        first = rejected.reason.split(" ", 1)[0]
        about_field = first in SEGMENT_FIELDS and "is larger than" not in rejected.reason
        return cls(index, rejected.message_id, first if about_field else None, rejected.reason)


@dataclass
class Messages:
    """One request's messages as Segment columns, and the messages refused on the way."""

    table: pa.Table
    #: Index in the request of each row of ``table``.
    positions: list[int]
    rejected: list[Rejection] = field(default_factory=list)

    @property
    def received(self) -> int:
        rows: int = self.table.num_rows
        return rows + len(self.rejected)


def decode(body: bytes) -> Any:
    """The JSON document in ``body``, or :class:`MalformedRequest` saying where it breaks."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedRequest(f"the body is not valid JSON: {exc}") from None


def write_key(payload: Any) -> str | None:
    """The ``writeKey`` a client put in the body (Segment's alternative to HTTP Basic)."""
    key = payload.get("writeKey") if isinstance(payload, dict) else None
    return key if isinstance(key, str) and key else None


def read_batch(
    payload: Any,
    *,
    received_at: datetime,
    max_event_bytes: int,
    correct_clock_skew: bool,
    nul_possible: bool = True,
) -> Messages:
    """The messages of a ``/v1/batch`` body.

    The envelope (``batch`` a non-empty list; ``sentAt``, ``context``, ``integrations``
    well typed) must be right or the whole request is refused; batch-level ``sentAt``,
    ``context`` and ``integrations`` apply to messages without their own, as in Segment.
    ``nul_possible=False`` (the body holds no ``\\u0000``) skips the per-field NUL check.
    """
    if not isinstance(payload, dict):
        raise _invalid("body", "the body must be a JSON object with a `batch` list")
    batch = payload.get("batch")
    if not isinstance(batch, list):
        problem = "is missing" if batch is None else "must be a list of messages"
        raise _invalid("batch", f"`batch` {problem}")
    if not batch:
        raise _invalid("batch", "`batch` is empty; send at least one message")
    defaults: dict[str, Any] = {}
    for name in ("context", "integrations"):
        value = payload.get(name)
        if value is not None and type(value) is not dict:
            raise _invalid(name, f"batch-level `{name}` must be a JSON object")
        defaults[name] = value
    reader = _Reader(received_at, max_event_bytes, correct_clock_skew, nul_possible)
    try:
        sent = reader.time(payload, "sentAt", None)
    except _FieldError as exc:
        raise _invalid("sentAt", f"batch-level `sentAt` {exc.reason}") from None
    for index, message in enumerate(batch):
        reader.add(index, message, None, defaults, sent)
    return reader.finish()


def read_message(
    payload: Any,
    kind: str,
    *,
    received_at: datetime,
    max_event_bytes: int,
    correct_clock_skew: bool,
    nul_possible: bool = True,
) -> Messages:
    """The one message of a ``/v1/track``-style body; a bad message refuses the request."""
    if not isinstance(payload, dict):
        raise _invalid("body", f"the body must be a JSON object (a {kind} message)")
    reader = _Reader(received_at, max_event_bytes, correct_clock_skew, nul_possible)
    reader.add(0, payload, kind, {}, None)
    messages = reader.finish()
    if messages.rejected:
        raise refusal(messages.rejected[0], kind)
    return messages


def refusal(rejection: Rejection, kind: str) -> ValidationError:
    """The error a single-message endpoint answers for its refused message."""
    named = f"`{rejection.field}`: " if rejection.field else ""
    return ValidationError(
        f"the {kind} message is invalid: {named}{rejection.reason}",
        errors=[{"field": rejection.field, "reason": rejection.reason}],
        field=rejection.field,
        messageId=rejection.message_id,
    )


def _invalid(name: str, reason: str) -> ValidationError:
    return ValidationError(reason, errors=[{"field": name, "reason": reason}], field=name)


class _Reader:
    """Accumulates valid messages as rows of :data:`ROW`; a bad message adds no row."""

    def __init__(
        self, received_at: datetime, max_event_bytes: int, skew: bool, nul_possible: bool
    ) -> None:
        self.received_us = micros(received_at)
        self.max_event_bytes = max_event_bytes
        self.skew = skew
        self.nul_possible = nul_possible
        self.rows: list[tuple[Any, ...]] = []
        self.positions: list[int] = []
        self.rejected: list[Rejection] = []

    def add(
        self,
        index: int,
        message: Any,
        kind: str | None,
        defaults: dict[str, Any],
        sent_default: int | None,
    ) -> None:
        if type(message) is not dict:
            self.rejected.append(Rejection(index, None, None, "a message must be a JSON object"))
            return
        try:
            self.rows.append(self._row(message, kind, defaults, sent_default))
        except _FieldError as exc:
            message_id = message.get("messageId")
            shown = message_id if type(message_id) is str else None
            self.rejected.append(Rejection(index, shown, exc.field, exc.reason))
            return
        self.positions.append(index)

    def _row(
        self,
        message: dict[str, Any],
        kind: str | None,
        defaults: dict[str, Any],
        sent_default: int | None,
    ) -> tuple[Any, ...]:
        if kind is None:
            kind = _text(message, "type")
        texts = (
            _text(message, "messageId"),
            _text(message, "event"),
            _text(message, "name"),
            _text(message, "category"),
            _ident(message, "userId"),
            _ident(message, "anonymousId"),
            _ident(message, "groupId"),
            _ident(message, "previousId"),
        )
        objects = (
            _object(message, "properties", None),
            _object(message, "traits", None),
            _object(message, "context", defaults.get("context")),
        )
        integrations = message.get("integrations", defaults.get("integrations"))
        if integrations is not None and type(integrations) is not dict:
            raise _FieldError("integrations", "must be a JSON object")
        size = sum(len(v) + _FIELD_OVERHEAD for v in (*texts, *objects) if v is not None)
        if integrations:
            size += len(orjson.dumps(integrations))
        if size > self.max_event_bytes:
            raise _FieldError(
                None, f"event is about {size:,} bytes, over the {self.max_event_bytes:,}-byte limit"
            )
        if self.nul_possible:
            _refuse_nul(texts, objects)
        sent = self.time(message, "sentAt", sent_default)
        stamp = self.time(message, "timestamp", None)
        if stamp is None:
            stamp = self.time(message, "originalTimestamp", None)  # RudderStack's name
        if stamp is None:
            # Happened when sent: the skew correction then maps it to the receive time.
            stamp = sent if self.skew and sent is not None else self.received_us
        message_id, event, name, category, *ids = texts
        if (name is None or category is None) and _is_page(kind):
            name, category = _page_fields(name, category, message.get("properties"))
        return (message_id, kind, event, name, category, *ids, stamp, sent, *objects)

    def time(self, message: dict[str, Any], name: str, default: int | None) -> int | None:
        value = message.get(name)
        if value is None:
            return default
        if type(value) is not str:
            raise _FieldError(name, "must be an ISO-8601 timestamp string")
        try:  # the years every intake path allows: see devfunnel.ingest.times
            return iso_micros(value)
        except RefusedTime as refused:
            raise _FieldError(name, refused.reason) from None

    def finish(self) -> Messages:
        count = len(self.rows)
        columns = list(zip(*self.rows, strict=True)) if count else [()] * len(ROW)
        arrays = dict(zip(ROW, columns, strict=True))
        table = pa.Table.from_arrays(
            [
                _array(arrays[name], dtype) if name in arrays else pa.nulls(count, dtype)
                for name, dtype in SEGMENT_FIELDS.items()
            ],
            schema=SCHEMA,
        )
        return Messages(table, self.positions, self.rejected)


class _FieldError(Exception):
    """Internal: the first problem found in one message."""

    def __init__(self, field_name: str | None, reason: str) -> None:
        super().__init__(reason)
        self.field = field_name
        self.reason = reason


def _text(message: dict[str, Any], name: str) -> str | None:
    value = message.get(name)
    if value is None or type(value) is str:
        return value
    raise _FieldError(name, "must be a string")


def _ident(message: dict[str, Any], name: str) -> str | None:
    value = message.get(name)
    kind = type(value)
    if value is None or kind is str:
        return value
    if kind is int or kind is float:
        return str(value)
    raise _FieldError(name, "must be a string or a number")


def _object(message: dict[str, Any], name: str, default: Any) -> bytes | None:
    value = message.get(name)
    if value is None:
        value = default
        if value is None:
            return None
    elif type(value) is not dict:
        raise _FieldError(name, "must be a JSON object")
    return orjson.dumps(value)


def _refuse_nul(texts: tuple[str | None, ...], objects: tuple[bytes | None, ...]) -> None:
    """Text with NUL characters cannot be stored in PostgreSQL; refuse it everywhere."""
    for name, value in zip(_TEXT_FIELDS, texts, strict=True):
        if value is not None and "\x00" in value:
            raise _FieldError(name, "must not contain the NUL character (\\u0000)")
    for name, json_text in zip(OBJECT_FIELDS, objects, strict=True):
        if json_text is not None and b"\\u0000" in json_text:
            raise _FieldError(name, "must not contain the NUL character (\\u0000)")


def _array(values: tuple[Any, ...], dtype: pa.DataType) -> pa.Array:
    # Lists, not tuples: pyarrow converts a tuple of bytes ten times slower. Timestamps go
    # in as integers, also far faster than datetimes.
    if dtype == TS:
        return pa.array(list(values), pa.int64()).view(TS)
    return pa.array(list(values), dtype)


def _is_page(kind: str | None) -> bool:
    return kind is not None and kind.strip().lower() in ("page", "screen")


def _page_fields(name: str | None, category: str | None, properties: Any) -> tuple[Any, Any]:
    """Older libraries send a page's ``name`` and ``category`` inside ``properties``."""
    if type(properties) is dict:
        if name is None and type(properties.get("name")) is str:
            name = properties["name"]
        if category is None and type(properties.get("category")) is str:
            category = properties["category"]
    return name, category
