"""Signing in and out: sessions of users, kept in the database.

A session is a random token (in the browser's signed cookie) whose SHA-256 is stored in
``user_sessions`` with its expiry and a CSRF token. Keeping sessions server-side is what
lets signing out, a password reset and deactivation end a session at once, which a
cookie that carries the whole session cannot do. Each request looks its session up
together with the user, so a role change applies at the user's next request.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.admin.passwords import hash_password, needs_rehash, verify_password
from devfunnel.admin.throttle import LoginThrottle
from devfunnel.errors import AuthError
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import user_sessions, users

log = logging.getLogger(__name__)

#: The one answer to a failed sign-in, whatever failed (unknown email, wrong password,
#: deactivated user, user without a password), so it tells nobody which emails exist.
SIGN_IN_REFUSED = "the email or password is not right"


@dataclass(frozen=True)
class Session:
    """A signed-in user's session as a request sees it."""

    id: uuid.UUID
    user_id: uuid.UUID
    email: str
    name: str | None
    role: str
    csrf_token: str
    expires_at: datetime

    @property
    def actor(self) -> Actor:
        return Actor("user", id=self.user_id, label=self.email)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def sign_in(
    store: Store,
    email: str,
    password: str,
    *,
    hours: int,
    throttle: LoginThrottle,
    ip: str | None = None,
    user_agent: str | None = None,
    now: datetime | None = None,
) -> tuple[str, Session]:
    """Check the password and open a session; returns the token for the cookie.

    Raises :class:`AuthError` with :data:`SIGN_IN_REFUSED` on any failure, and
    ``TooManyAttempts`` once this email has failed too often from ``ip``.
    """
    now = now or datetime.now(UTC)
    key = throttle.key(email, ip)
    throttle.check(key, now)
    with store.read() as conn:
        row = conn.execute(sa.select(users).where(users.c.email == email.strip().lower())).first()
    stored = row.password_hash if row is not None and row.active else None
    if not verify_password(stored, password) or row is None:
        throttle.failed(key, now)
        log.warning("failed sign-in for %r from %s", email[:320], ip or "unknown address")
        raise AuthError(SIGN_IN_REFUSED)
    throttle.succeeded(key)
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session_id, expires = new_id(), now + timedelta(hours=hours)
    with store.transaction() as conn:
        conn.execute(
            user_sessions.insert().values(
                id=session_id, token_hash=token_hash(token), user_id=row.id, csrf_token=csrf,
                created_at=now, expires_at=expires, ip=(ip or None) and ip[:64],
                user_agent=(user_agent or None) and user_agent[:300],
            )
        )  # fmt: skip
        changes: dict[str, Any] = {"last_login_at": now}
        if needs_rehash(str(row.password_hash)):
            changes["password_hash"] = hash_password(password)
        conn.execute(users.update().where(users.c.id == row.id).values(**changes))
        conn.execute(
            user_sessions.delete().where(
                user_sessions.c.user_id == row.id, user_sessions.c.expires_at <= now
            )
        )
        session = Session(session_id, row.id, row.email, row.name, row.role, csrf, expires)
        record(conn, session.actor, "user.sign_in", entity_kind="user", entity_id=row.id,
               after={"ip": ip})  # fmt: skip
    return token, session


def session_for(store: Store, token: str, now: datetime | None = None) -> Session | None:
    """The live session of ``token``: unexpired, of an active user who has a password."""
    now = now or datetime.now(UTC)
    query = (
        sa.select(
            user_sessions.c.id, user_sessions.c.user_id, users.c.email, users.c.name,
            users.c.role, user_sessions.c.csrf_token, user_sessions.c.expires_at,
        )
        .join(users, users.c.id == user_sessions.c.user_id)
        .where(
            user_sessions.c.token_hash == token_hash(token),
            user_sessions.c.expires_at > now,
            users.c.active.is_(True),
            users.c.password_hash.is_not(None),
        )
    )  # fmt: skip
    with store.read() as conn:
        row = conn.execute(query).first()
    return Session(*row) if row is not None else None


def sign_out(store: Store, token: str) -> None:
    """End the session of ``token`` (nothing happens for an unknown one)."""
    with store.transaction() as conn:
        row = conn.execute(
            sa.select(user_sessions.c.user_id, users.c.email)
            .join(users, users.c.id == user_sessions.c.user_id)
            .where(user_sessions.c.token_hash == token_hash(token))
        ).first()
        if row is None:
            return
        conn.execute(user_sessions.delete().where(user_sessions.c.token_hash == token_hash(token)))
        record(conn, Actor("user", id=row.user_id, label=row.email), "user.sign_out",
               entity_kind="user", entity_id=row.user_id)  # fmt: skip


def purge_expired(store: Store, now: datetime | None = None) -> int:
    """Delete expired sessions; returns how many."""
    now = now or datetime.now(UTC)
    expired = user_sessions.c.expires_at <= now
    with store.transaction() as conn:
        # Counted first: DuckDB does not report the rows a DELETE removed.
        count = conn.execute(sa.select(sa.func.count()).where(expired)).scalar_one()
        conn.execute(user_sessions.delete().where(expired))
        return int(count)
