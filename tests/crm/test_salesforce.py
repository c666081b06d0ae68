"""Write-back to Salesforce served on 127.0.0.1: sObject updates and tasks, the org's
request limit, records gone from the CRM, expired tokens, lost answers."""

from __future__ import annotations

from datetime import timedelta

from devfunnel.admin.audit import CLI
from devfunnel.config import Settings, load_settings
from devfunnel.crm import outbox
from devfunnel.crm.changes import enqueue_changes
from devfunnel.crm.push import push_pending
from devfunnel.store import Store
from devfunnel.store.schema.admin import crm_outbox
from tests.crm.conftest import SF_ACCOUNT, SF_CONTACT, SF_DEAL, World, crm_environ
from tests.crm.fakes import TOKEN, FakeSalesforce
from tests.helpers.local_http import LocalServer
from tests.helpers.records import NOW


def salesforce_settings(server: LocalServer) -> Settings:
    return load_settings(None, environ=crm_environ(None, server.url))


def rows(store: Store) -> list[outbox.OutboxRow]:
    return outbox.list_outbox(store, system="salesforce", limit=1000)


def test_scores_and_a_handoff_task_reach_salesforce(
    store: Store,
    world: World,
    settings: Settings,
    salesforce: FakeSalesforce,
    salesforce_server: LocalServer,
) -> None:
    config = salesforce_settings(salesforce_server)
    enqueue_changes(store, config, now=NOW)
    report = push_pending(store, config, now=NOW)
    assert report.counts["salesforce"] == {"sent": 4, "retrying": 0, "dead": 0, "rate_limited": 0}
    assert salesforce.records["Account"][SF_ACCOUNT] == {
        "Name": "Acme Inc",
        "Devfunnel_Momentum__c": 82.5,
        "Devfunnel_Fit__c": 71.0,
        "Devfunnel_Grade__c": "A",
        "Devfunnel_Journey_Stage__c": "build",
        "Devfunnel_PQA__c": True,
        "Devfunnel_PQA_Since__c": "2026-03-02T11:00:00.000Z",
    }
    assert salesforce.records["Opportunity"][SF_DEAL]["Devfunnel_Grade__c"] == "A"
    assert salesforce.records["Contact"][SF_CONTACT] == {
        "Email": "jane@acme.io",
        "Devfunnel_Engagement__c": 12.0,
        "Devfunnel_Journey_Stage__c": "evaluate",
        "Devfunnel_PQL__c": False,
    }
    ((task_id, task),) = salesforce.records["Task"].items()
    assert task["WhatId"] == SF_ACCOUNT
    assert task["Status"] == "Completed"
    assert task["ActivityDate"] == "2026-03-02"
    requests = salesforce_server.received()
    patch = next(r for r in requests if r.path.endswith(f"/Account/{SF_ACCOUNT}"))
    assert patch.method == "PATCH"
    assert patch.path == f"/services/data/v62.0/sobjects/Account/{SF_ACCOUNT}"
    assert patch.headers["authorization"] == f"Bearer {TOKEN}"
    created = next(r for r in requests if r.method == "POST")
    assert created.path == "/services/data/v62.0/sobjects/Task"
    by_object = {r.object: r for r in rows(store)}
    assert by_object["Task"].crm_object_id == task_id
    assert by_object["Account"].crm_object_id == SF_ACCOUNT


def test_the_request_limit_pauses_without_spending_attempts(
    store: Store,
    world: World,
    settings: Settings,
    salesforce: FakeSalesforce,
    salesforce_server: LocalServer,
) -> None:
    config = salesforce_settings(salesforce_server)
    enqueue_changes(store, config, now=NOW)
    salesforce.rate_limited, salesforce.retry_after = 1, None
    report = push_pending(store, config, now=NOW)
    assert report.counts["salesforce"]["rate_limited"] == 4
    assert len(salesforce_server.received()) == 1
    waiting = rows(store)
    assert {r.attempts for r in waiting} == {0}
    assert {r.next_attempt_at for r in waiting} == {NOW + timedelta(hours=1)}
    assert "REQUEST_LIMIT_EXCEEDED" in waiting[0].last_error
    assert push_pending(store, config, now=NOW + timedelta(minutes=59)).total("sent") == 0
    assert push_pending(store, config, now=NOW + timedelta(hours=1)).total("sent") == 4


def test_a_lost_answer_does_not_create_a_second_task(
    store: Store,
    world: World,
    settings: Settings,
    salesforce: FakeSalesforce,
    salesforce_server: LocalServer,
) -> None:
    config = salesforce_settings(salesforce_server)
    enqueue_changes(store, config, now=NOW)
    with store.transaction() as conn:
        conn.execute(crm_outbox.delete().where(crm_outbox.c.object != "Task"))
    salesforce.lose_answers = 1
    assert push_pending(store, config, now=NOW).counts["salesforce"]["retrying"] == 1
    assert push_pending(store, config, now=NOW + timedelta(seconds=1)).total("sent") == 1
    assert len(salesforce.records["Task"]) == 1
    query = salesforce_server.received()[-1]
    assert query.method == "GET"
    assert query.path == "/services/data/v62.0/query"


def test_a_deleted_record_is_dead_an_expired_token_is_retried(
    store: Store,
    world: World,
    settings: Settings,
    salesforce: FakeSalesforce,
    salesforce_server: LocalServer,
) -> None:
    config = salesforce_settings(salesforce_server)
    del salesforce.records["Opportunity"][SF_DEAL]
    enqueue_changes(store, config, now=NOW)
    salesforce.expired = True
    assert push_pending(store, config, now=NOW).counts["salesforce"]["retrying"] == 4
    assert {r.last_error for r in rows(store)} == {
        'HTTP 401 from 127.0.0.1: [{"message":"Session expired or invalid",'
        '"errorCode":"INVALID_SESSION_ID"}]'
    }
    salesforce.expired = False  # a fresh token
    report = push_pending(store, config, now=NOW + timedelta(seconds=1))
    assert (report.total("sent"), report.total("dead")) == (3, 1)
    (dead,) = outbox.list_outbox(store, status="dead")
    assert dead.object == "Opportunity"
    assert "NOT_FOUND" in dead.last_error
    assert outbox.retry(store, str(dead.id), CLI).status == "pending"
