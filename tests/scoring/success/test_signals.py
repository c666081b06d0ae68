"""Developer signals read from daily totals: exact on the moment's own day, never reading
anything at or after the moment, and read once for a whole refresh."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from devfunnel.config import Settings
from devfunnel.errors import Conflict
from devfunnel.identity.resolve import resolve_pending
from devfunnel.scoring.success import schedule, signals
from devfunnel.scoring.success.signals import Moment, prefetched, read_signals
from devfunnel.store import Store
from tests.pipeline.world import NOW, World, build, send, usage


@pytest.fixture
def world(store: Store, settings: Settings) -> World:
    return build(store, settings)


def test_the_moments_own_day_counts_only_what_came_before_it(
    store: Store, settings: Settings, world: World
) -> None:
    noon = NOW + timedelta(days=3, hours=12)
    send(store, [
        usage("jane", noon - timedelta(hours=2), 7, 900),
        usage("jane", noon + timedelta(hours=2), 100_000, 901),
        {"messageId": "t-late", "type": "track", "event": "Support Ticket Opened",
         "userId": "jane", "timestamp": noon + timedelta(minutes=1)},
    ])  # fmt: skip
    resolve_pending(store, settings)
    before, at_noon = (
        read_signals(store, settings, [Moment(0, world.account, at)])[0]
        for at in (noon - timedelta(hours=3), noon)
    )
    assert at_noon["api_volume"] == before["api_volume"] + 7
    assert at_noon["blockers"] == before["blockers"]


def test_engagement_decays_from_each_events_own_time(
    store: Store, settings: Settings, world: World
) -> None:
    """Daily totals keep each event's time within its day: reading a day later halves
    nothing but multiplies every event's decay by exactly one day's."""
    at = NOW + timedelta(days=3, hours=12)
    first, later = (
        read_signals(store, settings, [Moment(0, world.account, when)])[0]
        for when in (at, at + timedelta(hours=30))
    )
    day = math.exp(-math.log(2) / settings.scoring.half_life_days * 30 / 24)
    # Every event of the window is older than 30 hours: nothing enters or leaves it.
    assert later["engagement"] == pytest.approx(first["engagement"] * day)


def test_a_refresh_reads_signals_once(
    store: Store, settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads: list[int] = []
    real = signals._read

    def counted(*args: Any) -> Any:
        reads.append(len(args[2]))
        return real(*args)

    monkeypatch.setattr(signals, "_read", counted)
    moments = [Moment(0, world.account, NOW, world.jane), Moment(1, world.account, NOW)]
    direct = read_signals(store, settings, moments)
    reads.clear()
    with prefetched(store, settings, moments[:1]):
        served = read_signals(store, settings, moments)
    assert reads == [1]  # the contact-less moment is served from the account's signals
    # (Sums of floating-point decays may differ in their last bits between queries.)
    assert all(served[k] == pytest.approx(direct[k]) for k in direct)
    assert direct[1]["contact_rate"] == 0 < direct[0]["contact_rate"]
    reads.clear()
    with pytest.raises(Conflict, match="not enough closed opportunities"):
        schedule.refresh_all(store, settings, now=NOW)
    assert len(reads) == 1


def test_signals_do_not_depend_on_the_order_a_database_adds_them_in() -> None:
    import ibis
    import pyarrow as pa

    from devfunnel.scoring.success.signals import GRAIN, _exact

    rng = np.random.default_rng(4)
    parts = rng.exponential(3.0, 5000)
    assert sum(parts) != sum(reversed(parts))  # float addition is not associative...
    table = ibis.memtable(pa.table({"x": parts}))
    grains = np.asarray(table.select(q=_exact(table.x)).to_pyarrow()["q"].to_pylist())
    # ...but multiples of the grain add exactly, in any order, within a grain of the truth.
    assert sum(grains) == sum(reversed(grains)) == sum(rng.permutation(grains))
    assert np.all(np.abs(grains - parts) <= GRAIN / 2)
