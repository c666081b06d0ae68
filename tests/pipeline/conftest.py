"""Fixtures for pipeline tests: a store with the sales team's users loaded."""

from __future__ import annotations

import pytest

from devfunnel.config import Settings
from devfunnel.store import Store
from tests.pipeline.seed import seed_users


@pytest.fixture
def team_store(store: Store, settings: Settings) -> Store:
    """A migrated store (both backends) holding the routing teams' users and a few others."""
    seed_users(store, settings)
    return store
