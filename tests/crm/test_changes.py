"""What is queued for write-back: each change once, unchanged states never, in the
transaction that causes it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings, load_settings
from devfunnel.crm import outbox
from devfunnel.crm.changes import enqueue_changes, enqueue_for_accounts, enqueue_for_handoffs
from devfunnel.store import Store
from devfunnel.store.schema.admin import crm_outbox
from tests.crm.conftest import SF_ACCOUNT, SF_CONTACT, SF_DEAL, World, crm_environ
from tests.helpers.records import NOW


def queued(store: Store) -> list[outbox.OutboxRow]:
    return sorted(outbox.list_outbox(store, limit=1000), key=lambda r: (r.system, r.object))


def test_the_sweep_queues_what_each_crm_knows(
    store: Store, world: World, crm_settings: Settings
) -> None:
    assert enqueue_changes(store, crm_settings, now=NOW) == {"hubspot": 4, "salesforce": 4}
    rows = queued(store)
    assert [(r.system, r.object) for r in rows] == [
        ("hubspot", "companies"),
        ("hubspot", "contacts"),
        ("hubspot", "deals"),
        ("hubspot", "notes"),
        ("salesforce", "Account"),
        ("salesforce", "Contact"),
        ("salesforce", "Opportunity"),
        ("salesforce", "Task"),
    ]
    company = rows[0]
    assert company.record_id == world.acme
    assert company.status == "pending"
    assert company.payload["crm_id"] == "101"
    assert company.payload["fields"] == {
        "devfunnel_fit": 71.0,
        "devfunnel_grade": "A",
        "devfunnel_journey_stage": "build",
        "devfunnel_momentum": 82.5,
        "devfunnel_pqa": "true",
        "devfunnel_pqa_since": "2026-03-02T11:00:00.000Z",
    }
    deal = rows[2]
    assert (deal.record_id, deal.payload["crm_id"]) == (world.deal, "9001")
    assert deal.payload["fields"] == {
        "devfunnel_grade": "A",
        "devfunnel_momentum": 82.5,
        "devfunnel_pqa": "true",
    }
    contact = rows[1]
    assert (contact.record_id, contact.payload["crm_id"]) == (world.jane, "301")
    assert contact.payload["fields"]["devfunnel_pql"] == "true"
    note = rows[3]
    assert note.record_id == world.handoff
    assert note.payload["op"] == "note"
    assert note.payload["associations"] == [
        {
            "to": {"id": "101"},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 190}],
        },
        {
            "to": {"id": "9001"},
            "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 214}],
        },
    ]
    body = note.payload["properties"]["hs_note_body"]
    assert "DevRel to sales (warm account), Acme Inc" in body
    assert "<li>name: Jane Doe, stage: build</li>" in body
    assert note.payload["marker"] in body
    account = rows[4]
    assert account.payload == {**account.payload, "crm_id": SF_ACCOUNT}
    assert account.payload["fields"]["Devfunnel_PQA__c"] is True
    assert account.payload["fields"]["Devfunnel_Momentum__c"] == 82.5
    assert rows[5].payload["crm_id"] == SF_CONTACT
    assert rows[6].payload["crm_id"] == SF_DEAL
    assert rows[6].record_id == world.sf_deal
    task = rows[7]
    assert task.payload["fields"]["WhatId"] == SF_ACCOUNT  # its deal is not in Salesforce
    assert task.payload["fields"]["Subject"].endswith(f"({task.payload['marker']})")
    assert task.payload["fields"]["Status"] == "Completed"
    assert "- name: Jane Doe, stage: build" in task.payload["fields"]["Description"]
    # The same state swept again queues nothing.
    assert enqueue_changes(store, crm_settings, now=NOW + timedelta(minutes=1)) == {
        "hubspot": 0,
        "salesforce": 0,
    }


def test_a_rescore_queues_only_real_changes(
    store: Store, world: World, crm_settings: Settings
) -> None:
    enqueue_changes(store, crm_settings, now=NOW)
    # Recomputed, same values: nothing to write.
    world.seed.scores(world.acme, computed_at=NOW + timedelta(minutes=5))
    assert sum(enqueue_changes(store, crm_settings, now=NOW).values()) == 0
    # Grade B: the company, the account and the two open deals change.
    world.seed.scores(world.acme, grade="B", computed_at=NOW + timedelta(minutes=10))
    assert sum(enqueue_changes(store, crm_settings, now=NOW).values()) == 4
    # Back to A: a change again (not the first change, which was already sent).
    world.seed.scores(world.acme, grade="A", computed_at=NOW + timedelta(minutes=15))
    assert sum(enqueue_changes(store, crm_settings, now=NOW).values()) == 4
    with store.read() as conn:
        keys = conn.execute(sa.select(crm_outbox.c.idempotency_key)).scalars().all()
    assert len(keys) == len(set(keys)) == 8 + 4 + 4


def test_the_hooks_queue_inside_the_callers_transaction(
    store: Store, world: World, crm_settings: Settings
) -> None:
    def failing_scoring_transaction() -> None:
        with store.transaction() as conn:
            assert enqueue_for_accounts(conn, crm_settings, [world.acme], NOW) == 4
            raise RuntimeError("the scoring transaction fails")

    with pytest.raises(RuntimeError):
        failing_scoring_transaction()
    assert queued(store) == []  # rolled back with it
    with store.transaction() as conn:
        assert enqueue_for_accounts(conn, crm_settings, [world.acme], NOW) == 4
        assert enqueue_for_handoffs(conn, crm_settings, [world.handoff], NOW) == 2
    # The sweep finds those already queued and adds only the contacts.
    assert enqueue_changes(store, crm_settings, now=NOW) == {"hubspot": 1, "salesforce": 1}


def test_nothing_is_queued_without_a_connection(
    store: Store, world: World, settings: Settings
) -> None:
    assert enqueue_changes(store, settings, now=NOW) == {}
    hubspot_only = load_settings(None, environ=crm_environ("http://127.0.0.1:9", None))
    assert enqueue_changes(store, hubspot_only, now=NOW) == {"hubspot": 4}
    assert {r.system for r in queued(store)} == {"hubspot"}


def test_mappings_choose_the_fields(store: Store, world: World, settings: Settings) -> None:
    environ = {
        **crm_environ("http://127.0.0.1:9", None),
        "DEVFUNNEL_CRM_HUBSPOT_PROPERTIES": '{ grade = "lead_grade", why = "df_why" }',
        "DEVFUNNEL_CRM_HUBSPOT_DEAL_PROPERTIES": "{}",
        "DEVFUNNEL_CRM_HUBSPOT_HANDOFF_NOTES": "false",
    }
    assert enqueue_changes(store, load_settings(None, environ=environ), now=NOW) == {"hubspot": 2}
    company = next(r for r in queued(store) if r.object == "companies")
    assert company.payload["fields"] == {
        "lead_grade": "A",
        "df_why": "api_usage (42%); sdk_installed (21%)",
    }
