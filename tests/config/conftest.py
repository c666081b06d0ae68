"""Configuration tests run in an empty working directory with an empty environment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from devfunnel.config import Settings, load_settings
from devfunnel.errors import ConfigError
from tests.helpers.config import Load, Refuse


@pytest.fixture(autouse=True)
def _empty_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No stray ``./devfunnel.toml`` is ever read by accident."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a user configuration file and return its path."""

    def write(text: str, name: str = "custom.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, "utf-8")
        return path

    return write


@pytest.fixture
def load(write_config: Callable[[str], Path]) -> Load:
    """Load settings from defaults plus an optional user file, environment and flags."""

    def run(
        text: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings:
        path = write_config(text) if text is not None else None
        return load_settings(path, environ=dict(environ or {}), overrides=overrides)

    return run


@pytest.fixture
def refuse(write_config: Callable[[str], Path]) -> Refuse:
    """Load settings that must be refused; return the error and the user file's path."""

    def run(
        text: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> tuple[ConfigError, Path | None]:
        path = write_config(text) if text is not None else None
        with pytest.raises(ConfigError) as raised:
            load_settings(path, environ=dict(environ or {}), overrides=overrides)
        return raised.value, path

    return run
