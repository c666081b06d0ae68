"""Keep scores current: after ingest, rescore only what new events touched.

What is dirty is read from the store, not remembered in memory, so any process that
resolves events (the worker, an import, the demo) leaves enough behind:

- people owning identities of events in batches resolved since the last run
  (``ingest_batches.processed_at`` after the watermark kept in ``app_state``);
- winners and losers of merges and unmerges since then;
- people of accounts whose firmographics (fit) or billing (paid plan) changed since then.

The watermark and the new dirty set are read under the identity-resolution lock, so a
batch being resolved meanwhile is seen by this run or the next, never by neither. Scores
also decay with time alone: once a day (by ``as_of``'s date) the worker recomputes
everyone. A pinned ``as_of`` (the demo's ``--as-of``) keeps later runs on that date.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.scoring.recompute import RecomputeReport, recompute
from devfunnel.store import Store
from devfunnel.store.schema.admin import app_state
from devfunnel.store.schema.events import events, ingest_batches
from devfunnel.store.schema.identity import accounts, identities, merges, people
from devfunnel.store.schema.revenue import mrr_movements, subscriptions

log = logging.getLogger(__name__)
STATE_KEY = "scoring"


@dataclass(frozen=True)
class ScoringState:
    as_of: datetime | None = None
    pinned: bool = False
    #: Latest ``processed_at`` of a batch already scored.
    watermark: datetime | None = None
    #: Wall-clock time of the last run, for changes that are not batches.
    changed_since: datetime | None = None

    def as_json(self) -> dict[str, Any]:
        def iso(v: datetime | None) -> str | None:
            return v.isoformat() if v else None

        return {"as_of": iso(self.as_of), "pinned": self.pinned, "watermark": iso(self.watermark),
                "changed_since": iso(self.changed_since)}  # fmt: skip


def read_state(conn: sa.Connection) -> ScoringState:
    value = conn.execute(sa.select(app_state.c.value).where(app_state.c.key == STATE_KEY)).scalar()
    if not isinstance(value, dict):
        return ScoringState()

    def at(key: str) -> datetime | None:
        raw = value.get(key)
        return datetime.fromisoformat(raw) if isinstance(raw, str) else None

    return ScoringState(
        at("as_of"), bool(value.get("pinned")), at("watermark"), at("changed_since")
    )


def write_state(conn: sa.Connection, state: ScoringState, now: datetime) -> None:
    conn.execute(app_state.delete().where(app_state.c.key == STATE_KEY))
    conn.execute(app_state.insert().values(key=STATE_KEY, value=state.as_json(), updated_at=now))


def _dirty(conn: sa.Connection, state: ScoringState) -> tuple[set[uuid.UUID], datetime | None]:
    """People touched since ``state``, and the new batch watermark."""
    b = ingest_batches.c
    done = sa.and_(b.status == "done", b.processed_at.is_not(None))
    if state.watermark is not None:
        done = sa.and_(done, b.processed_at > state.watermark)
    watermark = conn.execute(sa.select(sa.func.max(b.processed_at)).where(done)).scalar()
    touched: set[uuid.UUID] = set()
    if watermark is not None:
        batches = sa.select(b.id).where(done, b.processed_at <= watermark)
        keys = sa.select(events.c.identity_key).where(events.c.batch_id.in_(batches)).distinct()
        touched |= {
            r[0]
            for r in conn.execute(
                sa.select(identities.c.person_id).where(identities.c.key.in_(keys)).distinct()
            )
        }
    since = state.changed_since
    if since is not None:
        m = merges.c
        for winner, loser in conn.execute(
            sa.select(m.winner_id, m.loser_id).where(
                sa.or_(m.merged_at > since, m.undone_at > since)
            )
        ):
            touched |= {winner, loser}
        changed_accounts = sa.union(
            sa.select(accounts.c.id).where(accounts.c.updated_at > since),
            sa.select(subscriptions.c.account_id).where(subscriptions.c.updated_at > since),
            sa.select(mrr_movements.c.account_id).where(mrr_movements.c.created_at > since),
        ).subquery()
        touched |= {
            r[0]
            for r in conn.execute(
                sa.select(people.c.id).where(people.c.account_id.in_(sa.select(changed_accounts)))
            )
        }
    return touched, watermark or state.watermark


def compute_all(
    store: Store,
    settings: Settings,
    *,
    as_of: datetime,
    pinned: bool = False,
    history_weeks: int = 0,
) -> RecomputeReport:
    """Recompute everyone as of ``as_of`` and remember it (``pinned`` keeps later
    incremental runs on that date: the demo)."""
    now = datetime.now(UTC)
    with store.exclusive("identity-resolution") as conn:
        _, watermark = _dirty(conn, read_state(conn))
    report = recompute(store, settings, as_of=as_of, history_weeks=history_weeks)
    with store.transaction() as conn:
        write_state(conn, ScoringState(as_of, pinned, watermark, now), now)
    return report


def update_scores(
    store: Store, settings: Settings, *, now: datetime | None = None
) -> RecomputeReport | None:
    """What the worker runs after resolution: a full recompute when none was made today
    (or ever), else only the people new events or changes touched; ``None`` when nothing
    needed doing."""
    now = now or datetime.now(UTC)
    wall = datetime.now(UTC)
    with store.exclusive("identity-resolution") as conn:
        state = read_state(conn)
        if state.as_of is None:
            has_events = conn.execute(sa.select(events.c.id).limit(1)).first() is not None
            if not has_events:
                return None
        touched, watermark = _dirty(conn, state)
    as_of = state.as_of if state.pinned and state.as_of else now
    if state.as_of is None or (not state.pinned and state.as_of.date() != as_of.date()):
        report = recompute(store, settings, as_of=as_of)
    elif touched:
        report = recompute(store, settings, as_of=as_of, persons=sorted(touched))
    else:
        return None
    with store.transaction() as conn:
        write_state(conn, ScoringState(as_of, state.pinned, watermark, wall), wall)
    log.info("scored %d accounts, %d people (%s)", report.accounts, report.people,
             "full" if report.full else "incremental")  # fmt: skip
    return report
