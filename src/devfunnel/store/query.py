"""Small helpers for queries the store layer runs over many keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa

T = TypeVar("T")

#: Keys per ``IN (...)`` list: well under every backend's parameter limit.
CHUNK = 2000
#: The largest offset a paged list accepts: past any list's rows, yet a number every
#: backend's ``OFFSET`` takes, so a larger one is refused as input, not failed on by the
#: database (which answered 503 with its own message).
MOST_OFFSET = 2**31 - 1


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def any_of(column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    """``column = ANY(:values)``, the values bound as one array: the same rows as
    ``column.in_(values)``, but DuckDB looks a hundred ids up in its index two to four
    times faster this way than through an ``IN`` list of as many parameters (PostgreSQL
    takes either). Chunk long lists with :func:`chunked` all the same."""
    array = sa.bindparam(None, list(values), type_=sa.ARRAY(column.type))
    return column == sa.func.any(array)
