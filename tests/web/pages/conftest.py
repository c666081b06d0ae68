"""An app over a fresh DuckDB with one user of each role (the services below the pages
are tested on both backends in ``tests/admin``)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.vocabulary import ROLES
from devfunnel.web.app import create_app
from tests.helpers.web import make_user


@pytest.fixture(autouse=True)
def _cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with small parameters: these tests are about pages, and each makes seven
    users (``tests/admin`` checks the real parameters)."""
    from argon2 import PasswordHasher

    from devfunnel.admin import passwords

    monkeypatch.setattr(
        passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def page_store(duckdb_template: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "pages.duckdb"
    shutil.copy(duckdb_template, path)
    with Store(f"duckdb:///{path}") as store:
        yield store


@pytest.fixture
def role_users(page_store: Store) -> dict[str, str]:
    """``role -> email`` for one user of every role."""
    return {role: make_user(page_store, role).email for role in ROLES}


@pytest.fixture
def client(
    page_store: Store, settings: Settings, role_users: dict[str, str]
) -> Iterator[TestClient]:
    with TestClient(create_app(settings, page_store, run_worker=False)) as test_client:
        yield test_client
