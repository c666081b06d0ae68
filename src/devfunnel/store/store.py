"""The store: one object per database, through which every write passes.

Services receive a :class:`Store` and run their writes inside :meth:`Store.transaction`,
so a failure anywhere rolls back everything the operation wrote; nothing is half-written.
Analytics read the same database through :meth:`Store.ibis`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from devfunnel.errors import DevfunnelError, StoreError
from devfunnel.store.backends import Backend, backend_for, normalise_url

if TYPE_CHECKING:
    import ibis
    import pyarrow as pa

log = logging.getLogger(__name__)
_LOCKS: dict[str, threading.Lock] = {}


class Store:
    """A database devfunnel keeps its records in, chosen by URL."""

    def __init__(self, url: str, *, create: bool = True) -> None:
        """Open the database at ``url``; with ``create`` false, a DuckDB file that does not
        exist yet is refused instead of created (commands that only read or migrate it)."""
        self.url = normalise_url(url)
        self.backend: Backend = backend_for(self.url)
        self._ibis: ibis.BaseBackend | None = None
        self._ibis_lock = threading.Lock()
        try:
            self.engine = self.backend.create_engine(self.url, create=create)
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except DevfunnelError:
            raise
        except Exception as exc:  # noqa: BLE001 - any driver failure to open becomes StoreError
            raise self.translate(exc) from None

    @property
    def kind(self) -> str:
        """``duckdb`` or ``postgresql``."""
        return self.backend.name

    def describe(self) -> str:
        return self.backend.describe(self.url)

    @contextmanager
    def transaction(self) -> Iterator[sa.Connection]:
        """A connection in a transaction that commits on success and rolls back on error."""
        try:
            with self.engine.begin() as conn:
                yield conn
        except DevfunnelError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise self.translate(exc) from exc

    @contextmanager
    def exclusive(self, name: str) -> Iterator[sa.Connection]:
        """A transaction that no other thread or process runs under the same ``name`` at
        the same time (identity resolution, scoring)."""
        with _LOCKS.setdefault(name, threading.Lock()), self.transaction() as conn:
            self.backend.lock(conn, name)
            yield conn

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for reads."""
        try:
            with self.engine.connect() as conn:
                yield conn
        except DevfunnelError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise self.translate(exc) from exc

    def append(
        self,
        conn: sa.Connection,
        table: sa.Table,
        rows: pa.Table,
        unique_on: Sequence[str] | None = None,
    ) -> int:
        """Bulk-insert Arrow rows in the caller's transaction; see ``Backend.append``."""
        try:
            return self.backend.append(conn, table, rows, unique_on)
        except DevfunnelError:
            raise
        except Exception as exc:
            raise self.translate(exc) from exc

    def update(
        self, conn: sa.Connection, table: sa.Table, rows: pa.Table, key: Sequence[str] = ("id",)
    ) -> int:
        """Bulk-update rows matched by ``key`` in the caller's transaction."""
        try:
            return self.backend.update(conn, table, rows, key)
        except DevfunnelError:
            raise
        except Exception as exc:
            raise self.translate(exc) from exc

    def analyze(self, conn: sa.Connection, *names: str) -> None:
        """Refresh the planner's statistics of work tables just filled in the caller's
        transaction (PostgreSQL; nothing on DuckDB)."""
        try:
            self.backend.analyze(conn, names)
        except sa.exc.SQLAlchemyError as exc:
            raise self.translate(exc) from exc

    @contextmanager
    def bulk_loading(self) -> Iterator[None]:
        """Database settings for loading a great deal at once, restored afterwards."""
        try:
            with self.backend.bulk_loading(self.engine):
                yield
        except sa.exc.SQLAlchemyError as exc:
            raise self.translate(exc) from exc

    def ibis(self) -> ibis.BaseBackend:
        """An Ibis connection over the same database, for analytics (created once)."""
        with self._ibis_lock:
            if self._ibis is None:
                self._ibis = self.backend.ibis(self.engine)
            return self._ibis

    def translate(self, exc: BaseException) -> DevfunnelError:
        """A devfunnel error for a database failure, naming the database."""
        known = self.backend.translate(exc, self.url)
        if known is not None:
            return known
        orig: Any = getattr(exc, "orig", None) or exc
        first_line = str(orig).strip().splitlines()[0] if str(orig).strip() else repr(orig)
        return StoreError(
            f"database error on {self.describe()}: {first_line}", database=self.describe()
        )

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis.disconnect()
            self._ibis = None
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
