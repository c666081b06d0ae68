"""The secret that signs session cookies: ``server.secret_key`` when configured, else one
generated on first use and kept in the database (``app_state``), so that sessions survive
restarts and every process on the same database signs alike without configuration.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state

#: The ``app_state`` key holding the generated secret.
STATE_KEY = "session_secret"


def secret_key(store: Store, settings: Settings) -> str:
    configured = settings.server.secret_key
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    with store.read() as conn:
        found = _stored(conn)
    if found is not None:
        return found
    with store.exclusive(STATE_KEY) as conn:
        found = _stored(conn)
        if found is None:
            found = secrets.token_urlsafe(32)
            conn.execute(
                app_state.insert().values(
                    key=STATE_KEY, value={"secret": found}, updated_at=datetime.now(UTC)
                )
            )
        return found


def _stored(conn: sa.Connection) -> str | None:
    value = conn.execute(sa.select(app_state.c.value).where(app_state.c.key == STATE_KEY)).scalar()
    if isinstance(value, dict) and isinstance(value.get("secret"), str):
        return str(value["secret"])
    return None
