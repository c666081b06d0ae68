"""Fixtures shared by the whole suite.

- ``settings``: the built-in default configuration, read from an empty working directory.
- ``backend`` / ``store``: every store test runs on DuckDB and on PostgreSQL. Each test gets
  its own freshly migrated database, copied from a template migrated once per worker
  (a ``.duckdb`` file copy, or PostgreSQL ``CREATE DATABASE ... TEMPLATE``, made a couple
  ahead in the background by ``DatabaseFactory``) and dropped after the test.
- ``empty_store``: an unmigrated database on the same backends, for migration tests.

PostgreSQL tests are marked ``postgres``. When the server is unreachable they are skipped,
except with ``CI=true``, where they fail: CI never silently skips a backend.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from devfunnel.config import Settings, load_settings
from devfunnel.store import Store, migrate
from tests.helpers.postgres import DatabaseFactory, PostgresAdmin, unavailable, unique_name

BACKENDS = ["duckdb", "postgresql"]


def pytest_configure(config: pytest.Config) -> None:
    # ibis 12 still calls DuckDB's fetch_arrow_table(), which DuckDB deprecates (raised
    # from C, so with filterwarnings=error it surfaces as a SystemError inside ibis, e.g.
    # in list_tables). The warning is theirs, not ours: ignore exactly that one.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:fetch_arrow_table\(\) is deprecated:DeprecationWarning:ibis.backends.duckdb",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("backend") == "postgresql"
        if on_postgres or "postgres_admin" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)


# --- configuration ---------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The default settings, never influenced by a ``devfunnel.toml`` or the environment."""
    monkeypatch.chdir(tmp_path)
    return load_settings(None, environ={})


# --- PostgreSQL server and templates (one per worker and session) ----------------------


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[PostgresAdmin]:
    """The PostgreSQL server; skips (or fails with CI=true) when it cannot be reached."""
    admin = PostgresAdmin()
    problem = admin.problem()
    if problem is not None:
        admin.close()
        unavailable(problem)
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: PostgresAdmin) -> Iterator[str]:
    """A migrated database that per-test databases are cloned from."""
    name = unique_name("template")
    postgres_admin.create(name)
    try:
        with Store(postgres_admin.url_for(name)) as template:
            migrate.upgrade(template)
        yield name
    finally:
        postgres_admin.drop(name)


@pytest.fixture(scope="session")
def postgres_databases(
    postgres_admin: PostgresAdmin, postgres_template: str
) -> Iterator[DatabaseFactory]:
    """Migrated databases, one per test, cloned from the template ahead of need."""
    factory = DatabaseFactory(postgres_admin, postgres_template)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def duckdb_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated DuckDB file that per-test databases are copied from."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    with Store(f"duckdb:///{path}") as template:
        migrate.upgrade(template)
    # Closing checkpoints the file; a leftover WAL would mean the copy misses changes.
    assert not path.with_name(path.name + ".wal").exists()
    return path


# --- per-test databases ----------------------------------------------------------------


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``duckdb`` or ``postgresql``; tests using it run once on each."""
    return str(request.param)


def _postgres_database(request: pytest.FixtureRequest, *, migrated: bool) -> Iterator[str]:
    if migrated:
        factory: DatabaseFactory = request.getfixturevalue("postgres_databases")
        name = factory.take()
        try:
            yield factory.admin.url_for(name)
        finally:
            factory.discard(name)
    else:
        admin: PostgresAdmin = request.getfixturevalue("postgres_admin")
        name = unique_name("empty")
        admin.create(name)
        try:
            yield admin.url_for(name)
        finally:
            admin.drop(name)


@pytest.fixture
def store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of its own for this test, migrated to the current schema."""
    if backend == "duckdb":
        path = tmp_path / "store.duckdb"
        shutil.copy(request.getfixturevalue("duckdb_template"), path)
        yield f"duckdb:///{path}"
    else:
        yield from _postgres_database(request, migrated=True)


@pytest.fixture
def empty_store_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a database of its own for this test, with no schema at all."""
    if backend == "duckdb":
        yield f"duckdb:///{tmp_path / 'empty.duckdb'}"
    else:
        yield from _postgres_database(request, migrated=False)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A freshly migrated store on ``backend``; closed (then dropped) after the test."""
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def empty_store(empty_store_url: str) -> Iterator[Store]:
    """An unmigrated store on ``backend``."""
    with Store(empty_store_url) as opened:
        yield opened


# --- a small demo company (dashboard tests) ----------------------------------------------


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 30-account demo company in a DuckDB file, generated once per worker."""
    from tests.helpers.dashboard import demo_template

    return demo_template(tmp_path_factory)


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Iterator[Store]:
    """A copy of the demo company for one test."""
    from tests.helpers.dashboard import copy_of

    with Store(copy_of(demo_file, tmp_path)) as store:
        yield store
