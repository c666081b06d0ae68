"""Create or migrate a database to the schema this version of devfunnel expects."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from devfunnel.errors import SchemaOutOfDate
from devfunnel.store.store import Store


class DuckDBImpl(DefaultImpl):
    """Teach Alembic the DuckDB dialect (registered by defining it); DuckDB DDL is
    transactional, so a failed migration leaves the database as it was."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", "devfunnel.store:migrations")
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    with store.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store) -> tuple[str | None, str]:
    """Migrate to the newest schema in one transaction; return (before, after) revisions."""
    before = current_revision(store)
    config = _config()
    with store.transaction() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    return before, head_revision()


def require_current(store: Store) -> None:
    """Refuse to run against a database that is missing or behind the code's schema."""
    current = current_revision(store)
    head = head_revision()
    if current != head:
        state = "has no devfunnel schema" if current is None else f"is at revision {current}"
        raise SchemaOutOfDate(
            f"the database {store.describe()} {state}; this version needs "
            f"{head}. Run `devfunnel init` to create or migrate it.",
            current=current,
            expected=head,
        )
