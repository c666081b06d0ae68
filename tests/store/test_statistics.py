"""PostgreSQL appends keep the planner's statistics of bulk-loaded tables current.

Without them (autovacuum lags a bulk load by a minute, or is off) the planner takes a
table of a million rows for an empty one and picks nested loops that rescan it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pytest
import sqlalchemy as sa

from devfunnel.store import Store
from devfunnel.store.backends import postgres
from devfunnel.store.schema.identity import identity_edges

FIRST_SEEN = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


# Planner statistics are PostgreSQL's; DuckDB keeps its own as it writes.
pytestmark = pytest.mark.parametrize("backend", ["postgresql"])


def _edges(start: int, count: int) -> pa.Table:
    return pa.table(
        {
            "a": [f"u:{i}" for i in range(start, start + count)],
            "b": [f"u:{i}:b" for i in range(start, start + count)],
            "evidence": ["alias"] * count,
            "first_seen": pa.array([FIRST_SEEN] * count, pa.timestamp("us", tz="UTC")),
        }
    )


def _known_rows(store: Store) -> float:
    """What the planner believes the table holds (-1: never analysed)."""
    with store.read() as conn:
        return float(
            conn.execute(
                sa.text("SELECT reltuples FROM pg_class WHERE oid = 'identity_edges'::regclass")
            ).scalar_one()
        )


def _append(store: Store, rows: pa.Table) -> int:
    with store.transaction() as conn:
        return store.append(conn, identity_edges, rows, unique_on=("a", "b"))


def test_an_append_copied_straight_in_analyses_the_table_too(store: Store) -> None:
    # Without replays to skip the rows bypass the staging table; the statistics still count.
    with store.transaction() as conn:
        store.append(conn, identity_edges, _edges(0, 3000))

    assert _known_rows(store) == 3000


def test_small_appends_leave_statistics_alone(store: Store) -> None:
    _append(store, _edges(0, postgres.ANALYZE_MIN_ROWS - 1))

    assert _known_rows(store) <= 0


def test_a_bulk_append_analyses_the_table(store: Store) -> None:
    _append(store, _edges(0, 3000))

    assert _known_rows(store) == 3000


def test_analyses_again_only_when_the_table_grew_by_a_good_share(store: Store) -> None:
    _append(store, _edges(0, 4000))
    _append(store, _edges(4000, 1000))  # a quarter more: the plan still fits

    assert _known_rows(store) == 4000

    _append(store, _edges(5000, 3000))  # now 8,000, and the planner is told

    assert _known_rows(store) == 8000


def test_a_concurrent_analysis_is_skipped_not_waited_for(store: Store) -> None:
    with store.transaction() as other:
        # Another transaction holds the lock ANALYZE needs until it ends.
        other.execute(sa.text("ANALYZE identity_edges"))
        inserted = _append(store, _edges(0, 2000))

    assert inserted == 2000
    assert _known_rows(store) <= 0
