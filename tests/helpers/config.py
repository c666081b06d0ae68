"""Types and snippets for configuration tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from devfunnel.config import Settings
from devfunnel.errors import ConfigError


class Load(Protocol):
    def __call__(
        self,
        text: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> Settings: ...


class Refuse(Protocol):
    def __call__(
        self,
        text: str | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> tuple[ConfigError, Path | None]: ...


def stages(*stages: str) -> str:
    """A ``[[pipeline.stages]]`` array from inline stage bodies (replacing the default)."""
    return "".join(f"[[pipeline.stages]]\n{body.strip()}\n\n" for body in stages)


OPEN_STAGE = 'id = "discovery"\nlabel = "D"\nprobability = 0.1\nforecast_category = "pipeline"'
WON_STAGE = (
    'id = "won"\nlabel = "W"\nprobability = 1.0\nforecast_category = "closed"\noutcome = "won"'
)
LOST_STAGE = (
    'id = "lost"\nlabel = "L"\nprobability = 0.0\nforecast_category = "omitted"\noutcome = "lost"'
)


def icp_rule(condition: str, weight: float = 1) -> str:
    """An ``[[icp.rules]]`` array with one rule testing one inline-table condition."""
    return f'[[icp.rules]]\nid = "r"\ndescription = "d"\nweight = {weight}\nwhen = [{condition}]\n'
