"""Fixtures the command-line tests share."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def db(tmp_path: Path, duckdb_template: Path) -> str:
    """A migrated, empty DuckDB file of the test's own (modules that need data define
    their own ``db``)."""
    path = tmp_path / "cli.duckdb"
    shutil.copy(duckdb_template, path)
    return f"duckdb:///{path}"
