"""``Store.append``: bulk Arrow inserts that skip replays, identically on both backends."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest
import sqlalchemy as sa

from devfunnel.errors import StoreError
from devfunnel.store import Store
from devfunnel.store.backends.duckdb import ROW_GROUP_ROWS, row_group_batches
from devfunnel.store.schema.identity import identity_edges

FIRST_SEEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
EDGE_SCHEMA = pa.schema(
    [
        ("a", pa.string()),
        ("b", pa.string()),
        ("evidence", pa.string()),
        ("first_seen", pa.timestamp("us", tz="UTC")),
    ]
)
KEY = ("a", "b")


def _edges(*rows: tuple[str, str, str | None]) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {"a": a, "b": b, "evidence": evidence, "first_seen": FIRST_SEEN + timedelta(hours=i)}
            for i, (a, b, evidence) in enumerate(rows)
        ],
        schema=EDGE_SCHEMA,
    )


def _stored(store: Store) -> dict[tuple[str, str], dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(sa.select(identity_edges)).mappings().all()
    return {(r["a"], r["b"]): dict(r) for r in rows}


def _append(store: Store, rows: pa.Table, unique_on: tuple[str, ...] | None = KEY) -> int:
    with store.transaction() as conn:
        return store.append(conn, identity_edges, rows, unique_on=unique_on)


def test_append_inserts_rows_and_returns_count(store: Store) -> None:
    inserted = _append(store, _edges(("u:1", "u:2", "alias"), ("u:1", "u:3", "same_event")))

    assert inserted == 2
    stored = _stored(store)
    assert set(stored) == {("u:1", "u:2"), ("u:1", "u:3")}
    assert stored[("u:1", "u:2")]["evidence"] == "alias"
    assert stored[("u:1", "u:2")]["first_seen"] == FIRST_SEEN
    assert stored[("u:1", "u:3")]["first_seen"] == FIRST_SEEN + timedelta(hours=1)


def test_append_skips_rows_whose_key_is_stored(store: Store) -> None:
    _append(store, _edges(("u:1", "u:2", "alias")))

    inserted = _append(store, _edges(("u:1", "u:2", "crm"), ("u:2", "u:3", "crm")))

    assert inserted == 1
    stored = _stored(store)
    assert set(stored) == {("u:1", "u:2"), ("u:2", "u:3")}
    assert stored[("u:1", "u:2")]["evidence"] == "alias"  # the stored row is untouched


def test_append_keeps_the_first_of_keys_repeated_within_one_append(store: Store) -> None:
    rows = [("u:0", f"u:{i}", "first") for i in range(200)]
    rows += [("u:0", f"u:{i}", "repeat") for i in reversed(range(200))]

    inserted = _append(store, _edges(*rows))

    assert inserted == 200
    assert {r["evidence"] for r in _stored(store).values()} == {"first"}


def test_append_of_only_replays_inserts_nothing(store: Store) -> None:
    rows = _edges(("u:1", "u:2", "alias"), ("u:1", "u:3", "alias"))
    _append(store, rows)

    assert _append(store, rows) == 0
    assert len(_stored(store)) == 2


def test_append_of_no_rows_inserts_nothing(store: Store) -> None:
    assert _append(store, _edges()) == 0
    assert _stored(store) == {}


def test_append_without_a_required_column_fails(store: Store) -> None:
    table = _edges(("u:1", "u:2", "alias")).drop_columns(["first_seen"])
    with pytest.raises(StoreError):
        _append(store, table)  # first_seen is NOT NULL and has no default

    assert _stored(store) == {}


def test_failed_append_leaves_nothing_in_the_transaction(store: Store) -> None:
    good = _edges(("u:1", "u:2", "alias"), ("u:1", "u:3", "alias"))
    bad = _edges(("u:4", "u:5", None))  # evidence is NOT NULL

    def append_both() -> None:
        with store.transaction() as conn:
            store.append(conn, identity_edges, good, unique_on=KEY)
            store.append(conn, identity_edges, bad, unique_on=KEY)

    with pytest.raises(StoreError) as raised:
        append_both()

    assert not isinstance(raised.value, sa.exc.SQLAlchemyError)
    assert _stored(store) == {}


def test_append_without_unique_key_refuses_duplicates_as_store_error(store: Store) -> None:
    _append(store, _edges(("u:1", "u:2", "alias")), unique_on=None)

    with pytest.raises(StoreError):
        _append(store, _edges(("u:1", "u:3", "alias"), ("u:1", "u:2", "alias")), unique_on=None)

    assert set(_stored(store)) == {("u:1", "u:2")}


def test_append_refuses_columns_the_table_lacks(store: Store) -> None:
    table = _edges(("u:1", "u:2", "alias")).append_column("nope", pa.array(["x"]))

    with pytest.raises(StoreError, match="nope"):
        _append(store, table)

    assert _stored(store) == {}


def test_append_twice_in_one_transaction(store: Store) -> None:
    with store.transaction() as conn:
        first = store.append(conn, identity_edges, _edges(("u:1", "u:2", "a")), unique_on=KEY)
        again = store.append(
            conn, identity_edges, _edges(("u:1", "u:2", "b"), ("u:7", "u:8", "b")), unique_on=KEY
        )

    assert (first, again) == (1, 1)
    assert set(_stored(store)) == {("u:1", "u:2"), ("u:7", "u:8")}


def test_append_of_more_than_a_row_group_stores_every_row_once(store: Store) -> None:
    # Larger than one of DuckDB's row groups, in uneven Arrow chunks, with a repeat that
    # straddles the row-group boundary: the re-slicing must neither lose nor double rows.
    count = ROW_GROUP_ROWS + 1_000
    b = pa.array([f"u:{i}" for i in range(count)])
    first_seen = pa.array([FIRST_SEEN] * count, pa.timestamp("us", tz="UTC"))
    whole = pa.table(
        {
            "a": pa.repeat(pa.scalar("u:0"), count),
            "b": b,
            "evidence": pa.repeat(pa.scalar("x"), count),
            "first_seen": first_seen,
        },
        schema=EDGE_SCHEMA,
    )
    repeat = whole.slice(ROW_GROUP_ROWS - 1, 1)
    rows = pa.concat_tables([whole.slice(0, 70_000), whole.slice(70_000), repeat])

    inserted = _append(store, rows)

    assert inserted == count
    with store.read() as conn:
        stored = conn.execute(sa.select(sa.func.count(sa.distinct(identity_edges.c.b)))).scalar()
    assert stored == count


def test_row_group_batches_keep_rows_and_order_within_row_group_sized_batches() -> None:
    ids = pa.array(range(2 * ROW_GROUP_ROWS + 7), pa.int64())
    rows = pa.concat_tables([pa.table({"id": ids.slice(0, 100)}), pa.table({"id": ids.slice(100)})])

    batches = row_group_batches(rows)

    assert batches.equals(rows)
    assert max(len(batch) for batch in batches.to_batches()) <= ROW_GROUP_ROWS
    small = pa.table({"id": ids.slice(0, 10)})
    assert row_group_batches(small) is small


def test_append_keeps_timestamps_exactly_whatever_the_session_time_zone(store: Store) -> None:
    moments = [
        datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC),
        datetime(1969, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
        datetime(2024, 2, 29, 12, 30, 15, 250_000, tzinfo=UTC),
    ]
    rows = pa.table(
        {
            "a": ["u:0"] * 3,
            "b": ["u:1", "u:2", "u:3"],
            "evidence": ["x"] * 3,
            "first_seen": pa.array(moments, pa.timestamp("us", tz="UTC")),
        },
        schema=EDGE_SCHEMA,
    )
    with store.transaction() as conn:
        if store.backend.name == "postgresql":
            # Timestamps go over COPY as text: it must name its zone, not rely on this.
            conn.exec_driver_sql("SET LOCAL timezone = 'America/New_York'")
        store.append(conn, identity_edges, rows, unique_on=KEY)

    stored = _stored(store)
    assert [stored[("u:0", b)]["first_seen"] for b in ("u:1", "u:2", "u:3")] == moments
