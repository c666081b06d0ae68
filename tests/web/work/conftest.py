"""The work pages over a fresh DuckDB: one user of each role (``<role>@acme.dev``) and the
small sales world of ``tests/helpers/work.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.web.app import create_app
from tests.helpers.work import WorkWorld, seed_work
from tests.web.pages.conftest import _cheap_hashing, page_store, role_users

__all__ = ["_cheap_hashing", "page_store", "role_users"]


@pytest.fixture
def world(page_store: Store, settings: Settings, role_users: dict[str, str]) -> WorkWorld:
    return seed_work(page_store, settings)


@pytest.fixture
def client(page_store: Store, settings: Settings, world: WorkWorld) -> Iterator[TestClient]:
    with TestClient(create_app(settings, page_store, run_worker=False)) as test_client:
        yield test_client
