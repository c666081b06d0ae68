"""Write keys: how they are sent, which are refused, and what a key's source deduplicates."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from devfunnel.store import Store
from tests.web.intake.conftest import Keys, snapshot, stored, track


def basic(secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{secret}:".encode()).decode()}


def test_key_as_basic_username_or_in_the_body(client: TestClient, store: Store, keys: Keys) -> None:
    assert client.post("/v1/track", headers=basic(keys.ingest), json=track("a")).is_success
    in_body = {"batch": [track("b")], "writeKey": keys.ingest}
    assert client.post("/v1/batch", json=in_body).is_success
    assert client.post("/v1/track", json={**track("c"), "writeKey": keys.ingest}).is_success

    assert {(e["source"], e["message_id"]) for e in stored(store)} == {
        (f"segment:{keys.ingest_id}", m) for m in "abc"
    }


def test_an_admin_key_may_send_events(client: TestClient, store: Store, keys: Keys) -> None:
    assert client.post("/v1/identify", headers=basic(keys.admin), json={"userId": "u"}).is_success
    assert len(stored(store)) == 1


@pytest.mark.parametrize(
    ("headers", "body_key", "status", "detail"),
    [
        ({}, None, 401, "a write key is required"),
        ("unknown", None, 401, "not valid"),
        ("revoked", None, 401, "not valid"),
        ({}, "revoked", 401, "not valid"),
        ({"Authorization": "Basic !!!"}, None, 401, "not valid HTTP Basic"),
        ("read", None, 403, "may not ingest"),
        ({}, "read", 403, "may not ingest"),
        ({"Authorization": "Bearer KEY"}, None, 401, "a write key is required"),
    ],
)
def test_bad_keys_are_refused_and_store_nothing(
    client: TestClient,
    store: Store,
    keys: Keys,
    headers: Any,
    body_key: str | None,
    status: int,
    detail: str,
) -> None:
    client.post("/v1/track", headers=basic(keys.ingest), json=track("kept"))
    before = snapshot(store)
    secrets = {"unknown": "df_ingest_nope", "revoked": keys.revoked, "read": keys.read}
    if isinstance(headers, str):
        headers = basic(secrets[headers])
    headers = {k: v.replace("KEY", keys.ingest) for k, v in headers.items()}
    body: dict[str, Any] = {"batch": [track("new")]}
    if body_key:
        body["writeKey"] = secrets[body_key]

    response = client.post("/v1/batch", headers=headers, json=body)

    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]
    assert snapshot(store) == before


def test_a_replay_from_the_same_key_is_stored_once(
    client: TestClient, store: Store, keys: Keys
) -> None:
    replayed = [track("m1"), track("m2"), track("m1", event="Again")]
    first = client.post("/v1/batch", headers=basic(keys.ingest), json={"batch": replayed})
    again = client.post(
        "/v1/batch", headers=basic(keys.ingest), json={"batch": [track("m2"), track("m3")]}
    )
    single = client.post("/v1/track", headers=basic(keys.ingest), json=track("m3"))

    assert (first.json()["accepted"], first.json()["duplicates"]) == (2, 1)
    assert (again.json()["accepted"], again.json()["duplicates"]) == (1, 1)
    assert single.json() == {"success": True, "accepted": 0, "duplicates": 1}
    events = stored(store)
    assert [e["message_id"] for e in events] == ["m1", "m2", "m3"]
    assert {e["event"] for e in events} == {"API Request"}


def test_the_same_message_id_from_another_key_is_another_event(
    client: TestClient, store: Store, keys: Keys
) -> None:
    for secret in (keys.ingest, keys.other, keys.ingest):
        client.post("/v1/batch", headers=basic(secret), json={"batch": [track("shared")]})

    assert sorted(e["source"] for e in stored(store)) == sorted(
        [f"segment:{keys.ingest_id}", f"segment:{keys.other_id}"]
    )
