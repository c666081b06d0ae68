"""``Store.update``: bulk updates by key, identically on both backends, including columns
under an index (which DuckDB rewrites only where they change)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pyarrow as pa
import sqlalchemy as sa

from devfunnel.store import Store
from devfunnel.store.schema.identity import people

STAMPS = {
    "created_at": datetime(2026, 1, 1, tzinfo=UTC),
    "updated_at": datetime(2026, 1, 1, tzinfo=UTC),
}


def _people(store: Store, n: int) -> list[str]:
    ids = [str(uuid.uuid4()) for _ in range(n)]
    with store.transaction() as conn:
        conn.execute(
            people.insert(),
            [
                {"id": uuid.UUID(i), "email": f"p{k}@acme.io", "name": f"P{k}", **STAMPS}
                for k, i in enumerate(ids)
            ],
        )
    return ids


def _stored(store: Store) -> dict[str, tuple[str | None, str | None, int]]:
    with store.read() as conn:
        rows = conn.execute(
            sa.select(people.c.id, people.c.email, people.c.name, people.c.event_count)
        )
        return {str(r.id): (r.email, r.name, r.event_count) for r in rows}


def test_update_sets_plain_and_indexed_columns_by_key(store: Store) -> None:
    ids = _people(store, 4)
    rows = pa.Table.from_pylist(
        [
            {"id": ids[0], "email": "p0@acme.io", "name": "Ada", "event_count": 3},  # same email
            {"id": ids[1], "email": "new@acme.io", "name": "Grace", "event_count": 5},
            {"id": ids[2], "email": None, "name": None, "event_count": 0},  # email cleared
        ]
    )
    with store.transaction() as conn:
        matched = store.update(conn, people, rows)
    assert matched == 3
    assert _stored(store) == {
        ids[0]: ("p0@acme.io", "Ada", 3),
        ids[1]: ("new@acme.io", "Grace", 5),
        ids[2]: (None, None, 0),
        ids[3]: ("p3@acme.io", "P3", 0),  # not in the update: untouched
    }
    with store.read() as conn:  # the index answers for the new value, not the old
        found = conn.execute(sa.select(people.c.id).where(people.c.email == "new@acme.io"))
        assert [str(i) for i in found.scalars()] == [ids[1]]


def test_update_of_only_indexed_columns_counts_every_matched_row(store: Store) -> None:
    ids = _people(store, 3)
    rows = pa.Table.from_pylist(
        [{"id": ids[0], "email": "p0@acme.io"}, {"id": ids[1], "email": "moved@acme.io"}]
    )
    with store.transaction() as conn:
        matched = store.update(conn, people, rows)
    assert matched == 2
    assert _stored(store)[ids[1]][0] == "moved@acme.io"
    assert _stored(store)[ids[0]][0] == "p0@acme.io"


def test_bulk_loading_keeps_what_was_written_and_restores_the_settings(store: Store) -> None:
    def threshold() -> str | None:
        if store.kind != "duckdb":
            return None
        with store.read() as conn:
            return str(
                conn.exec_driver_sql("SELECT current_setting('checkpoint_threshold')").scalar()
            )

    before = threshold()
    with store.bulk_loading():
        if store.kind == "duckdb":
            assert threshold() != before
        ids = _people(store, 2)
    assert threshold() == before
    assert set(_stored(store)) == set(ids)
