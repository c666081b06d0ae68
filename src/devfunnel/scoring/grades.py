"""Grades A-F: where an account's momentum ranks among its peers.

The percentile is the cumulative distribution of momentum within the account's peer
group (``scoring.peer_group_by``: accounts of the same segment, region or industry;
accounts without the value form one group of their own): the share of peers whose
momentum is at most the account's. ``scoring.grades`` says what share each grade needs;
below ``d`` is F, and an account with no momentum at all is F whatever its peers do.
Regraded set-wise over every account after each recompute, since one account's new
momentum moves its peers' percentiles.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.scores import account_scores

GRADES = ("A", "B", "C", "D", "F")


def grade_for(settings: Settings, momentum: float, percentile: float) -> str:
    bands = settings.scoring.grades
    if momentum <= 0:
        return "F"
    for grade, floor in (("A", bands.a), ("B", bands.b), ("C", bands.c), ("D", bands.d)):
        if percentile >= floor:
            return grade
    return "F"


def peer_group(settings: Settings) -> sa.ColumnElement[Any]:
    field = settings.scoring.peer_group_by
    if field == "none":
        return sa.literal("all")
    return sa.func.coalesce(accounts.c[field], "")


def regrade(store: Store, conn: sa.Connection, settings: Settings) -> int:
    """Set ``grade`` and ``percentile`` of every scored account; return how many changed."""
    s = account_scores.c
    percentile = sa.func.cume_dist().over(partition_by=peer_group(settings), order_by=s.momentum)
    rows = conn.execute(
        sa.select(s.account_id, s.momentum, s.grade, s.percentile, percentile).select_from(
            account_scores.join(accounts, accounts.c.id == s.account_id)
        )
    ).all()
    changed = []
    for account_id, momentum, old_grade, old_percentile, found in rows:
        pct = float(found)  # a Decimal from some drivers
        grade = grade_for(settings, float(momentum), pct)
        if grade != old_grade or old_percentile is None or abs(float(old_percentile) - pct) > 1e-9:
            changed.append({"account_id": account_id, "grade": grade, "percentile": float(pct)})
    if changed:
        table = pa.Table.from_pylist(
            [{**r, "account_id": str(r["account_id"])} for r in changed],
            schema=pa.schema([("account_id", pa.string()), ("grade", pa.string()),
                              ("percentile", pa.float64())]),
        )  # fmt: skip
        store.update(conn, account_scores, table, key=("account_id",))
    return len(changed)
