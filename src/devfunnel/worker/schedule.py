"""Periodic steps of the background worker: run a step at most every N seconds.

The worker polls every ``worker.poll_seconds``; steps that scan many rows (alert
detection, looking for CRM changes) run less often. The last run is kept in
``app_state``, so the period holds across restarts and between processes sharing a
PostgreSQL database.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state


def take_turn(store: Store, key: str, every_seconds: float, now: datetime) -> bool:
    """True (and the turn is recorded) when ``key`` last ran ``every_seconds`` ago or more,
    or never; False otherwise. Two callers at once: one gets the turn."""
    with store.exclusive(f"schedule:{key}") as conn:
        value = conn.execute(sa.select(app_state.c.value).where(app_state.c.key == key)).scalar()
        if isinstance(value, str | bytes):  # DuckDB may return JSON as text
            value = orjson.loads(value)
        last: dict[str, Any] = value if isinstance(value, dict) else {}
        if "at" in last:
            at = datetime.fromisoformat(last["at"])
            if timedelta(0) <= now - at < timedelta(seconds=every_seconds):
                return False
        conn.execute(app_state.delete().where(app_state.c.key == key))
        conn.execute(
            app_state.insert().values(key=key, value={"at": now.isoformat()}, updated_at=now)
        )
    return True
