"""Reading untrusted JSON payloads without trusting their shape."""

from __future__ import annotations

from typing import Any


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def path(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...`` or ``None`` where any step is missing or not an object."""
    for key in keys:
        value = obj(value).get(key)
    return value
