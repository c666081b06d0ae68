"""Options every command takes, and how a command gets its settings and store."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from devfunnel.config import Settings, load_settings
from devfunnel.store import Store

DbOption = Annotated[
    str | None,
    typer.Option("--db", metavar="URL", show_default=False,
                 help="Database URL: duckdb:///path.duckdb or postgresql+psycopg://user@host/db "
                      "(default: database.url from the configuration, or DEVFUNNEL_DATABASE_URL)."),
]  # fmt: skip
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", metavar="PATH", show_default=False, dir_okay=False,
                 help="Configuration file (default: ./devfunnel.toml or DEVFUNNEL_CONFIG)."),
]  # fmt: skip


def settings_for(db: str | None, config: Path | None) -> Settings:
    """Effective settings: files and environment, then ``--db``; applies the log level."""
    settings = load_settings(config, overrides={"database.url": db} if db else None)
    logging.getLogger("devfunnel").setLevel(settings.logging.level)
    return settings


def open_store(settings: Settings, *, migrated: bool = True, create: bool = False) -> Store:
    """Open the configured database; by default refuse one whose schema is not current.

    Only ``init`` and ``demo`` pass ``create``: any other command given a DuckDB path that
    does not exist says so, instead of leaving an empty file (and folders) behind."""
    from devfunnel.store.migrate import require_current

    store = Store(settings.database.url, create=create)
    if migrated:
        try:
            require_current(store)
        except BaseException:
            store.close()
            raise
    return store
