"""Each Segment call, sent the way Segment libraries send it, lands with its fields."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.web.routes.intake import LISTED_REJECTIONS
from tests.web.intake.conftest import Keys, client_for, stored, track


def only(store: Store) -> dict[str, Any]:
    [event] = stored(store)
    return event


@pytest.mark.parametrize(
    ("kind", "body", "expected"),
    [
        ("track", {"event": "API Request", "userId": "u1", "properties": {"ms": 12}},
         {"type": "track", "event": "API Request", "user_id": "u1", "properties": {"ms": 12}}),
        ("identify", {"userId": 42, "traits": {"email": "Ada@Lovelace.io", "github": "@AdaL"}},
         {"type": "identify", "user_id": "42", "email": "ada@lovelace.io",
          "github_login": "adal"}),
        ("group", {"anonymousId": "a1", "groupId": "org-1", "traits": {"name": "Lovelace"}},
         {"type": "group", "anonymous_id": "a1", "group_id": "org-1",
          "traits": {"name": "Lovelace"}}),
        ("page", {"anonymousId": "a1", "name": "Quickstart", "properties": {"path": "/qs"}},
         {"type": "page", "event": "Quickstart"}),
        ("page", {"anonymousId": "a1", "properties": {"name": "Pricing", "category": "Docs"}},
         {"type": "page", "event": "Docs"}),
        ("screen", {"userId": "u1", "name": "Settings", "context": {"traits": {"email": "b@c.io"}}},
         {"type": "screen", "event": "Settings", "email": "b@c.io"}),
        ("alias", {"userId": "u1", "previousId": "a1"},
         {"type": "alias", "user_id": "u1", "previous_id": "a1"}),
    ],
)  # fmt: skip
def test_each_call_is_stored_with_its_fields(
    client: TestClient,
    store: Store,
    keys: Keys,
    kind: str,
    body: dict[str, Any],
    expected: dict[str, Any],
) -> None:
    response = client.post(f"/v1/{kind}", auth=(keys.ingest, ""), json={"messageId": "m", **body})

    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "accepted": 1, "duplicates": 0}
    event = only(store)
    assert {name: event[name] for name in expected} == expected
    assert (event["source"], event["message_id"]) == (f"segment:{keys.ingest_id}", "m")


def test_a_batch_stores_its_good_messages_and_reports_the_others(
    client: TestClient, store: Store, keys: Keys
) -> None:
    body = {
        "batch": [
            track("m0"),
            track("m1", userId=["u"]),
            {"type": "identify", "messageId": "m2", "userId": "u2", "traits": {"plan": "pro"}},
            {"type": "track", "messageId": "m3", "userId": "u1"},
            "not a message",
        ],
        "writeKey": keys.ingest,
    }
    response = client.post("/v1/batch", json=body)

    assert response.status_code == 200
    assert response.json() == {
        "success": True, "accepted": 2, "duplicates": 0,
        "rejected": [
            {"index": 1, "messageId": "m1", "field": "userId",
             "reason": "must be a string or a number"},
            {"index": 3, "messageId": "m3", "field": "event",
             "reason": "event is required for track calls"},
            {"index": 4, "messageId": None, "field": None,
             "reason": "a message must be a JSON object"},
        ],
        "rejected_count": 3,
    }  # fmt: skip
    assert [e["message_id"] for e in stored(store)] == ["m0", "m2"]


def test_a_batch_of_junk_lists_some_refusals_and_counts_them_all(
    client: TestClient, store: Store, keys: Keys
) -> None:
    body = {"batch": [{}] * 20_000 + [track("kept")], "writeKey": keys.ingest}
    response = client.post("/v1/batch", json=body)

    assert response.status_code == 200
    answer = response.json()
    assert (answer["accepted"], answer["rejected_count"]) == (1, 20_000)
    assert [r["index"] for r in answer["rejected"]] == list(range(LISTED_REJECTIONS))
    assert len(response.content) < 20_000
    assert [e["message_id"] for e in stored(store)] == ["kept"]


def test_batch_level_context_and_sent_at_fill_in_for_messages(
    client: TestClient, store: Store, keys: Keys
) -> None:
    sent = datetime(2024, 5, 1, 12, tzinfo=UTC)
    body = {
        "batch": [track("own", context={"ip": "10.0.0.1"}), track("bare")],
        "context": {"library": {"name": "analytics-python", "version": "2.4.0"}},
        "sentAt": sent.isoformat(),
    }
    assert client.post("/v1/batch", auth=(keys.ingest, ""), json=body).status_code == 200

    bare, own = stored(store)
    assert own["context"] == {"ip": "10.0.0.1"}
    assert bare["context"] == {"library": {"name": "analytics-python", "version": "2.4.0"}}
    assert own["sent_at"] == bare["sent_at"] == sent


def test_clock_skew_is_corrected_from_sent_at(client: TestClient, store: Store, keys: Keys) -> None:
    # The client's clock is a day fast; it sent the event a minute after it happened.
    client_now = datetime.now(UTC) + timedelta(days=1)
    happened = client_now - timedelta(minutes=1)
    message = track("m", timestamp=happened.isoformat(), sentAt=client_now.isoformat())
    assert client.post("/v1/track", auth=(keys.ingest, ""), json=message).status_code == 200

    event = only(store)
    assert event["timestamp"] == event["received_at"] - timedelta(minutes=1)
    assert event["sent_at"] == client_now


def test_clock_skew_correction_can_be_turned_off(
    store: Store, settings: Settings, keys: Keys
) -> None:
    ingest = settings.ingest.model_copy(update={"correct_clock_skew": False})
    happened = datetime(2024, 5, 1, 12, tzinfo=UTC)
    message = track("m", timestamp=happened.isoformat(), sentAt="2024-05-02T12:00:00Z")
    for test_client in client_for(store, settings.model_copy(update={"ingest": ingest})):
        assert test_client.post("/v1/track", auth=(keys.ingest, ""), json=message).is_success

    assert only(store)["timestamp"] == happened


def test_gzip_bodies_are_accepted(client: TestClient, store: Store, keys: Keys) -> None:
    body = gzip.compress(orjson.dumps({"batch": [track("z1"), track("z2")]}))
    response = client.post(
        "/v1/batch",
        content=body,
        auth=(keys.ingest, ""),
        headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
    )

    assert response.json()["accepted"] == 2
    assert [e["message_id"] for e in stored(store)] == ["z1", "z2"]


def test_a_message_without_message_id_gets_one(
    client: TestClient, store: Store, keys: Keys
) -> None:
    message = {"event": "Signed Up", "userId": "u"}
    assert client.post("/v1/track", auth=(keys.ingest, ""), json=message).status_code == 200
    assert only(store)["message_id"].startswith("df-")


def test_nul_characters_are_refused_per_message_on_every_backend(
    client: TestClient, store: Store, keys: Keys
) -> None:
    # PostgreSQL cannot store them; refusing them everywhere keeps one group's poison
    # message from failing the other requests it would be committed with.
    body = b'{"batch": [%s, %s]}' % (
        orjson.dumps(track("ok")),
        orjson.dumps(track("nul", properties={"note": "a\x00b"})),
    )
    response = client.post("/v1/batch", content=body, auth=(keys.ingest, ""))

    [rejected] = response.json()["rejected"]
    assert (rejected["messageId"], rejected["field"]) == ("nul", "properties")
    assert [e["message_id"] for e in stored(store)] == ["ok"]
