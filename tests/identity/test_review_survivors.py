"""Review's set-wise survivor lookup gives what ``lookup.surviving`` gives one by one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa

from devfunnel.identity.lookup import surviving
from devfunnel.identity.review import _survivors
from devfunnel.store import Store
from devfunnel.store.schema.identity import people


def test_chains_self_references_and_unknown_ids_match_surviving(store: Store) -> None:
    a, b, c, d, e = (uuid.uuid4() for _ in range(5))
    now = datetime(2026, 6, 1, tzinfo=UTC)
    # a -> b -> c (live); d live; e points at itself.
    links = {a: b, b: c, c: None, d: None, e: e}
    with store.transaction() as conn:
        conn.execute(
            sa.insert(people),
            [{"id": p, "merged_into": into, "created_at": now, "updated_at": now}
             for p, into in links.items()],
        )  # fmt: skip
    unknown = uuid.uuid4()
    asked = [a, b, c, d, e, unknown, a]
    with store.read() as conn:
        one_by_one = {p: surviving(conn, people, p) for p in asked}
        set_wise = _survivors(conn, asked)
    assert set_wise == one_by_one
    assert one_by_one == {a: c, b: c, c: c, d: d, e: e, unknown: None}
