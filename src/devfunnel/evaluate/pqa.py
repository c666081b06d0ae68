"""How well momentum finds the accounts about to open an opportunity.

Scores are computed as of ``t = as_of - 30 days`` from events before ``t`` only. The
population is every live account without an open opportunity at ``t``; an account
*converts* when a new or expansion opportunity is created for it in ``[t, t + 30 days)``
(renewals open on the contract's calendar, not on signals, so they do not count).

``lift`` is the conversion rate among the top decile by momentum divided by the base rate
of the whole population; ``lift_raw_count`` is the same for the top decile by raw count of
recognised events in the scoring window (the naive ranking). A lift of 1 is no better
than picking accounts at random.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.journey import activities
from devfunnel.scoring import formulas, signals
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import opportunities

HORIZON_DAYS = 30
TOP_SHARE = 0.10


@dataclass
class PqaEvaluation:
    scored_as_of: str
    horizon_days: int
    population: int
    converted: int
    base_rate: float
    top_n: int
    top_converted: int
    top_converted_raw_count: int
    lift: float
    lift_raw_count: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def evaluate_pqa(store: Store, settings: Settings, as_of: datetime) -> PqaEvaluation:
    """Lift of momentum and of raw event counts, scored ``HORIZON_DAYS`` before ``as_of``."""
    t = as_of - timedelta(days=HORIZON_DAYS)
    with store.transaction() as conn:
        activities.build_facts(conn, settings, t, since=activities.window_start(settings, t))
        found = signals.collect(conn, settings, [0], by="account_id")
        raw = signals.raw_event_counts(conn, settings)
        activities.drop_facts(conn)
        population = _population(conn, t)
        converted = _converted(conn, t, t + timedelta(days=HORIZON_DAYS))
    empty = signals.SubjectSignals()
    momentum = {a: formulas.momentum(settings, found.get((0, a), empty))[0] for a in population}
    counts = {a: raw.get(a, 0) for a in population}
    top_n = max(1, round(len(population) * TOP_SHARE))
    hits = converted & population
    base = len(hits) / len(population) if population else 0.0

    def top_hits(score: dict[uuid.UUID, float] | dict[uuid.UUID, int]) -> int:
        # Ties broken by id so the figure is deterministic.
        ranked = sorted(population, key=lambda a: (-score[a], str(a)))[:top_n]
        return sum(1 for a in ranked if a in hits)

    top_m, top_r = top_hits(momentum), top_hits(counts)
    return PqaEvaluation(
        scored_as_of=t.isoformat(), horizon_days=HORIZON_DAYS, population=len(population),
        converted=len(hits), base_rate=base, top_n=top_n, top_converted=top_m,
        top_converted_raw_count=top_r,
        lift=(top_m / top_n) / base if base else 0.0,
        lift_raw_count=(top_r / top_n) / base if base else 0.0,
    )  # fmt: skip


def demo_as_of(day: Any) -> datetime:
    """The end of the demo's last day: scores as of the demo cover its whole history."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def _population(conn: sa.Connection, t: datetime) -> set[uuid.UUID]:
    o = opportunities.c
    open_at_t = sa.select(o.account_id).where(
        o.created_at < t, sa.or_(o.closed_at.is_(None), o.closed_at >= t)
    )
    rows = conn.execute(
        sa.select(accounts.c.id).where(
            accounts.c.merged_into.is_(None), accounts.c.id.not_in(open_at_t)
        )
    )
    return {r[0] for r in rows}


def _converted(conn: sa.Connection, start: datetime, end: datetime) -> set[uuid.UUID]:
    o = opportunities.c
    rows = conn.execute(
        sa.select(o.account_id).where(
            o.created_at >= start, o.created_at < end, o.type != "renewal"
        )
    )
    return {r[0] for r in rows}


def demo_date(store: Store) -> Any:
    """The demo's ``--as-of`` date from its ground truth; NotFound outside a demo."""
    import orjson

    from devfunnel.demo.truth import meta
    from devfunnel.errors import NotFound

    try:
        with store.read() as conn:
            value = conn.execute(sa.select(meta.c.value).where(meta.c.key == "as_of")).scalar()
    except Exception:  # noqa: BLE001 - no truth schema at all: not a demo database
        value = None
    if value is None:
        raise NotFound(f"{store.describe()} holds no demo company (no demo_truth.meta as_of)")
    from datetime import date

    text = orjson.loads(value) if isinstance(value, str) and value.startswith('"') else value
    return date.fromisoformat(str(text))
