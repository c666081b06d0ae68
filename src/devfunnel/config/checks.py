"""Validation helpers shared by the configuration sections."""

from __future__ import annotations

from collections.abc import Iterable


def require_unique(what: str, ids: Iterable[str]) -> None:
    """Refuse a list whose ids repeat, naming the repeated id."""
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{what} id {item!r} appears twice")
        seen.add(item)


def require_sum_one(what: str, weights: Iterable[float]) -> None:
    """Refuse weights that do not add up to 1, showing what they add up to."""
    total = sum(weights)
    if abs(total - 1.0) > 1e-6:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:g})")


def check_choice(kind: str, value: str, allowed: Iterable[str]) -> str:
    """Refuse a value outside a fixed vocabulary, listing the allowed values."""
    options = list(allowed)
    if value not in options:
        raise ValueError(f"unknown {kind} {value!r}; expected one of: {', '.join(options)}")
    return value
