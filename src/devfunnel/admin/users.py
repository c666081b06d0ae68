"""Users of devfunnel (sellers, managers, DevRel, CSMs, admins) and their roles.

Imports (:func:`import_users`) bring CRM owners without passwords, so they own records but
cannot sign in. People who sign in are created with :func:`create_user`; each change here
is audited in the same transaction, and a change that would leave no active admin with a
password is refused, so nobody can lock everyone out of Settings.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import Field

from devfunnel.admin.audit import Actor, record
from devfunnel.admin.passwords import check_password_rules, hash_password
from devfunnel.config import Settings
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.ids import new_id, parse_id
from devfunnel.ingest.records.base import ImportResult, Record, find_users, validate_rows
from devfunnel.store import Store
from devfunnel.store.schema.admin import user_sessions, users
from devfunnel.vocabulary import ROLES

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


EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


@dataclass(frozen=True)
class User:
    """A user as lists and pages show them (never the password hash)."""

    id: uuid.UUID
    email: str
    name: str | None
    role: str
    active: bool
    can_sign_in: bool
    last_login_at: datetime | None
    created_at: datetime

    @property
    def label(self) -> str:
        return self.email


def create_user(
    store: Store,
    email: str,
    role: str,
    password: str,
    actor: Actor,
    *,
    name: str | None = None,
    now: datetime | None = None,
) -> User:
    """A user who can sign in. An email already held (even by an imported CRM owner) is
    a conflict: give that user a password with :func:`set_password`."""
    email = _valid_email(email)
    _valid_role(role)
    name = _valid_name(name)
    check_password_rules(password, email=email)
    password_hash = hash_password(password)
    now = now or datetime.now(UTC)
    with store.transaction() as conn:
        if conn.execute(sa.select(users.c.id).where(users.c.email == email)).first():
            raise Conflict(
                f"a user with the email {email} exists; change it with set-role or "
                "set-password instead",
                email=email,
            )
        user_id = new_id()
        conn.execute(
            users.insert().values(
                id=user_id, email=email, name=name, role=role, password_hash=password_hash,
                active=True, created_at=now, updated_at=now,
            )
        )  # fmt: skip
        record(conn, actor, "user.create", entity_kind="user", entity_id=user_id,
               after={"email": email, "name": name, "role": role})  # fmt: skip
        return _user(_row(conn, user_id))


def list_users(store: Store, *, include_inactive: bool = True) -> list[User]:
    query = sa.select(users).order_by(users.c.email)
    if not include_inactive:
        query = query.where(users.c.active.is_(True))
    with store.read() as conn:
        return [_user(row) for row in conn.execute(query)]


def get_user(store: Store, who: str | uuid.UUID) -> User:
    """A user by id or email (any case)."""
    with store.read() as conn:
        return _user(_find(conn, who))


def set_role(store: Store, who: str | uuid.UUID, role: str, actor: Actor) -> User:
    """Change a role; it applies to the user's open sessions at their next request."""
    _valid_role(role)
    with store.transaction() as conn:
        row = _find(conn, who)
        if row.role != role:
            if row.role == "admin":
                _keep_an_admin(conn, row.id, f"change the role of {row.email}")
            _update(conn, row.id, role=role)
            record(conn, actor, "user.set_role", entity_kind="user", entity_id=row.id,
                   before={"role": row.role}, after={"role": role})  # fmt: skip
        return _user(_row(conn, row.id))


def set_password(store: Store, who: str | uuid.UUID, password: str, actor: Actor) -> User:
    """Set or reset a password; the user's open sessions end (they sign in again)."""
    with store.transaction() as conn:
        row = _find(conn, who)
        check_password_rules(password, email=row.email)
        _update(conn, row.id, password_hash=hash_password(password))
        conn.execute(user_sessions.delete().where(user_sessions.c.user_id == row.id))
        record(conn, actor, "user.set_password", entity_kind="user", entity_id=row.id,
               after={"password": "changed"})  # fmt: skip
        return _user(_row(conn, row.id))


def set_active(store: Store, who: str | uuid.UUID, active: bool, actor: Actor) -> User:
    """Deactivate (sign-in refused, sessions ended, records kept) or reactivate a user."""
    with store.transaction() as conn:
        row = _find(conn, who)
        if row.active != active:
            if not active and row.role == "admin":
                _keep_an_admin(conn, row.id, f"deactivate {row.email}")
            _update(conn, row.id, active=active)
            if not active:
                conn.execute(user_sessions.delete().where(user_sessions.c.user_id == row.id))
            action = "user.activate" if active else "user.deactivate"
            record(conn, actor, action, entity_kind="user", entity_id=row.id,
                   before={"active": row.active}, after={"active": active})  # fmt: skip
        return _user(_row(conn, row.id))


def _keep_an_admin(conn: sa.Connection, leaving: uuid.UUID, doing: str) -> None:
    """Refuse a change that leaves no active admin able to sign in."""
    others = conn.execute(
        sa.select(sa.func.count())
        .select_from(users)
        .where(
            users.c.role == "admin",
            users.c.active.is_(True),
            users.c.password_hash.is_not(None),
            users.c.id != leaving,
        )
    ).scalar_one()
    if not others:
        raise Conflict(
            f"cannot {doing}: they are the last active admin; make another user admin first",
            needed="admin",
        )


def _update(conn: sa.Connection, user_id: uuid.UUID, **values: Any) -> None:
    conn.execute(
        users.update().where(users.c.id == user_id).values(updated_at=datetime.now(UTC), **values)
    )


def _find(conn: sa.Connection, who: str | uuid.UUID) -> sa.Row[Any]:
    text = str(who).strip()
    try:
        query = sa.select(users).where(users.c.id == parse_id(text))
    except ValidationError:
        query = sa.select(users).where(users.c.email == text.lower())
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no user {text!r} (give an email or an id)", user=text)
    return row


def _row(conn: sa.Connection, user_id: uuid.UUID) -> sa.Row[Any]:
    return conn.execute(sa.select(users).where(users.c.id == user_id)).one()


def _user(row: sa.Row[Any]) -> User:
    m = row._mapping
    return User(
        id=m["id"], email=m["email"], name=m["name"], role=m["role"], active=bool(m["active"]),
        can_sign_in=m["password_hash"] is not None and bool(m["active"]),
        last_login_at=m["last_login_at"], created_at=m["created_at"],
    )  # fmt: skip


def _valid_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not re.fullmatch(EMAIL_PATTERN, email):
        raise ValidationError(f"{email!r} is not an email address", field="email", value=email)
    return email


def _valid_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(
            f"unknown role {role!r}; use one of: {', '.join(ROLES)}", field="role", value=role
        )


def _valid_name(name: str | None) -> str | None:
    name = (name or "").strip() or None
    if name is not None and len(name) > 200:
        raise ValidationError("a name may have at most 200 characters", field="name")
    return name
