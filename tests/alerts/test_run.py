"""The worker's steps: detection every ``alerts.detect_every_seconds``, delivery on every
poll; CRM write-back only with a connection."""

from __future__ import annotations

from datetime import timedelta

from devfunnel.admin.audit import CLI
from devfunnel.alerts.destinations import add_destination
from devfunnel.alerts.history import list_alerts
from devfunnel.alerts.run import alert_step
from devfunnel.config import Settings
from devfunnel.crm.push import crm_step
from devfunnel.store import Store
from devfunnel.worker.jobs import run_pending
from tests.helpers.local_http import Reply, serving
from tests.helpers.records import NOW, Seed


def test_detection_waits_its_turn_and_delivery_runs_every_poll(
    store: Store, seed: Seed, alert_settings: Settings
) -> None:
    assert alert_settings.alerts.detect_every_seconds == 60
    with serving(lambda request: Reply(200)) as receiver:
        add_destination(store, CLI, name="#sales", kind="slack", url=f"{receiver.url}/hook")
        acme = seed.account("Acme Inc", "acme.io")
        seed.scores(acme, pqa_since=NOW - timedelta(minutes=5))
        first = alert_step(store, alert_settings, now=NOW)
        assert (first.raised, first.delivered) == (1, 1)
        globex = seed.account("Globex", "globex.com")
        seed.scores(globex, pqa_since=NOW - timedelta(minutes=1))
        soon = alert_step(store, alert_settings, now=NOW + timedelta(seconds=30))
        assert (soon.raised, soon.delivered) == (0, 0)  # not its turn yet
        later = alert_step(store, alert_settings, now=NOW + timedelta(seconds=60))
        assert (later.raised, later.delivered) == (1, 1)
        assert len(receiver.received("/hook")) == 2
    assert len(list_alerts(store)) == 2


def test_the_worker_runs_both_steps(store: Store, seed: Seed, alert_settings: Settings) -> None:
    seed.scores(seed.account("Acme Inc", "acme.io"), pqa_since=NOW - timedelta(minutes=5))
    report = run_pending(store, alert_settings, now=NOW)
    assert report.alerts_raised == 1
    assert report.crm_sent == 0
    assert crm_step(store, alert_settings, now=NOW).queued == 0  # no CRM connection
