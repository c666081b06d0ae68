"""Identifiers for every record: UUIDv7, never reused.

Time-ordered UUIDs keep B-tree and ART indexes append-friendly, survive merges and exports
unchanged (a merged person keeps its id; the absorbed one is tombstoned, not recycled), and
need no coordination between processes.
"""

from __future__ import annotations

import uuid

from uuid_utils.compat import uuid7


def new_id() -> uuid.UUID:
    """A fresh record id."""
    return uuid7()


def parse_id(value: str | uuid.UUID) -> uuid.UUID:
    """Parse a user-supplied id, raising ``ValidationError`` naming the bad value."""
    from devfunnel.errors import ValidationError

    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(
            f"{value!r} is not a valid id (expected a UUID)", value=value
        ) from None
