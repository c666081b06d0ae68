"""Users of devfunnel (sellers, managers, DevRel, CSMs, admins) and their roles."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field

from devfunnel.config import Settings
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import ImportResult, Record, find_users, validate_rows
from devfunnel.store import Store
from devfunnel.store.schema.admin import users

Role = Literal["admin", "sales_manager", "seller", "devrel", "product", "customer_success",
               "viewer"]  # fmt: skip


class UserRecord(Record):
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)
    name: str | None = Field(default=None, max_length=200)
    role: Role
    manager_email: str | None = None


def import_users(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    """Create users that do not exist yet and update the name, role and manager of the rest.

    Imported users cannot log in until a password is set (``devfunnel users create``).
    """
    result = ImportResult("users", dry_run=dry_run)
    records = validate_rows(UserRecord, rows, result, first_line)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        known = find_users(conn, (r.email for _, r in records))
        ids: dict[str, uuid.UUID] = dict(known)
        for _, rec in records:
            ids.setdefault(rec.email.lower(), new_id())
        for _, rec in records:
            email = rec.email.lower()
            manager = ids.get(rec.manager_email.lower()) if rec.manager_email else None
            values: dict[str, Any] = {
                "name": rec.name,
                "role": rec.role,
                "manager_id": manager,
                "updated_at": now,
            }
            if dry_run:
                pass
            elif email in known:
                conn.execute(users.update().where(users.c.id == known[email]).values(**values))
            else:
                conn.execute(
                    users.insert().values(
                        id=ids[email], email=email, created_at=now, active=True, **values
                    )
                )
            if email in known:
                result.updated += 1
            else:
                result.created += 1
                known[email] = ids[email]
    return result


def team_users(settings: Settings) -> list[dict[str, Any]]:
    """User rows for everyone the routing configuration names, so routing can assign to
    them; their managers first."""
    rows: dict[str, dict[str, Any]] = {}
    for team in settings.routing.teams:
        if team.manager:
            rows.setdefault(team.manager, {"email": team.manager, "role": "sales_manager"})
        for member in team.members:
            rows.setdefault(
                member.email,
                {"email": member.email, "role": team.role, "manager_email": team.manager},
            )
    return list(rows.values())


def user_ids_by_email(conn: sa.Connection) -> dict[str, uuid.UUID]:
    return {email: uid for email, uid in conn.execute(sa.select(users.c.email, users.c.id))}
