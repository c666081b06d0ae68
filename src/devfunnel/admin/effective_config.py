"""The effective configuration as people may see it: secrets masked.

``devfunnel config show`` and the admins' Settings page both show it through
:func:`masked`, so a secret (webhook secrets, the session secret, a password inside the
database URL) never reaches a screen, a terminal log or a screenshot.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import tomli_w
from pydantic import SecretStr

from devfunnel.config import Settings

MASK = "********"


def masked(settings: Settings) -> dict[str, Any]:
    """The settings as plain data, every secret replaced by :data:`MASK`."""
    data: dict[str, Any] = _masked(settings.model_dump(mode="python", exclude_none=True))
    database = data.get("database", {})
    if isinstance(database.get("url"), str):
        database["url"] = _hide_password(database["url"])
    return data


def as_toml_sections(settings: Settings) -> list[tuple[str, str]]:
    """``(section, TOML text)`` for each top-level section, in the configuration's order."""
    return [(name, tomli_w.dumps({name: value})) for name, value in masked(settings).items()]


def _hide_password(url: str) -> str:
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        return url
    if parsed.password is None:
        return url
    return str(parsed.render_as_string(hide_password=True))


def _masked(value: Any) -> Any:
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, dict):
        return {k: _masked(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value
