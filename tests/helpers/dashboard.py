"""A small demo company for dashboard tests: generated once per session into a DuckDB
file (about ten seconds), copied for each test that changes it."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from devfunnel.config import load_settings
from devfunnel.store import Store, migrate

#: The demo's last day: today, so the scorecard (which measures up to now) has recent
#: records to measure; the same seed gives the same company shifted in time.
AS_OF = date.today()
ACCOUNTS = 30


def demo_template(factory: pytest.TempPathFactory) -> Path:
    from devfunnel.demo.load import load_demo

    path = factory.mktemp("dashboard-demo") / "demo.duckdb"
    with Store(f"duckdb:///{path}") as store:
        migrate.upgrade(store)
        load_demo(store, load_settings(None, environ={}), seed=7, accounts=ACCOUNTS, as_of=AS_OF)
    return path


def copy_of(template: Path, folder: Path) -> str:
    path = folder / "dashboard.duckdb"
    shutil.copy(template, path)
    return f"duckdb:///{path}"
