"""API keys for programs: created with a scope, shown once, stored only as a hash.

Scopes: ``ingest`` sends events (Segment write keys); ``read`` reads the JSON API;
``write`` also changes records; ``admin`` may do everything, including managing keys.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.errors import AuthError, Forbidden, NotFound, ValidationError
from devfunnel.ids import new_id, parse_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import api_keys

Scope = Literal["ingest", "read", "write", "admin"]
#: What each scope may do.
GRANTS: dict[str, frozenset[str]] = {
    "ingest": frozenset({"ingest"}),
    "read": frozenset({"read"}),
    "write": frozenset({"read", "write"}),
    "admin": frozenset({"ingest", "read", "write", "admin"}),
}
#: Random characters of the secret kept (after ``df_<scope>_``) so lists can tell keys apart.
_PREFIX_RANDOM = 8
#: Seconds between writes of a key's ``last_used_at`` (intake uses keys hundreds of times a
#: second; one write a minute is enough to tell a dead key from a live one).
_TOUCH_EVERY = 60.0


@dataclass(frozen=True)
class ApiKey:
    id: uuid.UUID
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    def allows(self, need: str) -> bool:
        return need in GRANTS[self.scope]

    @property
    def actor(self) -> Actor:
        return Actor("api_key", id=self.id, label=f"key {self.name} ({self.prefix}…)")


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    #: The secret itself; shown once and never stored.
    secret: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_key(store: Store, name: str, scope: str, actor: Actor) -> CreatedKey:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationError("a key name must have 1 to 100 characters", field="name")
    if scope not in GRANTS:
        raise ValidationError(
            f"unknown scope {scope!r}; use one of: {', '.join(GRANTS)}", field="scope"
        )
    secret = f"df_{scope}_{secrets.token_urlsafe(32)}"
    key_id, now = new_id(), datetime.now(UTC)
    prefix = secret[: len(f"df_{scope}_") + _PREFIX_RANDOM]
    with store.transaction() as conn:
        conn.execute(
            api_keys.insert().values(
                id=key_id,
                name=name,
                prefix=prefix,
                key_hash=hash_secret(secret),
                scope=scope,
                created_by=actor.id,
                created_at=now,
            )
        )
        record(
            conn,
            actor,
            "api_key.create",
            entity_kind="api_key",
            entity_id=key_id,
            after={"name": name, "scope": scope, "prefix": prefix},
        )
    key = ApiKey(key_id, name, prefix, scope, now, None, None)
    return CreatedKey(key, secret)


def list_keys(store: Store, *, include_revoked: bool = False) -> list[ApiKey]:
    query = sa.select(api_keys).order_by(api_keys.c.created_at)
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    with store.read() as conn:
        return [_key(row) for row in conn.execute(query)]


def revoke_key(store: Store, key: str, actor: Actor) -> ApiKey:
    """Revoke by id, or by the key's prefix as shown in lists."""
    with store.transaction() as conn:
        row = _find(conn, key)
        if row.revoked_at is None:
            now = datetime.now(UTC)
            conn.execute(api_keys.update().where(api_keys.c.id == row.id).values(revoked_at=now))
            record(
                conn,
                actor,
                "api_key.revoke",
                entity_kind="api_key",
                entity_id=row.id,
                before={"name": row.name, "scope": row.scope},
            )
            row = conn.execute(sa.select(api_keys).where(api_keys.c.id == row.id)).one()
    return _key(row)


def _find(conn: sa.Connection, key: str) -> sa.Row[tuple[object, ...]]:
    text = key.strip()
    try:
        query = sa.select(api_keys).where(api_keys.c.id == parse_id(text))
    except ValidationError:
        query = sa.select(api_keys).where(api_keys.c.prefix == text.rstrip("…"))
    rows = conn.execute(query).all()
    if not rows:
        raise NotFound(
            f"no API key {text!r} (give its id or the prefix `devfunnel keys list` shows)", key=text
        )
    return rows[0]


class KeyVerifier:
    """Checks presented secrets against the store, caching hashes briefly.

    A revoked key stops working within ``cache_seconds``; valid keys do not cost a
    database round trip on every intake request.
    """

    def __init__(self, store: Store, cache_seconds: float = 5.0) -> None:
        self.store = store
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, ApiKey | None]] = {}
        self._touched: dict[uuid.UUID, float] = {}
        self._lock = threading.Lock()

    def verify(self, secret: str | None, need: str) -> ApiKey:
        if not secret:
            raise AuthError("an API key is required", scope=need)
        digest = hash_secret(secret)
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(digest)
        if cached is None or now - cached[0] > self.cache_seconds:
            with self.store.read() as conn:
                row = conn.execute(sa.select(api_keys).where(api_keys.c.key_hash == digest)).first()
            found = _key(row) if row is not None and row.revoked_at is None else None
            with self._lock:
                self._cache[digest] = (now, found)
        else:
            found = cached[1]
        if found is None:
            raise AuthError("the API key is not valid (unknown or revoked)", scope=need)
        if not found.allows(need):
            raise Forbidden(
                f"{_article(found.scope)} {found.scope} key may not {need}; create a key with "
                f"the {need} scope",
                scope=found.scope,
                needed=need,
            )
        self._touch(found, now)
        return found

    def _touch(self, key: ApiKey, now: float) -> None:
        with self._lock:
            if now - self._touched.get(key.id, -_TOUCH_EVERY) < _TOUCH_EVERY:
                return
            self._touched[key.id] = now
        with self.store.transaction() as conn:
            conn.execute(
                api_keys.update()
                .where(api_keys.c.id == key.id)
                .values(last_used_at=datetime.now(UTC))
            )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _key(row: sa.Row[tuple[object, ...]]) -> ApiKey:
    m = row._mapping
    return ApiKey(
        m["id"],
        m["name"],
        m["prefix"],
        m["scope"],
        m["created_at"],
        m["last_used_at"],
        m["revoked_at"],
    )
