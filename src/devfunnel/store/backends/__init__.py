"""Backends by URL scheme."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.errors import ConfigError
from devfunnel.store.backends.base import Backend
from devfunnel.store.backends.duckdb import DuckDBBackend
from devfunnel.store.backends.postgres import PostgresBackend

__all__ = ["Backend", "backend_for", "normalise_url"]


def normalise_url(raw: str) -> sa.URL:
    """Parse a database URL, defaulting PostgreSQL to the psycopg 3 driver."""
    try:
        url = sa.make_url(raw)
    except sa.exc.ArgumentError:
        raise ConfigError(
            f"{raw!r} is not a database URL; use duckdb:///path.duckdb or "
            "postgresql+psycopg://user@host/db"
        ) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def backend_for(url: sa.URL) -> Backend:
    if url.drivername == "duckdb":
        return DuckDBBackend()
    if url.drivername == "postgresql+psycopg":
        return PostgresBackend()
    raise ConfigError(f"unsupported database {url.drivername!r}; use duckdb or postgresql")
