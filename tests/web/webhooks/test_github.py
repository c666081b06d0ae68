"""POST /webhooks/github: signed deliveries become events once; everything else is a 4xx."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.store import Store
from devfunnel.store.schema.events import events, ingest_batches
from tests.web.webhooks.conftest import GITHUB_SECRET

SENDER = {"login": "OctoCat", "type": "User"}
REPO = {"full_name": "acme/sdk"}
WHEN = "2024-05-01T10:00:00Z"

#: One delivery of each supported event, with the event name devfunnel stores.
DELIVERIES: list[tuple[str, dict[str, Any], str]] = [
    ("star", {"action": "created", "starred_at": WHEN}, "GitHub Star"),
    ("watch", {"action": "started"}, "GitHub Watch"),
    ("fork", {"forkee": {"created_at": WHEN, "html_url": "https://x/f"}}, "GitHub Fork"),
    ("issues", {"action": "opened", "issue": {"number": 7, "title": "Bug", "updated_at": WHEN}},
     "GitHub Issue Opened"),
    ("issue_comment", {"action": "created", "comment": {"created_at": WHEN},
                       "issue": {"number": 7}}, "GitHub Issue Comment"),
    ("pull_request", {"action": "opened", "pull_request": {"number": 8, "updated_at": WHEN}},
     "GitHub Pull Request"),
    ("pull_request_review", {"action": "submitted", "review": {"submitted_at": WHEN},
                             "pull_request": {"number": 8}}, "GitHub Pull Request Review"),
    ("release", {"action": "published", "release": {"name": "v1", "published_at": WHEN}},
     "GitHub Release"),
    ("discussion", {"action": "created", "discussion": {"number": 3, "updated_at": WHEN}},
     "GitHub Discussion"),
]  # fmt: skip


def sign(body: bytes, secret: str = GITHUB_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def deliver(
    client: TestClient,
    event: str,
    payload: dict[str, Any] | None = None,
    *,
    delivery: str | None = None,
    body: bytes | None = None,
    signature: str | bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    raw = body if body is not None else json.dumps(payload or {}).encode()
    sent: dict[str, str | bytes] = {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature if signature is not None else sign(raw),
        "Content-Type": "application/json",
        **(headers or {}),
    }
    return client.post("/webhooks/github", content=raw, headers=sent)


def github_events(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(sa.select(events).where(events.c.source == "github"))
        return [dict(r) for r in rows.mappings()]


def test_every_supported_event_is_stored_under_the_sender(client: TestClient, store: Store) -> None:
    for kind, payload, _ in DELIVERIES:
        response = deliver(client, kind, {**payload, "sender": SENDER, "repository": REPO})
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["status"] == "stored"
    stored = {e["event"]: e for e in github_events(store)}
    assert set(stored) == {name for _, _, name in DELIVERIES}
    star = stored["GitHub Star"]
    assert star["github_login"] == "octocat"
    assert star["identity_key"] == "github:octocat"
    assert star["properties"]["repository"] == "acme/sdk"
    assert star["timestamp"].isoformat() == "2024-05-01T10:00:00+00:00"
    assert stored["GitHub Issue Opened"]["properties"]["number"] == 7
    with store.read() as conn:
        queued = conn.execute(
            sa.select(sa.func.count()).where(ingest_batches.c.source == "github")
        ).scalar_one()
    assert queued == len(DELIVERIES)


def test_a_redelivery_is_stored_once(client: TestClient, store: Store) -> None:
    payload = {"action": "created", "sender": SENDER, "repository": REPO}
    first = deliver(client, "star", payload, delivery="d-1")
    again = deliver(client, "star", payload, delivery="d-1")
    assert first.json()["status"] == "stored"
    assert again.status_code == 200
    assert again.json()["status"] == "duplicate"
    assert [e["message_id"] for e in github_events(store)] == ["github:d-1"]


def test_ping_and_unsupported_events_are_answered_without_storing(
    client: TestClient, store: Store
) -> None:
    ping = deliver(client, "ping", {"zen": "Keep it simple."})
    assert ping.status_code == 200
    assert ping.json()["status"] == "ok"
    push = deliver(client, "push", {"ref": "refs/heads/main", "sender": SENDER})
    assert push.status_code == 202
    assert push.json()["status"] == "ignored"
    assert "'push'" in push.json()["detail"]
    labeled = deliver(client, "issues", {"action": "labeled", "sender": SENDER})
    assert labeled.status_code == 202
    assert "labeled" in labeled.json()["detail"]
    assert github_events(store) == []


def test_form_encoded_deliveries_are_accepted(client: TestClient, store: Store) -> None:
    payload = json.dumps({"action": "started", "sender": SENDER})
    body = httpx.QueryParams({"payload": payload}).__str__().encode()
    response = deliver(
        client,
        "watch",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text
    assert [e["event"] for e in github_events(store)] == ["GitHub Watch"]


def bad_requests() -> Iterator[tuple[str, dict[str, Any], int, str]]:
    body = b'{"action": "created", "sender": {"login": "octocat"}}'
    yield "no signature", {"body": body, "signature": ""}, 401, "X-Hub-Signature-256"
    yield "wrong secret", {"body": body, "signature": sign(body, "other")}, 401, "does not match"
    yield "tampered body", {"body": body.replace(b"octocat", b"mallory"),
                            "signature": sign(body)}, 401, "does not match"  # fmt: skip
    yield "not sha256", {"body": body, "signature": "sha1=abc"}, 401, "sha256="
    yield (
        "non-ascii signature",
        {"body": body, "signature": "sha256=\u00e9\u00e9".encode("latin-1")},
        401,
        "match",
    )
    yield "malformed JSON", {"body": b'{"action": '}, 422, "not valid JSON"
    yield "not an object", {"body": b"[1, 2]"}, 422, "JSON object"
    yield "no delivery id", {"body": body, "headers": {"X-GitHub-Delivery": ""}}, 422, "Delivery"
    too_long = json.dumps({"action": "created", "sender": {"login": "x" * 150}}).encode()
    yield "login too long", {"body": too_long}, 422, "githubLogin"


def test_bad_deliveries_get_a_problem_naming_what_was_wrong(
    client: TestClient, store: Store
) -> None:
    for case, request_args, status, named in bad_requests():
        response = deliver(client, "star", **request_args)
        assert response.status_code == status, (case, response.text)
        assert response.headers["content-type"] == "application/problem+json", case
        assert named in response.json()["detail"], case
    assert github_events(store) == []


def test_a_body_over_the_cap_is_refused_before_it_is_read(client: TestClient) -> None:
    big = b"{" + b" " * (1024 * 1024) + b"}"
    response = deliver(client, "star", body=big)
    assert response.status_code == 413
    assert response.json()["status"] == 413

    read: list[int] = []

    def chunks() -> Iterator[bytes]:  # no Content-Length: the stream is cut off at the cap
        for n in range(64):
            read.append(n)
            yield b" " * 65536

    streamed = client.post(
        "/webhooks/github",
        content=chunks(),
        headers={"X-GitHub-Event": "star", "X-GitHub-Delivery": "d", "X-Hub-Signature-256": "x"},
    )
    assert streamed.status_code == 413
    assert "over 1048576 bytes" in streamed.json()["detail"]


def test_without_a_secret_deliveries_are_refused_naming_the_setting(
    unconfigured: TestClient, store: Store
) -> None:
    body = b'{"action": "created", "sender": {"login": "octocat"}}'
    response = deliver(unconfigured, "star", body=body, signature=sign(body, ""))
    assert response.status_code >= 500
    assert response.headers["content-type"] == "application/problem+json"
    assert "DEVFUNNEL_GITHUB_WEBHOOK_SECRET" in response.json()["detail"]
    assert github_events(store) == []


#: Delivery times no event may have, with the field each is refused by. The first two
#: look in range but are years 10000 and 0 in UTC, which DuckDB stores and then reads
#: back as text: identity resolution failed on every poll after one was stored.
BAD_TIMES: list[tuple[str, dict[str, Any], str, str]] = [
    ("star", {"action": "created", "starred_at": "9999-12-31T23:59:59-05:00"}, "starred_at",
     "between the years 1900 and 2199"),
    ("star", {"action": "created", "starred_at": "0001-01-01T00:00:00+01:00"}, "starred_at",
     "between the years 1900 and 2199"),
    ("star", {"action": "created", "starred_at": "2199-12-31T20:00:00-05:00"}, "starred_at",
     "between the years 1900 and 2199"),
    ("pull_request", {"action": "opened", "pull_request": {"updated_at": "1850-01-01T00:00Z"}},
     "pull_request.updated_at", "between the years 1900 and 2199"),
    ("fork", {"forkee": {"created_at": "yesterday"}}, "forkee.created_at", "not an ISO-8601"),
    ("issues", {"action": "opened", "issue": {"updated_at": 1714557600}}, "issue.updated_at",
     "ISO-8601 timestamp string"),
]  # fmt: skip


def test_a_delivery_time_outside_the_intake_rule_is_refused_naming_the_field(
    client: TestClient, store: Store
) -> None:
    for kind, payload, field, reason in BAD_TIMES:
        response = deliver(client, kind, {**payload, "sender": SENDER, "repository": REPO})
        assert response.status_code == 422, (kind, field, response.text)
        problem = response.json()
        assert problem["field"] == field, problem
        assert field in problem["detail"], problem
        assert reason in problem["detail"], problem
    assert github_events(store) == []
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(ingest_batches)).scalar() == 0


def test_a_delivery_time_is_stored_in_utc(client: TestClient, store: Store) -> None:
    """Converted before it is checked: the stored time is the one that was checked."""
    for delivery, when in (("d-offset", "2199-12-31T18:00:00-05:00"), ("d-naive", WHEN[:-1])):
        payload = {"action": "created", "starred_at": when, "sender": SENDER}
        assert deliver(client, "star", payload, delivery=delivery).status_code == 200
    stored = {e["message_id"]: e["timestamp"] for e in github_events(store)}
    assert stored["github:d-offset"].isoformat() == "2199-12-31T23:00:00+00:00"
    assert stored["github:d-naive"].isoformat() == "2024-05-01T10:00:00+00:00"
