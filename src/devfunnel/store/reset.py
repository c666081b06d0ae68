"""Emptying a database for ``devfunnel demo --replace``, and guarding against doing it by
accident."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.store.schema import metadata
from devfunnel.store.store import Store


def has_data(store: Store) -> bool:
    """Whether the database already holds devfunnel records worth protecting."""
    with store.read() as conn:
        inspector = sa.inspect(conn)
        if not inspector.has_table("events"):
            return False
        for table in ("events", "accounts", "opportunities"):
            if conn.execute(
                sa.select(sa.func.count()).select_from(metadata.tables[table])
            ).scalar():
                return True
    return False


def drop_everything(store: Store) -> None:
    """Drop devfunnel's tables and migration history (the demo replaces its own truth)."""
    with store.transaction() as conn:
        metadata.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
