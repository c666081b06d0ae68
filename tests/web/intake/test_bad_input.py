"""Every kind of bad request gets its 4xx problem and leaves the store exactly as it was."""

from __future__ import annotations

import asyncio
import base64
import gzip
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from devfunnel.store import Store
from tests.web.intake.conftest import Keys, snapshot, stored, track

BATCH_LIMIT = 500 * 1024
EVENT_LIMIT = 32 * 1024


@pytest.fixture
def seeded(client: TestClient, store: Store, keys: Keys) -> tuple[Any, ...]:
    """A store already holding accepted events, as they were."""
    body = {"batch": [track("kept-1"), track("kept-2")]}
    assert client.post("/v1/batch", auth=(keys.ingest, ""), json=body).is_success
    return snapshot(store)


def post(client: TestClient, keys: Keys, path: str, content: bytes, **headers: str) -> Any:
    return client.post(path, content=content, auth=(keys.ingest, ""), headers=headers)


def big_batch(size: int) -> bytes:
    """A batch of small valid messages adding up to more than ``size`` bytes."""
    messages, total = [], 0
    while total <= size:
        messages.append(track(f"big-{len(messages)}", properties={"pad": "x" * 900}))
        total += 1000
    return orjson.dumps({"batch": messages})


@pytest.mark.parametrize(
    ("path", "content", "status", "field"),
    [
        ("/v1/batch", b'{"batch": [', 400, None),
        ("/v1/track", b"not json", 400, None),
        ("/v1/batch", b'"just a string"', 422, "body"),
        ("/v1/batch", b'{"writeKey": "x"}', 422, "batch"),
        ("/v1/batch", b'{"batch": {"type": "track"}}', 422, "batch"),
        ("/v1/batch", b'{"batch": []}', 422, "batch"),
        ("/v1/batch", b'{"batch": [{}], "sentAt": 1}', 422, "sentAt"),
        ("/v1/track", b'{"event": "E", "userId": "u", "properties": []}', 422, "properties"),
        ("/v1/identify", b'{"userId": {"id": 1}}', 422, "userId"),
        ("/v1/page", b'{"anonymousId": "a", "timestamp": "last tuesday"}', 422, "timestamp"),
        ("/v1/group", b'{"userId": "u"}', 422, "groupId"),
        ("/v1/alias", b'{"previousId": "a"}', 422, "userId"),
        ("/v1/track", b'{"userId": "u"}', 422, "event"),
    ],
)
def test_malformed_and_mistyped_requests(
    client: TestClient,
    store: Store,
    keys: Keys,
    seeded: tuple[Any, ...],
    path: str,
    content: bytes,
    status: int,
    field: str | None,
) -> None:
    response = post(client, keys, path, content, **{"Content-Type": "application/json"})

    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert problem["status"] == status
    if field is not None:
        assert problem["field"] == field
        assert problem["errors"][0]["field"] == field
    assert snapshot(store) == seeded


def test_an_oversized_single_event_is_413(
    client: TestClient, store: Store, keys: Keys, seeded: tuple[Any, ...]
) -> None:
    body = orjson.dumps(track("huge", properties={"blob": "x" * EVENT_LIMIT}))
    response = post(client, keys, "/v1/track", body)

    assert response.status_code == 413
    assert response.json()["limit"] == EVENT_LIMIT
    assert snapshot(store) == seeded


def test_an_oversized_event_in_a_batch_is_refused_alone(
    client: TestClient, store: Store, keys: Keys
) -> None:
    body = {"batch": [track("fine"), track("huge", properties={"blob": "x" * EVENT_LIMIT})]}
    response = client.post("/v1/batch", auth=(keys.ingest, ""), json=body)

    [rejected] = response.json()["rejected"]
    assert (rejected["index"], rejected["messageId"]) == (1, "huge")
    assert "32,768-byte limit" in rejected["reason"]
    assert [e["message_id"] for e in stored(store)] == ["fine"]


def test_an_oversized_batch_is_refused_from_its_content_length(
    client: TestClient, store: Store, keys: Keys, seeded: tuple[Any, ...]
) -> None:
    response = post(client, keys, "/v1/batch", big_batch(BATCH_LIMIT))

    assert response.status_code == 413
    assert "512,000-byte limit" in response.json()["detail"]
    assert snapshot(store) == seeded


def test_an_oversized_batch_without_content_length_is_refused(
    client: TestClient, store: Store, keys: Keys, seeded: tuple[Any, ...]
) -> None:
    body = big_batch(3 * BATCH_LIMIT)

    def chunks() -> Iterator[bytes]:  # no Content-Length: chunked transfer
        for start in range(0, len(body), 16 * 1024):
            yield body[start : start + 16 * 1024]

    response = client.post("/v1/batch", content=chunks(), auth=(keys.ingest, ""))

    assert response.status_code == 413
    assert snapshot(store) == seeded


def test_a_streamed_body_is_read_no_further_than_the_limit(client: TestClient, keys: Keys) -> None:
    """Driven through ASGI directly: the body never ends, and the app stops reading it."""
    chunk = b"x" * 65536
    received: list[int] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        received.append(len(chunk))
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    auth = base64.b64encode(f"{keys.ingest}:".encode())
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/batch", "raw_path": b"/v1/batch",
             "root_path": "", "query_string": b"", "server": ("test", 80),
             "client": ("test", 1), "app": client.app,
             "headers": [(b"host", b"test"), (b"authorization", b"Basic " + auth)]}  # fmt: skip
    asyncio.run(client.app(scope, receive, send))

    assert sent[0]["status"] == 413
    assert BATCH_LIMIT < sum(received) <= BATCH_LIMIT + len(chunk)


@pytest.mark.parametrize(
    ("content", "encoding", "status"),
    [
        (gzip.compress(big_batch(BATCH_LIMIT)), "gzip", 413),  # small on the wire, too big inside
        (b"\x1f\x8b\x08\x00garbage", "gzip", 400),
        (gzip.compress(orjson.dumps({"batch": [track("z")]}))[:-12], "gzip", 400),
        (orjson.dumps({"batch": [track("z")]}), "br", 400),
    ],
)
def test_bad_or_oversized_compressed_bodies(
    client: TestClient,
    store: Store,
    keys: Keys,
    seeded: tuple[Any, ...],
    content: bytes,
    encoding: str,
    status: int,
) -> None:
    response = post(client, keys, "/v1/batch", content, **{"Content-Encoding": encoding})

    assert response.status_code == status, response.text
    assert snapshot(store) == seeded
