"""The context an alert carries so that its reader can act without opening devfunnel:
the account (name, domain), its owner, why it matters, and a link back.

Helpers here read accounts and users in bulk and turn stored ``why`` documents (the top
contributing signals a score keeps) into short lines.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts, people

#: At most this many "why" lines travel with an alert.
WHY_LINES = 5


@dataclass(frozen=True)
class AccountInfo:
    id: uuid.UUID
    name: str
    domain: str | None
    owner_id: uuid.UUID | None

    def as_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "domain": self.domain}


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    name: str | None
    email: str

    def as_json(self) -> dict[str, Any]:
        return {"id": str(self.id), "name": self.name, "email": self.email}


def load_json(value: Any) -> Any:
    """A JSON column's value: DuckDB may hand it back as text, PostgreSQL as objects."""
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def account_info(
    conn: sa.Connection, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, AccountInfo]:
    wanted = sorted({i for i in ids if i is not None})
    found: dict[uuid.UUID, AccountInfo] = {}
    a = accounts.c
    for part in chunked(wanted):
        query = sa.select(a.id, a.name, a.domain, a.owner_id).where(a.id.in_(part))
        for row in conn.execute(query):
            found[row.id] = AccountInfo(row.id, row.name, row.domain, row.owner_id)
    return found


def user_info(conn: sa.Connection, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, UserInfo]:
    wanted = sorted({i for i in ids if i is not None})
    found: dict[uuid.UUID, UserInfo] = {}
    u = users.c
    for part in chunked(wanted):
        for row in conn.execute(sa.select(u.id, u.name, u.email).where(u.id.in_(part))):
            found[row.id] = UserInfo(row.id, row.name, row.email)
    return found


def person_info(
    conn: sa.Connection, ids: Iterable[uuid.UUID | None]
) -> dict[uuid.UUID, dict[str, Any]]:
    """People by id (following a merge once to the survivor): name and email."""
    wanted = sorted({i for i in ids if i is not None})
    found: dict[uuid.UUID, dict[str, Any]] = {}
    p = people.c
    for part in chunked(wanted):
        query = sa.select(p.id, p.name, p.email, p.merged_into).where(p.id.in_(part))
        rows = {row.id: row for row in conn.execute(query)}
        survivors = {r.merged_into for r in rows.values() if r.merged_into is not None}
        if survivors:
            query = sa.select(p.id, p.name, p.email, p.merged_into).where(
                p.id.in_(sorted(survivors))
            )
            rows |= {row.id: row for row in conn.execute(query)}
        for person_id in part:
            row = rows.get(person_id)
            if row is not None and row.merged_into is not None:
                row = rows.get(row.merged_into, row)
            if row is not None:
                found[person_id] = {"id": str(row.id), "name": row.name, "email": row.email}
    return found


def why_lines(why: Any, limit: int = WHY_LINES) -> list[str]:
    """Readable lines from a stored ``why``: a list of strings, a list of signals such as
    ``{"signal": "api_usage", "share": 0.42}``, or a mapping of signal to share."""
    why = load_json(why)
    lines: list[str] = []
    if isinstance(why, dict):
        items: list[Any] = [{"signal": k, "share": v} for k, v in why.items()]
    elif isinstance(why, list):
        items = why
    else:
        return [str(why)] if why else []
    for item in items[:limit]:
        if isinstance(item, dict):
            label = next(
                (str(item[k]) for k in ("label", "signal", "name", "reason", "id") if item.get(k)),
                None,
            )
            share = item.get("share", item.get("weight", item.get("contribution")))
            if label is None:
                label = ", ".join(f"{k}: {v}" for k, v in item.items())
            if isinstance(share, int | float) and not isinstance(share, bool):
                label += f" ({share:.0%})" if 0 <= share <= 1 else f" ({share:g})"
            lines.append(label)
        else:
            lines.append(str(item))
    return lines


def link(settings: Settings, path: str) -> str:
    """An absolute link into the app at ``server.public_url``."""
    return settings.server.public_url.rstrip("/") + "/" + path.lstrip("/")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def count(n: int | float, word: str) -> str:
    """``1 day``, ``3 days``."""
    return f"{n:g} {word}" + ("" if n == 1 else "s")
