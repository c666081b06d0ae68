"""Opening a store: URLs, backends, and databases that cannot be opened."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfunnel.errors import ConfigError, StoreUnavailable
from devfunnel.store import Store
from devfunnel.store.backends import backend_for, normalise_url
from tests.helpers.postgres import PostgresAdmin, unique_name

#: Opens the file and keeps it open until its stdin closes.
HOLD_FILE = (
    "import duckdb, sys\n"
    "connection = duckdb.connect(sys.argv[1])\n"
    "print('ready', flush=True)\n"
    "sys.stdin.read()\n"
    "connection.close()\n"
)


@pytest.mark.parametrize(
    ("raw", "driver"),
    [
        ("postgresql://u@db.example:5432/app", "postgresql+psycopg"),
        ("postgres://u@db.example/app", "postgresql+psycopg"),
        ("postgresql+psycopg://u@db.example/app", "postgresql+psycopg"),
        ("duckdb:///data/devfunnel.duckdb", "duckdb"),
    ],
)
def test_normalise_url_defaults_postgresql_to_psycopg(raw: str, driver: str) -> None:
    url = normalise_url(raw)

    assert url.drivername == driver
    assert url.database == sa.make_url(raw).database
    assert url.host == sa.make_url(raw).host


@pytest.mark.parametrize("raw", ["mysql://u@h/db", "sqlite:///x.db", "postgresql+asyncpg://h/d"])
def test_unsupported_scheme_is_a_config_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="unsupported database"):
        Store(raw)


def test_text_that_is_not_a_url_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="is not a database URL"):
        normalise_url("not a url")


def test_backend_for_picks_by_driver() -> None:
    assert backend_for(normalise_url("duckdb:///x.duckdb")).name == "duckdb"
    assert backend_for(normalise_url("postgresql://h/d")).name == "postgresql"


def test_store_reports_its_kind(tmp_path: Path) -> None:
    with Store(f"duckdb:///{tmp_path / 'kind.duckdb'}") as store:
        assert store.kind == "duckdb"
        assert store.describe() == f"duckdb:///{tmp_path / 'kind.duckdb'}"


def test_duckdb_store_creates_missing_parent_directories(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "deeper" / "x.duckdb"
    with Store(f"duckdb:///{path}"):
        pass
    assert path.is_file()


@pytest.fixture
def held_duckdb_file(tmp_path: Path) -> Iterator[Path]:
    """A DuckDB file another process has open, as a running ``devfunnel serve`` would."""
    path = tmp_path / "held.duckdb"
    with subprocess.Popen(
        [sys.executable, "-c", HOLD_FILE, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as holder:
        stdin, stdout, stderr = holder.stdin, holder.stdout, holder.stderr
        assert stdin is not None
        assert stdout is not None
        assert stderr is not None
        try:
            if stdout.readline().strip() != "ready":
                pytest.fail(f"the process holding the file did not start: {stderr.read()}")
            yield path
        finally:
            stdin.close()  # the holder exits when its stdin closes
            try:
                holder.wait(timeout=10)
            except subprocess.TimeoutExpired:
                holder.kill()


def test_duckdb_file_in_use_by_another_process_is_unavailable(held_duckdb_file: Path) -> None:
    with pytest.raises(StoreUnavailable) as raised:
        Store(f"duckdb:///{held_duckdb_file}")

    message = str(raised.value)
    assert "in use" in message
    assert str(held_duckdb_file) in message
    assert raised.value.status == 503


def test_postgresql_on_a_closed_port_is_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match="cannot connect to PostgreSQL") as raised:
        Store("postgresql://devfunnel:s3cr3t-pw@127.0.0.1:1/devfunnel")

    assert "s3cr3t-pw" not in str(raised.value)
    assert "s3cr3t-pw" not in str(raised.value.context)


@pytest.mark.postgres
def test_postgresql_database_that_does_not_exist_is_unavailable(
    postgres_admin: PostgresAdmin,
) -> None:
    name = unique_name("missing")
    assert not postgres_admin.exists(name)

    with pytest.raises(StoreUnavailable, match="does not exist") as raised:
        Store(postgres_admin.url_for(name))

    assert name in str(raised.value)
