"""PostgreSQL for the test suite: an admin connection and database names unique per worker.

Tests never share a database: each gets its own, created from a migrated template and
dropped afterwards. Names carry the xdist worker id and a random suffix so that parallel
workers (and parallel runs on one server) never collide.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

#: The maintenance database the suite connects to in order to create and drop its own.
ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def unique_name(kind: str) -> str:
    """A database name no other test, worker or run uses, e.g. ``dftest_gw1_test_1a2b3c4d``."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    return f"dftest_{worker}_{kind}_{uuid.uuid4().hex[:10]}".lower()


def unavailable(reason: str) -> None:
    """Skip a PostgreSQL test when the server is missing, except in CI where it must fail."""
    message = f"PostgreSQL is not reachable at {sa.make_url(ADMIN_URL)!r}: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: PostgreSQL tests are never skipped)", pytrace=False)
    pytest.skip(message + " (set TEST_POSTGRES_URL, or CI=true to make this an error)")


class PostgresAdmin:
    """Creates and drops test databases on one server (autocommit, no pooled connections)."""

    def __init__(self, url: str = ADMIN_URL) -> None:
        self.url = sa.make_url(url)
        self.engine = sa.create_engine(
            self.url,
            isolation_level="AUTOCOMMIT",
            poolclass=NullPool,
            connect_args={"connect_timeout": 3},
        )

    def problem(self) -> str | None:
        """Why the server cannot be used, or ``None`` when it answers."""
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
        except sa.exc.OperationalError as exc:
            return str(exc.orig or exc).strip().splitlines()[0]
        return None

    def url_for(self, database: str) -> str:
        return self.url.set(database=database).render_as_string(hide_password=False)

    def create(self, database: str, *, template: str | None = None) -> None:
        sql = f'CREATE DATABASE "{database}"'
        if template is not None:
            sql += f' TEMPLATE "{template}"'
        with self.engine.connect() as conn:
            conn.execute(sa.text(sql))

    def drop(self, database: str) -> None:
        with self.engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))

    def exists(self, database: str) -> bool:
        with self.engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
            )
            return found.scalar() is not None

    def close(self) -> None:
        self.engine.dispose()


class DatabaseFactory:
    """Fresh databases cloned from a template, created ahead of need in background threads.

    Cloning is quick, and several clones run in parallel for the price of one, so a couple
    are made ahead of the tests. Dropping is slow (PostgreSQL forces a checkpoint on every
    ``DROP DATABASE``) unless drops overlap and share one, so used databases are dropped by
    threads of their own that never hold up cloning. ``close`` waits for all of it and drops
    clones nobody took.
    """

    def __init__(self, admin: PostgresAdmin, template: str | None, *, ahead: int = 2) -> None:
        self.admin = admin
        self.template = template
        self.ahead = ahead
        self._creator = ThreadPoolExecutor(max_workers=ahead, thread_name_prefix="test-db-new")
        self._dropper = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-db-drop")
        self._ready: deque[Future[str]] = deque()
        self._dropping: list[Future[None]] = []

    def _create(self) -> str:
        name = unique_name("test")
        self.admin.create(name, template=self.template)
        return name

    def take(self) -> str:
        """The name of a new database of its own for one test."""
        while len(self._ready) <= self.ahead:
            self._ready.append(self._creator.submit(self._create))
        return self._ready.popleft().result()

    def discard(self, name: str) -> None:
        self._dropping.append(self._dropper.submit(self.admin.drop, name))

    def close(self) -> None:
        try:
            while self._ready:
                self.discard(self._ready.popleft().result())
            for dropping in self._dropping:
                dropping.result()
        finally:
            self._creator.shutdown(wait=True, cancel_futures=True)
            self._dropper.shutdown(wait=True)
