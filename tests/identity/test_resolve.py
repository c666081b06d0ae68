"""Deterministic resolution on both backends: events in, people and accounts out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.contacts import import_contacts
from devfunnel.store import Store
from devfunnel.store.schema.events import ingest_batches
from devfunnel.store.schema.identity import identities, merge_blocks, merges, people
from tests.helpers.events import segment

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def send(store: Store, *events: dict[str, Any], source: str = "segment:web") -> None:
    rows = [{"timestamp": T0 + timedelta(minutes=i), **e} for i, e in enumerate(events)]
    append_events(store, prepare(segment(*rows), source=source), source=source)


def person_of(store: Store, key: str) -> uuid.UUID:
    with store.read() as conn:
        found = conn.execute(sa.select(identities.c.person_id).where(identities.c.key == key))
        return found.scalar_one()


def person_row(store: Store, person_id: uuid.UUID) -> dict[str, Any]:
    with store.read() as conn:
        row = conn.execute(
            sa.text(
                "SELECT p.*, a.domain AS account_domain, a.name AS account_name "
                "FROM people p LEFT JOIN accounts a ON a.id = p.account_id WHERE p.id = :id"
            ),
            {"id": person_id},
        ).one()
        return dict(row._mapping)


def live_people(store: Store) -> int:
    with store.read() as conn:
        query = sa.select(sa.func.count()).select_from(people).where(people.c.merged_into.is_(None))
        return int(conn.execute(query).scalar_one())


def test_identify_joins_anonymous_history_to_the_user(store: Store, settings: Settings) -> None:
    send(
        store,
        {"messageId": "1", "type": "page", "category": "Docs", "anonymousId": "anon-1"},
        {"messageId": "2", "type": "page", "category": "Docs", "anonymousId": "anon-1"},
        {"messageId": "3", "type": "identify", "userId": "u1", "anonymousId": "anon-1",
         "traits": {"email": " Jane.Doe@Acme.io ", "name": "Jane Doe", "title": "Staff Engineer"}},
    )  # fmt: skip
    report = resolve_pending(store, settings)
    assert report.batches == 1
    assert report.new_people == 1
    person = person_of(store, "anonymous_id:anon-1")
    assert person == person_of(store, "user_id:u1") == person_of(store, "email:jane.doe@acme.io")
    row = person_row(store, person)
    assert row["event_count"] == 3
    assert row["name"] == "Jane Doe"
    assert row["email"] == "jane.doe@acme.io"
    assert row["persona"] == "developer"
    assert row["account_domain"] == "acme.io"
    assert row["account_source"] == "email_domain"


def test_alias_merges_two_known_people_and_records_the_merge(
    store: Store, settings: Settings
) -> None:
    send(store, {"messageId": "1", "type": "page", "category": "Docs", "anonymousId": "anon-9"})
    send(store, {"messageId": "2", "type": "track", "event": "Signed Up", "userId": "u9"})
    resolve_pending(store, settings)
    before = {person_of(store, "anonymous_id:anon-9"), person_of(store, "user_id:u9")}
    assert len(before) == 2

    send(store, {"messageId": "3", "type": "alias", "userId": "u9", "previousId": "anon-9"})
    report = resolve_pending(store, settings)
    assert report.merged_people == 1
    assert person_of(store, "anonymous_id:anon-9") == person_of(store, "user_id:u9")
    winner = min(before)
    assert person_of(store, "user_id:u9") == winner
    with store.read() as conn:
        merge = conn.execute(sa.select(merges)).one()
        loser = person_row(store, max(before))
    assert merge.winner_id == winner
    assert merge.loser_id == max(before)
    assert merge.kind == "automatic"
    assert loser["merged_into"] == winner  # the absorbed id is kept, never reused
    assert live_people(store) == 1


def test_free_mail_implies_no_account_but_group_does(store: Store, settings: Settings) -> None:
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1", "traits": {"email": "b@gmail.com"}},
        {"messageId": "2", "type": "identify", "userId": "u2", "traits": {"email": "c@gmail.com"}},
        {"messageId": "3", "type": "group", "userId": "u2", "groupId": "org_7",
         "traits": {"name": "Globex", "website": "https://www.globex.com/", "employees": 500}},
    )  # fmt: skip
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "user_id:u1"))["account_id"] is None
    grouped = person_row(store, person_of(store, "user_id:u2"))
    assert grouped["account_name"] == "Globex"
    assert grouped["account_domain"] == "globex.com"
    assert grouped["account_source"] == "group"


def test_crm_account_outranks_the_email_domain(store: Store, settings: Settings) -> None:
    imported = import_accounts(
        store, settings,
        [{"external_id": "001A", "crm": "salesforce", "name": "Initech Holdings",
          "domain": "initech-holdings.com"}],
    )  # fmt: skip
    assert imported.created == 1
    send(store, {"messageId": "1", "type": "identify", "userId": "u5",
                 "traits": {"email": "peter@initech.com"}})  # fmt: skip
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "user_id:u5"))["account_domain"] == "initech.com"

    result = import_contacts(
        store, settings,
        [{"crm": "salesforce", "external_id": "003X", "email": "peter@initech.com",
          "first_name": "Peter", "last_name": "Gibbons", "account_external_id": "001A"}],
    )  # fmt: skip
    assert result.created == 1
    resolve_pending(store, settings)
    row = person_row(store, person_of(store, "user_id:u5"))
    assert row["account_domain"] == "initech-holdings.com"
    assert row["account_source"] == "crm"
    assert row["name"] == "Peter Gibbons"


def test_bots_and_staff_are_flagged(store: Store, settings: Settings) -> None:
    send(
        store,
        {"messageId": "1", "type": "track", "event": "GitHub Star", "githubLogin": "renovate[bot]"},
        {"messageId": "2", "type": "identify", "userId": "staff",
         "traits": {"email": "dev@acme.dev"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "github:renovate[bot]"))["is_bot"] is True
    staff = person_row(store, person_of(store, "user_id:staff"))
    assert staff["is_internal"] is True
    assert staff["is_bot"] is False


def test_never_merge_blocks_are_honoured(store: Store, settings: Settings) -> None:
    with store.transaction() as conn:
        conn.execute(merge_blocks.insert().values(key_a="email:a@acme.io", key_b="email:b@acme.io",
                                                  created_at=T0))  # fmt: skip
    shared = {"type": "identify", "userId": "shared"}
    send(
        store,
        {**shared, "messageId": "1", "traits": {"email": "a@acme.io"}},
        {**shared, "messageId": "2", "traits": {"email": "b@acme.io"}},
    )
    report = resolve_pending(store, settings)
    assert report.refused_edges == 1
    assert person_of(store, "email:a@acme.io") != person_of(store, "email:b@acme.io")


def test_resolution_is_incremental_and_marks_batches_done(store: Store, settings: Settings) -> None:
    send(store, *[{"messageId": f"a{i}", "type": "track", "event": "API Usage",
                   "userId": f"u{i}"} for i in range(5)])  # fmt: skip
    first = resolve_pending(store, settings)
    assert first.new_people == 5
    send(store, {"messageId": "b1", "type": "track", "event": "API Usage", "userId": "u3"})
    second = resolve_pending(store, settings)
    assert second.new_people == 0
    assert second.touched_people == [person_of(store, "user_id:u3")]
    assert person_row(store, person_of(store, "user_id:u3"))["event_count"] == 2
    with store.read() as conn:
        statuses = conn.execute(sa.select(ingest_batches.c.status)).scalars().all()
    assert statuses == ["done", "done"]
    assert resolve_pending(store, settings).batches == 0


def test_a_replayed_batch_adds_no_events_to_a_person(store: Store, settings: Settings) -> None:
    event = {"messageId": "same", "type": "track", "event": "API Usage", "userId": "u1"}
    send(store, event)
    send(store, event)
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "user_id:u1"))["event_count"] == 1
