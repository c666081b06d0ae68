"""Migrations create the whole schema on both backends, idempotently, and are enforced."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from devfunnel.errors import SchemaOutOfDate
from devfunnel.store import Store, migrate
from devfunnel.store.schema import metadata

ALEMBIC = "alembic_version"


def _tables(store: Store) -> set[str]:
    with store.read() as conn:
        return set(sa.inspect(conn).get_table_names())


def test_migrated_store_has_every_table_of_the_schema(store: Store) -> None:
    assert _tables(store) - {ALEMBIC} == set(metadata.tables)


def test_migrated_columns_match_the_schema(store: Store) -> None:
    # information_schema rather than Inspector.get_columns, which duckdb-engine lacks.
    query = sa.text(
        "SELECT table_name, column_name, is_nullable FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    )
    actual: dict[str, dict[str, bool]] = {}
    with store.read() as conn:
        for table, column, nullable in conn.execute(query):
            if table != ALEMBIC:
                actual.setdefault(table, {})[column] = nullable == "YES"
    expected = {
        name: {c.name: c.nullable for c in table.columns} for name, table in metadata.tables.items()
    }
    assert actual == expected


def test_migrated_store_is_at_head(store: Store) -> None:
    assert migrate.current_revision(store) == migrate.head_revision()
    migrate.require_current(store)


def test_upgrade_of_empty_database_creates_schema(empty_store: Store) -> None:
    assert _tables(empty_store) == set()

    before, after = migrate.upgrade(empty_store)

    assert (before, after) == (None, migrate.head_revision())
    assert _tables(empty_store) - {ALEMBIC} == set(metadata.tables)
    migrate.require_current(empty_store)


def test_upgrade_is_idempotent(store: Store) -> None:
    head = migrate.head_revision()
    tables = _tables(store)

    assert migrate.upgrade(store) == (head, head)
    assert migrate.upgrade(store) == (head, head)

    assert _tables(store) == tables
    assert migrate.current_revision(store) == head


def test_upgrade_keeps_existing_rows(store: Store) -> None:
    app_state = metadata.tables["app_state"]
    with store.transaction() as conn:
        conn.execute(app_state.insert().values(key="k", value={"a": 1}, updated_at=sa.func.now()))

    migrate.upgrade(store)

    with store.read() as conn:
        assert conn.execute(sa.select(app_state.c.value)).scalar_one() == {"a": 1}


def test_require_current_refuses_unmigrated_database(empty_store: Store) -> None:
    with pytest.raises(SchemaOutOfDate) as raised:
        migrate.require_current(empty_store)

    error = raised.value
    assert "has no devfunnel schema" in str(error)
    assert "devfunnel init" in str(error)
    assert error.context == {"current": None, "expected": migrate.head_revision()}


def test_require_current_refuses_older_revision(store: Store) -> None:
    with store.transaction() as conn:
        conn.execute(sa.text(f"UPDATE {ALEMBIC} SET version_num = 'old0'"))

    with pytest.raises(SchemaOutOfDate, match="is at revision old0"):
        migrate.require_current(store)


def _index_names(store: Store) -> set[str]:
    query = (
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        if store.kind == "postgresql"
        else "SELECT index_name FROM duckdb_indexes() WHERE schema_name = current_schema()"
    )
    with store.read() as conn:
        return {str(name) for (name,) in conn.execute(sa.text(query))}


def test_every_index_of_the_schema_is_migrated(store: Store) -> None:
    expected = set()
    for table in metadata.tables.values():
        for index in table.indexes:
            only = getattr(index, "_ddl_if", None)
            if only is None or only.dialect in (None, store.kind):
                expected.add(str(index.name))
    assert expected <= _index_names(store)
