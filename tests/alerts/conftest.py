"""Settings and seeded records for alert tests."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from devfunnel.config import Settings, load_settings
from devfunnel.store import Store
from tests.helpers.records import Seed

PUBLIC_URL = "https://devfunnel.acme.dev"


def settings_with(settings: Settings, **environ: str) -> Settings:
    """The defaults plus ``DEVFUNNEL_*`` values (the ``settings`` fixture's clean cwd)."""
    del settings  # only for its clean working directory
    env: Mapping[str, str] = {"DEVFUNNEL_SERVER_PUBLIC_URL": PUBLIC_URL, **environ}
    return load_settings(None, environ=env)


@pytest.fixture
def alert_settings(settings: Settings) -> Settings:
    """Short retries (1, 2, 4 s), 60-minute digests, links to ``PUBLIC_URL``."""
    return settings_with(settings, DEVFUNNEL_ALERTS_RETRY_SECONDS="[1.0, 2.0, 4.0]")


@pytest.fixture
def seed(store: Store) -> Seed:
    return Seed(store)
