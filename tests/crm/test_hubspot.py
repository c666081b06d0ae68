"""Write-back to HubSpot served on 127.0.0.1: request shapes, outages survived with
nothing lost or duplicated, rate limits honoured, partial failures isolated."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from devfunnel.admin.audit import CLI
from devfunnel.config import Settings, load_settings
from devfunnel.crm import outbox
from devfunnel.crm.changes import enqueue_changes
from devfunnel.crm.push import push_pending
from devfunnel.store import Store
from devfunnel.store.schema.admin import crm_outbox
from tests.crm.conftest import World, crm_environ
from tests.crm.fakes import TOKEN, FakeHubSpot
from tests.helpers.local_http import LocalServer
from tests.helpers.records import NOW


def hubspot_settings(server: LocalServer) -> Settings:
    return load_settings(None, environ=crm_environ(server.url, None))


def rows(store: Store, object_: str | None = None) -> list[outbox.OutboxRow]:
    return [
        r
        for r in outbox.list_outbox(store, system="hubspot", limit=1000)
        if object_ is None or r.object == object_
    ]


def test_scores_and_a_handoff_note_reach_hubspot(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    config = hubspot_settings(hubspot_server)
    enqueue_changes(store, config, now=NOW)
    report = push_pending(store, config, now=NOW)
    assert report.counts["hubspot"] == {"sent": 4, "retrying": 0, "dead": 0, "rate_limited": 0}
    assert hubspot.records["companies"]["101"] == {
        "name": "Acme Inc",
        "devfunnel_momentum": 82.5,
        "devfunnel_fit": 71.0,
        "devfunnel_grade": "A",
        "devfunnel_journey_stage": "build",
        "devfunnel_pqa": "true",
        "devfunnel_pqa_since": "2026-03-02T11:00:00.000Z",
    }
    assert hubspot.records["deals"]["9001"]["devfunnel_momentum"] == 82.5
    assert hubspot.records["contacts"]["301"]["devfunnel_engagement"] == 64.0
    ((note_id, note),) = hubspot.records["notes"].items()
    assert note["hs_timestamp"] == "2026-03-02T10:00:00.000Z"
    assert "Acme Inc" in note["hs_note_body"]
    assert [a["to"]["id"] for a in hubspot.associations[note_id]] == ["101", "9001"]
    requests = hubspot_server.received()
    assert {r.path for r in requests} == {
        "/crm/v3/objects/companies/batch/update",
        "/crm/v3/objects/contacts/batch/update",
        "/crm/v3/objects/deals/batch/update",
        "/crm/v3/objects/notes",
    }
    batch = next(r for r in requests if r.path.endswith("companies/batch/update"))
    assert batch.headers["authorization"] == f"Bearer {TOKEN}"
    ((company,),) = [batch.json()["inputs"]]
    assert company["id"] == "101"
    assert company["properties"]["devfunnel_grade"] == "A"
    sent = {r.object: r for r in rows(store)}
    assert {o: r.status for o, r in sent.items()} == dict.fromkeys(sent, "sent")
    assert sent["companies"].crm_object_id == "101"
    assert sent["notes"].crm_object_id == note_id
    # Nothing is due any more: another pass sends nothing.
    assert push_pending(store, config, now=NOW + timedelta(hours=1)).total("sent") == 0
    assert len(hubspot_server.received()) == 4


def test_an_outage_loses_nothing_and_duplicates_nothing(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    config = hubspot_settings(hubspot_server)
    enqueue_changes(store, config, now=NOW)
    hubspot.down = True  # 503 to everything
    first = push_pending(store, config, now=NOW)
    assert first.counts["hubspot"]["retrying"] == 4
    assert all(r.last_error.startswith("HTTP 503 from 127.0.0.1") for r in rows(store))
    hubspot_server.stop()  # then the connection is refused
    second = push_pending(store, config, now=NOW + timedelta(seconds=1))
    assert second.counts["hubspot"]["retrying"] == 4
    assert {r.last_error for r in rows(store)} == {
        "cannot reach 127.0.0.1: connection refused or failed"
    }
    # Meanwhile the scores change: a newer update for the same records is queued.
    world.seed.scores(world.acme, grade="B", computed_at=NOW + timedelta(minutes=1))
    enqueue_changes(store, config, now=NOW + timedelta(seconds=2))
    hubspot_server.start()
    hubspot.down = False
    at = NOW + timedelta(seconds=3)
    for _ in range(4):
        push_pending(store, config, now=at)
        at += timedelta(seconds=5)
    assert {r.status for r in rows(store)} == {"sent"}
    assert hubspot.records["companies"]["101"]["devfunnel_grade"] == "B"
    assert hubspot.records["deals"]["9001"]["devfunnel_grade"] == "B"
    # Every record was written once, with its newest state (grade A was overtaken by B
    # before HubSpot came back), and the handoff note exists once.
    (note_id,) = hubspot.records["notes"]
    assert sorted((o, i) for o, i, _ in hubspot.applied) == [
        ("companies", "101"),
        ("contacts", "301"),
        ("deals", "9001"),
        ("notes", note_id),
    ]
    assert all(p.get("devfunnel_grade", "B") == "B" for _, _, p in hubspot.applied)


def test_a_note_whose_answer_was_lost_is_found_not_created_again(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    config = hubspot_settings(hubspot_server)
    enqueue_changes(store, config, now=NOW)
    with store.transaction() as conn:  # only the note
        conn.execute(crm_outbox.delete().where(crm_outbox.c.object != "notes"))
    hubspot.lose_answers = 1
    assert push_pending(store, config, now=NOW).counts["hubspot"]["retrying"] == 1
    assert len(hubspot.records["notes"]) == 1  # it was created; we do not know yet
    assert push_pending(store, config, now=NOW + timedelta(seconds=1)).total("sent") == 1
    (note,) = rows(store)
    assert note.crm_object_id == next(iter(hubspot.records["notes"]))
    assert len(hubspot.records["notes"]) == 1
    paths = [r.path for r in hubspot_server.received()]
    assert paths == ["/crm/v3/objects/notes", "/crm/v3/objects/notes/search"]


def test_retry_after_is_honoured_without_spending_attempts(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    config = hubspot_settings(hubspot_server)
    enqueue_changes(store, config, now=NOW)
    hubspot.rate_limited, hubspot.retry_after = 1, "30"
    report = push_pending(store, config, now=NOW)
    assert report.counts["hubspot"]["rate_limited"] == 4
    assert len(hubspot_server.received()) == 1  # stopped at the first 429
    waiting = rows(store)
    assert {r.attempts for r in waiting} == {0}
    assert {r.next_attempt_at for r in waiting} == {NOW + timedelta(seconds=30)}
    assert "TEN_SECONDLY_ROLLING" in waiting[0].last_error
    assert push_pending(store, config, now=NOW + timedelta(seconds=29)).total("sent") == 0
    assert len(hubspot_server.received()) == 1
    assert push_pending(store, config, now=NOW + timedelta(seconds=30)).total("sent") == 4


def test_without_retry_after_the_policy_sets_the_pause(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    config = hubspot_settings(hubspot_server)
    enqueue_changes(store, config, now=NOW)
    hubspot.rate_limited, hubspot.retry_after, hubspot.policy = 1, None, "DAILY"
    push_pending(store, config, now=NOW)
    assert {r.next_attempt_at for r in rows(store)} == {NOW + timedelta(hours=1)}


def test_a_company_deleted_in_hubspot_is_dead_and_the_rest_goes_through(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    config = hubspot_settings(hubspot_server)
    del hubspot.records["companies"]["101"]
    enqueue_changes(store, config, now=NOW)
    report = push_pending(store, config, now=NOW)
    assert (report.total("sent"), report.total("dead")) == (3, 1)
    (dead,) = outbox.list_outbox(store, status="dead")
    assert dead.object == "companies"
    assert dead.last_error.startswith("HubSpot OBJECT_NOT_FOUND: Could not get some COMPANIES")
    assert dead.last_error.endswith("(refused; not retried after 1 attempt)")
    # Re-driven once the company exists again (restored from HubSpot's recycle bin).
    hubspot.records["companies"]["101"] = {"name": "Acme Inc"}
    outbox.retry(store, str(dead.id), CLI, now=NOW)
    assert push_pending(store, config, now=NOW).total("sent") == 1
    assert hubspot.records["companies"]["101"]["devfunnel_grade"] == "A"


def test_the_token_never_reaches_the_outbox(
    store: Store,
    world: World,
    settings: Settings,
    hubspot: FakeHubSpot,
    hubspot_server: LocalServer,
) -> None:
    environ = crm_environ(hubspot_server.url, None) | {"DEVFUNNEL_CRM_HUBSPOT_TOKEN": "wrong"}
    config = load_settings(None, environ=environ)
    enqueue_changes(store, config, now=NOW)
    push_pending(store, config, now=NOW)
    (dead, *_) = outbox.list_outbox(store, status="dead")
    assert dead.last_error.startswith("HTTP 401 from 127.0.0.1")
    with store.read() as conn:
        stored = conn.execute(sa.select(crm_outbox)).all()
    assert "wrong" not in repr(stored)
    assert TOKEN not in repr(stored)
