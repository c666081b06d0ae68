"""A client for the webhook endpoints, with both secrets configured from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from devfunnel.config import Settings, load_settings
from devfunnel.store import Store
from devfunnel.web.app import create_app

GITHUB_SECRET = "gh-test-secret"
STRIPE_SECRET = "whsec_test_secret"


@pytest.fixture
def hook_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Default settings with both webhook secrets set the way an operator would."""
    monkeypatch.chdir(tmp_path)
    return load_settings(
        None,
        environ={
            "DEVFUNNEL_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET,
            "DEVFUNNEL_STRIPE_WEBHOOK_SECRET": STRIPE_SECRET,
        },
    )


@pytest.fixture
def client(store: Store, hook_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(hook_settings, store, run_worker=False)) as test_client:
        yield test_client


@pytest.fixture
def unconfigured(store: Store, settings: Settings) -> Iterator[TestClient]:
    """The app with no webhook secrets at all."""
    with TestClient(create_app(settings, store, run_worker=False)) as test_client:
        yield test_client
