"""What the database holds, counted through Ibis so it runs on any backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from devfunnel.store import Store

if TYPE_CHECKING:
    import ibis


@dataclass
class Summary:
    counts: dict[str, int] = field(default_factory=dict)
    events_by_source: list[dict[str, Any]] = field(default_factory=list)
    opportunities_by_stage: list[dict[str, Any]] = field(default_factory=list)
    mrr_by_currency: list[dict[str, Any]] = field(default_factory=list)
    first_event: Any = None
    last_event: Any = None


COUNTED = ("accounts", "people", "identities", "events", "leads", "opportunities",
           "subscriptions", "programs", "touchpoints", "feedback_items", "users")  # fmt: skip


def summarise(store: Store) -> Summary:
    import ibis  # late: Ibis takes seconds to import; the server should start without it
    from ibis import _

    con = store.ibis()
    out = Summary()
    for name in COUNTED:
        table = con.table(name)
        if name in ("people", "accounts"):
            table = table.filter(table.merged_into.isnull())
        out.counts[name] = int(table.count().to_pyarrow().as_py())
    events = con.table("events")
    if out.counts["events"]:
        # Only with events: Ibis types the min of a NOT NULL column NOT NULL, and the NULL
        # an empty PostgreSQL table answers then fails the conversion.
        span = events.aggregate(first=events.timestamp.min(), last=events.timestamp.max())
        row = span.to_pyarrow().to_pylist()[0]
        out.first_event, out.last_event = row["first"], row["last"]
    out.events_by_source = _records(
        events.group_by("source").aggregate(events=_.count()).order_by(ibis.desc("events"))
    )
    opps = con.table("opportunities")
    out.opportunities_by_stage = _records(
        opps.group_by(["stage", "currency"])
        .aggregate(opportunities=_.count(), amount_minor=_.amount_minor.sum())
        .order_by(["stage", "currency"])
    )
    subs = con.table("subscriptions")
    active = subs.filter(subs.status.isin(["active", "trialing", "past_due"]))
    out.mrr_by_currency = _records(
        active.group_by("currency").aggregate(mrr_minor=_.mrr_minor.sum(), subscriptions=_.count())
    )
    return out


def _records(expr: ibis.Table) -> list[dict[str, Any]]:
    frame = expr.to_pyarrow()
    # Sums of BIGINT arrive as exact decimals; integers are what they are.
    return [
        {k: (int(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
        for row in frame.to_pylist()
    ]
