"""What the database holds, on both backends, empty or not."""

from __future__ import annotations

from devfunnel.config import Settings
from devfunnel.metrics.summary import COUNTED, summarise
from devfunnel.store import Store
from tests.identity.test_privacy import seed_people


def test_an_empty_database_is_summarised_as_empty(store: Store) -> None:
    found = summarise(store)
    assert found.counts == dict.fromkeys(COUNTED, 0)
    assert (found.first_event, found.last_event) == (None, None)
    assert found.events_by_source == []


def test_events_give_the_span_and_the_sources(store: Store, settings: Settings) -> None:
    seed_people(store, settings, records=False)
    found = summarise(store)
    assert found.counts["events"] > 0
    assert found.first_event is not None
    assert found.first_event <= found.last_event
    assert sum(s["events"] for s in found.events_by_source) == found.counts["events"]
