"""Export and erasure of one person, on both backends, over data that came in through the
real intake, resolution and record-import paths.

``seed_people`` and ``send`` are also used by the API and CLI tests of the same data.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from devfunnel.admin.audit import CLI, record
from devfunnel.config import Settings
from devfunnel.errors import NotFound, StoreError, ValidationError
from devfunnel.identity import privacy
from devfunnel.identity.privacy import erase_person, export_json, export_person
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.conversations import import_conversations
from devfunnel.ingest.records.feedback import import_feedback
from devfunnel.ingest.records.leads import import_leads
from devfunnel.ingest.records.opportunities import import_opportunities
from devfunnel.ingest.records.programs import import_programs, import_touchpoints
from devfunnel.ingest.webhooks import stripe
from devfunnel.store import Store
from devfunnel.store.schema import metadata
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.identity import (
    erasures,
    identities,
    merge_blocks,
    merge_suggestions,
    people,
)
from devfunnel.store.schema.pipeline import conversations, leads, opportunities, qualification
from devfunnel.store.schema.scores import journey_transitions, person_scores
from devfunnel.store.schema.success import feedback_items
from tests.helpers.events import segment

T0 = datetime(2026, 3, 1, tzinfo=UTC)
JANE = "jane.doe@acme.io"
BOB = "bob@acme.io"
JANE_KEYS = {
    "email:jane.doe@acme.io",
    "user_id:u1",
    "anonymous_id:anon-1",
    "anonymous_id:anon-2",
    "github:janedoegh",
}
#: Values of Jane's that must appear nowhere after her erasure.
JANE_TRACES = ("jane.doe@acme.io", "janedoegh", "anon-1", "anon-2")


def send(store: Store, *events: dict[str, Any], source: str = "segment:web") -> None:
    rows = [{"timestamp": T0 + timedelta(minutes=i), **e} for i, e in enumerate(events)]
    append_events(store, prepare(segment(*rows), source=source), source=source)


def person_of(store: Store, identity_key: str) -> uuid.UUID:
    with store.read() as conn:
        query = sa.select(identities.c.person_id).where(identities.c.key == identity_key)
        return conn.execute(query).scalar_one()


def seed_people(store: Store, settings: Settings, *, records: bool = True) -> None:
    """Jane (five identities, one absorbed person) and Bob at Acme; with ``records``,
    also leads, an opportunity, qualification, conversations, feedback, a touchpoint,
    a Stripe delivery, an audit entry naming Jane, and the derived rows no writer fills
    yet (scores, journey transitions, a merge suggestion, a merge block)."""
    import_accounts(store, settings, [{
        "external_id": "001A", "crm": "salesforce", "name": "Acme Inc", "domain": "acme.io",
        "industry": "Software", "employees": 250, "country": "US", "region": "NA",
        "segment": "mid_market"}])  # fmt: skip
    send(
        store,
        {"messageId": "p1", "type": "page", "category": "Docs", "anonymousId": "anon-1"},
        {"messageId": "p2", "type": "page", "category": "Docs", "anonymousId": "anon-1"},
        {"messageId": "p3", "type": "page", "category": "Pricing", "anonymousId": "anon-2"},
        {"messageId": "i1", "type": "identify", "userId": "u1", "anonymousId": "anon-1",
         "traits": {"email": " Jane.Doe@Acme.io ", "name": "Jane Doe",
                    "title": "Staff Engineer", "github": "JaneDoeGH"}},
        {"messageId": "t1", "type": "track", "event": "API Call", "userId": "u1"},
        {"messageId": "g1", "type": "track", "event": "GitHub Star", "githubLogin": "JaneDoeGH"},
        {"messageId": "i2", "type": "identify", "userId": "u2",
         "traits": {"email": BOB, "name": "Bob Buyer", "title": "VP Engineering"}},
        {"messageId": "t2", "type": "track", "event": "API Call", "userId": "u2"},
    )  # fmt: skip
    resolve_pending(store, settings)
    # anon-2 was a person of its own; the alias folds it into Jane (one side is tombstoned).
    send(store, {"messageId": "a1", "type": "alias", "userId": "u1", "previousId": "anon-2"})
    resolve_pending(store, settings)
    if records:
        _seed_records(store, settings)


def _seed_records(store: Store, settings: Settings) -> None:
    acme = {"crm": "salesforce", "account_external_id": "001A"}
    import_programs(
        store,
        settings,
        [
            {
                "key": "meetup",
                "name": "Berlin meetup",
                "team": "devrel",
                "channel": "events",
                "kind": "event",
            }
        ],
    )
    import_touchpoints(
        store,
        settings,
        [
            {
                "external_id": "tp1",
                "program_key": "meetup",
                "email": "Jane.Doe@Acme.io",
                "occurred_at": T0,
                "action": "attended",
            },
            {
                "external_id": "tp2",
                "program_key": "meetup",
                "email": BOB,
                "occurred_at": T0,
                "action": "attended",
            },
        ],
    )
    import_opportunities(
        store,
        settings,
        [
            {
                **acme,
                "external_id": "OPP1",
                "name": "Acme platform",
                "stage": "discovery",
                "amount": 50000,
                "primary_contact_email": JANE,
                "economic_buyer_email": BOB,
                "qualification": {
                    "champion": {
                        "score": 2,
                        "evidence": "Jane (Jane.Doe@acme.io) pushes for us",
                        "contact_email": JANE,
                    },
                    "economic_buyer": {"score": 1, "contact_email": BOB},
                },
            }
        ],
    )
    import_leads(
        store,
        settings,
        [
            {"external_id": "L1", "crm": "salesforce", "email": JANE, "status": "working"},
            {
                "external_id": "L2",
                "crm": "salesforce",
                "email": JANE,
                "status": "converted",
                "converted_opportunity_external_id": "OPP1",
            },
            {"external_id": "L3", "crm": "salesforce", "email": BOB},
        ],
    )
    import_conversations(
        store,
        settings,
        [
            {
                **acme,
                "external_id": "C1",
                "opportunity_external_id": "OPP1",
                "person_email": JANE,
                "kind": "call",
                "body": "Call with jane.doe@acme.io about SSO",
                "occurred_at": T0,
            },
            {
                **acme,
                "external_id": "C2",
                "person_email": JANE,
                "kind": "chat",
                "body": "Jane asked about quotas",
                "occurred_at": T0,
            },
            {
                **acme,
                "external_id": "C3",
                "opportunity_external_id": "OPP1",
                "person_email": BOB,
                "kind": "meeting",
                "occurred_at": T0,
            },
        ],
    )
    import_feedback(
        store,
        settings,
        [
            {
                **acme,
                "external_id": "F1",
                "source": "call",
                "kind": "feature_request",
                "title": "SSO",
                "person_email": JANE,
            },
            {
                "external_id": "F2",
                "source": "community",
                "kind": "praise",
                "title": "Nice docs",
                "person_email": JANE,
            },
            {
                **acme,
                "external_id": "F3",
                "source": "call",
                "kind": "bug",
                "title": "Slow",
                "person_email": BOB,
            },
        ],
    )
    stripe.receive(
        store,
        [
            {
                "id": "evt_1",
                "type": "customer.updated",
                "created": 1772000000,
                "data": {
                    "object": {"id": "cus_1", "email": "Jane.Doe@Acme.io", "name": "Jane Doe"}
                },
            }
        ],
    )
    resolve_pending(store, settings)
    jane, bob = person_of(store, f"email:{JANE}"), person_of(store, f"email:{BOB}")
    with store.transaction() as conn:
        # As the identity commands record their work: keys and person ids in the entry.
        record(
            conn,
            CLI,
            "person.block",
            entity_kind="identity",
            after={"keys": [f"email:{JANE}", "github:janedoegh", "user_id:u1"]},
        )
        record(conn, CLI, "person.merge", entity_kind="person", entity_id=jane,
               after={"merged": str(uuid.UUID(int=1)), "by": "jane.doe@ACME.io"})  # fmt: skip
        for person in (jane, bob):
            conn.execute(
                person_scores.insert().values(
                    person_id=person,
                    engagement=1.5,
                    journey_stage="build",
                    pql=False,
                    why=[],
                    computed_at=T0,
                )
            )
            conn.execute(
                journey_transitions.insert().values(
                    subject_kind="person", subject_id=person, stage="build", reached_at=T0
                )
            )
        conn.execute(
            merge_suggestions.insert().values(
                id=uuid.uuid4(),
                person_a=jane,
                person_b=bob,
                probability=0.4,
                match_weight=-1.0,
                evidence={"email": [JANE, BOB]},
                status="pending",
                created_at=T0,
            )
        )
        conn.execute(merge_blocks.insert().values(key_a=f"email:{JANE}", key_b="user_id:zz",
                                                  created_at=T0))  # fmt: skip


def table_counts(store: Store) -> dict[str, int]:
    with store.read() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in metadata.sorted_tables
        }


def everything_as_text(store: Store) -> str:
    """Every row of every table, lower-cased, for "it is nowhere" assertions."""
    with store.read() as conn:
        return "\n".join(
            str(tuple(row)).lower()
            for table in metadata.sorted_tables
            for row in conn.execute(sa.select(table))
        )


def rows(store: Store, table: sa.Table, *where: Any) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(sa.select(table).where(*where)))


def test_export_holds_everything_on_the_person(store: Store, settings: Settings) -> None:
    seed_people(store, settings)
    jane = person_of(store, f"email:{JANE}")
    doc = export_person(store, " JANE.Doe@acme.io ")
    assert doc["format"] == privacy.EXPORT_FORMAT
    assert doc["person"]["id"] == jane
    assert doc["person"]["name"] == "Jane Doe"
    assert {i["key"] for i in doc["identities"]} == JANE_KEYS
    assert doc["account"] == {"id": doc["person"]["account_id"], "domain": "acme.io",
                              "name": "Acme Inc"}  # fmt: skip
    ids = {e["message_id"] for e in doc["events"]}
    contact = [i for i in ids if i.startswith("salesforce:contact:")]  # from the lead import
    assert ids == {"p1", "p2", "p3", "i1", "t1", "g1", "a1", "import:tp1", *contact}
    assert len(contact) == 1
    assert not {"i2", "t2"} & ids
    assert all(e["email"] in (None, JANE) for e in doc["events"])
    assert sorted(lead["external_key"] for lead in doc["leads"]) == [
        "salesforce:L1",
        "salesforce:L2",
    ]
    assert [o["external_key"] for o in doc["opportunities"]] == ["salesforce:OPP1"]
    assert [q["element"] for q in doc["qualification"]] == ["champion"]
    assert sorted(c["external_key"] for c in doc["conversations"]) == [
        "salesforce:C1",
        "salesforce:C2",
    ]
    assert sorted(f["external_key"] for f in doc["feedback"]) == ["import:F1", "import:F2"]
    assert [t["external_key"] for t in doc["touchpoints"]] == ["import:tp1"]
    assert [s["person_id"] for s in doc["scores"]] == [jane]
    assert [j["stage"] for j in doc["journey"]] == ["build"]
    assert len(doc["merge_suggestions"]) == 1
    # The alias merge: one tombstone, followed to Jane, and its history.
    (merged,) = doc["merged_people"]
    assert merged["merged_into"] == jane
    (merge,) = doc["merges"]
    assert {merge["winner_id"], merge["loser_id"]} == {jane, merged["id"]}
    assert all(e["a"] in JANE_KEYS or e["b"] in JANE_KEYS for e in doc["identity_edges"])
    assert doc["identity_edges"]
    parsed = orjson.loads(export_json(doc))
    assert parsed["person"]["id"] == str(jane)
    assert len(parsed["events"]) == len(doc["events"])


def test_exports_and_erasures_refuse_unknown_and_invalid_emails(
    store: Store, settings: Settings
) -> None:
    seed_people(store, settings, records=False)
    with pytest.raises(NotFound, match=r"nobody@acme\.io"):
        export_person(store, "nobody@acme.io")
    with pytest.raises(NotFound):
        erase_person(store, settings, "nobody@acme.io")
    with pytest.raises(ValidationError, match="not an email address"):
        export_person(store, "jane")
    erasure = erase_person(store, settings, JANE)
    with pytest.raises(NotFound, match=f"erased on .*{erasure.id}"):
        export_person(store, JANE.upper())
    with pytest.raises(NotFound, match="erased"):
        erase_person(store, settings, JANE)


def test_erasure_removes_the_person_everywhere(store: Store, settings: Settings) -> None:
    seed_people(store, settings)
    jane, bob = person_of(store, f"email:{JANE}"), person_of(store, f"email:{BOB}")
    bob_before = rows(store, people, people.c.id == bob)[0]
    export_person(store, JANE)  # audited with her person id, which must go too
    erasure = erase_person(store, settings, "Jane.Doe@ACME.io")

    counts = erasure.counts
    assert counts["people.deleted"] == 2  # Jane and the person merged into her
    assert counts["identities.deleted"] == len(JANE_KEYS)
    assert counts["events.deleted"] >= 8
    assert counts["touchpoints.deleted"] == 1
    assert counts["leads.deleted"] == counts["leads.cleared"] == 1
    assert counts["conversations.deleted"] == counts["conversations.cleared"] == 1
    assert counts["feedback_items.deleted"] == counts["feedback_items.cleared"] == 1
    assert counts["opportunities.cleared"] == counts["qualification.cleared"] == 1
    assert counts["merges.deleted"] == counts["merge_suggestions.deleted"] == 1
    assert counts["merge_blocks.deleted"] == counts["person_scores.deleted"] == 1
    assert counts["webhook_deliveries.scrubbed"] == 1
    assert counts["audit_log.scrubbed"] == 2
    assert counts["audit_log.cleared"] == 2  # the merge and the export named her by id

    text = everything_as_text(store)
    for trace in (*JANE_TRACES, str(jane)):
        assert trace not in text, trace
    assert "user_id:u1" not in text

    # What stays, stays without her.
    (converted,) = rows(store, leads, leads.c.status == "converted")
    assert converted.person_id is None
    assert converted.external_key is None
    assert [r.person_id for r in rows(store, leads)].count(bob) == 1
    (opp,) = rows(store, opportunities)
    assert opp.primary_contact_id is None
    assert opp.economic_buyer_contact_id == bob
    quals = {q.element: q for q in rows(store, qualification)}
    assert quals["champion"].contact_id is None
    assert quals["champion"].evidence == "Jane ([erased]) pushes for us"
    assert quals["economic_buyer"].contact_id == bob
    kept = {c.external_key: c for c in rows(store, conversations)}
    assert set(kept) == {"salesforce:C1", "salesforce:C3"}
    assert kept["salesforce:C1"].person_id is None
    assert kept["salesforce:C1"].body == "Call with [erased] about SSO"
    assert {f.external_key: f.person_id for f in rows(store, feedback_items)} == {
        "import:F1": None, "import:F3": bob}  # fmt: skip
    assert [s.person_id for s in rows(store, person_scores)] == [bob]
    assert [j.subject_id for j in rows(store, journey_transitions)] == [bob]

    # Bob is untouched, and still exportable.
    assert rows(store, people, people.c.id == bob)[0].event_count == bob_before.event_count
    assert len(export_person(store, BOB)["events"]) == bob_before.event_count

    # The record of the erasure: hashes and counts, no personal data.
    (kept_erasure,) = rows(store, erasures)
    assert kept_erasure.id == erasure.id
    hashes = privacy._json(kept_erasure.key_hashes)
    assert hashes == sorted(hashlib.sha256(k.encode()).hexdigest() for k in JANE_KEYS)
    (entry,) = rows(store, audit_log, audit_log.c.action == "person.erase")
    assert (entry.entity_kind, entry.entity_id) == ("erasure", erasure.id)
    assert privacy._json(entry.after)["counts"] == counts


def test_later_events_with_the_same_identity_start_a_new_history(
    store: Store, settings: Settings
) -> None:
    seed_people(store, settings, records=False)
    old = person_of(store, f"email:{JANE}")
    erase_person(store, settings, JANE)
    send(
        store,
        {"messageId": "n1", "type": "identify", "userId": "u1", "traits": {"email": JANE}},
        {"messageId": "n2", "type": "track", "event": "API Call", "userId": "u1"},
    )
    resolve_pending(store, settings)
    new = person_of(store, f"email:{JANE}")
    assert new != old
    doc = export_person(store, JANE)
    assert sorted(e["message_id"] for e in doc["events"]) == ["n1", "n2"]
    assert {i["key"] for i in doc["identities"]} == {f"email:{JANE}", "user_id:u1"}
    assert doc["merged_people"] == doc["merges"] == []
    assert rows(store, people, people.c.id == new)[0].event_count == 2


def test_a_failed_erasure_erases_nothing(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_people(store, settings)
    before, text = table_counts(store), everything_as_text(store)

    def fail(*args: Any, **kwargs: Any) -> None:
        raise StoreError("disk full")

    # The audit entry is the last write: everything else has been done by then.
    monkeypatch.setattr(privacy, "record", fail)
    with pytest.raises(StoreError, match="disk full"):
        erase_person(store, settings, JANE)
    assert table_counts(store) == before
    assert everything_as_text(store) == text


def test_events_carrying_the_identity_are_erased_wherever_they_resolved(
    store: Store, settings: Settings
) -> None:
    """A never-merge block can leave an event with Jane's email resolved to someone else;
    it still carries her email, so it goes, and that person's figures are recomputed."""
    with store.transaction() as conn:
        block = {"key_a": "email:a@acme.io", "key_b": "email:b@acme.io", "created_at": T0}
        conn.execute(merge_blocks.insert().values(block))
    shared = {"type": "identify", "userId": "shared"}
    send(
        store,
        {**shared, "messageId": "1", "traits": {"email": "a@acme.io"}},
        {**shared, "messageId": "2", "traits": {"email": "b@acme.io"}},
    )
    resolve_pending(store, settings)
    holder = person_of(store, "user_id:shared")
    apart = "a@acme.io" if person_of(store, "email:a@acme.io") != holder else "b@acme.io"
    assert rows(store, people, people.c.id == holder)[0].event_count == 2

    erase_person(store, settings, apart)
    assert apart not in everything_as_text(store)
    assert rows(store, people, people.c.id == holder)[0].event_count == 1
