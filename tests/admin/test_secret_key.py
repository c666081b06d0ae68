"""The session secret: configured, or generated once and kept in the database."""

from __future__ import annotations

from devfunnel.admin.secret_key import secret_key
from devfunnel.config import Settings, load_settings
from devfunnel.store import Store


def test_a_generated_secret_is_kept(store: Store, settings: Settings) -> None:
    first = secret_key(store, settings)
    assert len(first) >= 32
    assert secret_key(store, settings) == first


def test_a_configured_secret_wins(store: Store, settings: Settings) -> None:
    configured = load_settings(None, environ={"DEVFUNNEL_SECRET_KEY": "k" * 40})
    assert secret_key(store, configured) == "k" * 40
