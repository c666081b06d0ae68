"""Who is who for the pipeline: users by email or id, and the routing teams they are in.

Owners, receivers and team members are named by email in configuration and by email or id
in the API and CLI; every lookup that fails says which field named whom, so a typo in
``--owner`` is an error that says what to fix rather than an unowned record.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import Principal
from devfunnel.config import Settings
from devfunnel.config.sales import Team
from devfunnel.errors import ValidationError
from devfunnel.pipeline.common import as_utc
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.admin import users


@dataclass(frozen=True)
class UserRef:
    """A devfunnel user as the pipeline needs them."""

    id: uuid.UUID
    email: str
    name: str | None
    role: str
    active: bool
    out_of_office_until: datetime | None
    manager_id: uuid.UUID | None

    def away(self, now: datetime) -> bool:
        """Inactive, or out of office at ``now``."""
        until = self.out_of_office_until
        return not self.active or (until is not None and until > now)


def _ref(row: sa.Row[tuple[object, ...]]) -> UserRef:
    m = row._mapping
    return UserRef(
        m["id"],
        m["email"],
        m["name"],
        m["role"],
        bool(m["active"]),
        as_utc(m["out_of_office_until"]),
        m["manager_id"],
    )


def _columns() -> sa.Select[tuple[object, ...]]:
    u = users.c
    return sa.select(u.id, u.email, u.name, u.role, u.active, u.out_of_office_until, u.manager_id)


def users_by_email(conn: sa.Connection, emails: Iterable[str]) -> dict[str, UserRef]:
    """Users by lower-cased email; emails of nobody are left out."""
    wanted = sorted({e.strip().lower() for e in emails if e})
    found: dict[str, UserRef] = {}
    for part in chunked(wanted):
        for row in conn.execute(_columns().where(sa.func.lower(users.c.email).in_(part))):
            ref = _ref(row)
            found[ref.email.lower()] = ref
    return found


def users_by_id(conn: sa.Connection, ids: Iterable[uuid.UUID | None]) -> dict[uuid.UUID, UserRef]:
    wanted = sorted({i for i in ids if i is not None}, key=str)
    found: dict[uuid.UUID, UserRef] = {}
    for part in chunked(wanted):
        for row in conn.execute(_columns().where(users.c.id.in_(part))):
            found[row.id] = _ref(row)
    return found


def find_user(conn: sa.Connection, ref: str | uuid.UUID, *, field: str) -> UserRef:
    """The user an email or id names; ``ValidationError`` naming ``field`` and the value
    when nobody has it."""
    text = str(ref).strip()
    try:
        user_id: uuid.UUID | None = ref if isinstance(ref, uuid.UUID) else uuid.UUID(text)
    except ValueError:
        user_id = None
    if user_id is not None:
        found = users_by_id(conn, [user_id]).get(user_id)
    else:
        found = users_by_email(conn, [text]).get(text.lower())
    if found is None:
        raise ValidationError(
            f"{field}: no devfunnel user {text!r}; give the email or id of an existing user "
            "(import them with `devfunnel import users`)",
            field=field,
            value=text,
        )
    return found


def team(settings: Settings, team_id: str) -> Team:
    for candidate in settings.routing.teams:
        if candidate.id == team_id:
            return candidate
    raise KeyError(team_id)


def team_of(settings: Settings, email: str | None) -> Team | None:
    """The first routing team that lists ``email`` as a member, else one it manages."""
    if not email:
        return None
    email = email.lower()
    for candidate in settings.routing.teams:
        if any(m.email.lower() == email for m in candidate.members):
            return candidate
    for candidate in settings.routing.teams:
        if candidate.manager and candidate.manager.lower() == email:
            return candidate
    return None


def group_of(settings: Settings, user: UserRef | None) -> str:
    """The team a user reports under: their routing team, else their role."""
    if user is None:
        return "devfunnel"
    found = team_of(settings, user.email)
    return found.id if found else user.role


def user_principal(store: Store, ref: str) -> Principal:
    """The principal of the user an email or id names, for acting as them from the CLI."""
    with store.read() as conn:
        user = find_user(conn, ref, field="--as")
    return Principal(Actor("user", user.id, user.email), user_id=user.id, role=user.role)
