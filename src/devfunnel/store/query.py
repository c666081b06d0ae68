"""Small helpers for queries the store layer runs over many keys."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Keys per ``IN (...)`` list: well under every backend's parameter limit.
CHUNK = 2000


def chunked(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
