"""Segment JSON into columns: field types, batch envelopes, defaults, times, sizes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from devfunnel.errors import ValidationError
from devfunnel.ingest import segment
from devfunnel.ingest.prepare import prepare
from devfunnel.ingest.segment import MalformedRequest, Messages, Rejection
from tests.helpers.events import RECEIVED

HOUR = timedelta(hours=1)


def batch(*messages: Any, max_event_bytes: int = 32 * 1024, **envelope: Any) -> Messages:
    return segment.read_batch(
        {"batch": list(messages), **envelope},
        received_at=RECEIVED,
        max_event_bytes=max_event_bytes,
        correct_clock_skew=True,
    )


def rows(messages: Messages) -> list[dict[str, Any]]:
    return messages.table.to_pylist()


def track(message_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": message_id, "event": "Signed Up", "userId": "u1",
            **fields}  # fmt: skip


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- columns ---------------------------------------------------------------------------


def test_messages_become_segment_columns() -> None:
    [row] = rows(
        batch(
            track(
                "m1",
                anonymousId="a1",
                properties={"plan": "pro", "seats": 3},
                context={"traits": {"email": "Ann@Example.io"}},
                integrations={"All": True},
                timestamp="2024-05-01T11:00:00.000Z",
            )
        )
    )

    assert row["messageId"] == "m1"
    assert (row["type"], row["event"], row["userId"], row["anonymousId"]) == (
        "track", "Signed Up", "u1", "a1",
    )  # fmt: skip
    assert orjson.loads(row["properties"]) == {"plan": "pro", "seats": 3}
    assert orjson.loads(row["context"]) == {"traits": {"email": "Ann@Example.io"}}
    assert row["traits"] is None
    assert row["timestamp"] == datetime(2024, 5, 1, 11, tzinfo=UTC)
    assert row["sentAt"] is None


def test_numeric_ids_are_kept_as_text() -> None:
    [row] = rows(
        batch({"type": "alias", "messageId": "m", "userId": 42, "previousId": 7.5, "groupId": 0})
    )
    assert (row["userId"], row["previousId"], row["groupId"]) == ("42", "7.5", "0")


@pytest.mark.parametrize("kind", ["page", "screen"])
def test_page_name_and_category_top_level_or_in_properties(kind: str) -> None:
    page = {"type": kind, "anonymousId": "a"}
    top = {**page, "messageId": "t", "name": "Pricing", "category": "Docs",
           "properties": {"name": "ignored", "category": "ignored"}}  # fmt: skip
    old = {**page, "messageId": "o",
           "properties": {"name": "Pricing", "category": "Docs", "path": "/pricing"}}  # fmt: skip

    for row in rows(batch(top, old)):
        assert (row["name"], row["category"]) == ("Pricing", "Docs")


def test_batch_context_and_sent_at_apply_to_messages_without_their_own() -> None:
    sent = RECEIVED - timedelta(seconds=2)
    own_sent = RECEIVED - timedelta(seconds=5)
    own, bare = rows(
        batch(
            track("own", context={"ip": "10.0.0.1"}, sentAt=iso(own_sent)),
            track("bare"),
            context={"library": {"name": "analytics-python"}},
            sentAt=iso(sent),
        )
    )

    assert orjson.loads(own["context"]) == {"ip": "10.0.0.1"}
    assert own["sentAt"] == own_sent
    assert orjson.loads(bare["context"]) == {"library": {"name": "analytics-python"}}
    assert bare["sentAt"] == sent


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("2024-05-01T12:00:00.250+02:00", datetime(2024, 5, 1, 10, 0, 0, 250_000, tzinfo=UTC)),
        ("2024-05-01T10:00:00", datetime(2024, 5, 1, 10, tzinfo=UTC)),  # no zone: UTC
    ],
)
def test_iso_timestamps_are_read_in_utc(text: str, expected: datetime) -> None:
    assert rows(batch(track("m", timestamp=text)))[0]["timestamp"] == expected


def test_missing_timestamp_is_the_send_time_so_skew_correction_gives_the_receive_time() -> None:
    sent = iso(RECEIVED + 3 * HOUR)
    with_sent, without = rows(batch(track("a", sentAt=sent), track("b")))

    assert with_sent["timestamp"] == RECEIVED + 3 * HOUR
    assert without["timestamp"] == RECEIVED
    prepared = prepare(batch(track("a", sentAt=sent)).table, source="s", received_at=RECEIVED)
    assert prepared.rows.column("timestamp").to_pylist() == [RECEIVED]


def test_without_skew_correction_a_missing_timestamp_is_the_receive_time() -> None:
    read = segment.read_batch(
        {"batch": [track("a", sentAt=iso(RECEIVED + HOUR))]},
        received_at=RECEIVED,
        max_event_bytes=32768,
        correct_clock_skew=False,
    )
    assert rows(read)[0]["timestamp"] == RECEIVED


def test_original_timestamp_is_read_when_timestamp_is_absent() -> None:
    row = rows(batch(track("m", originalTimestamp="2024-04-30T08:00:00Z")))[0]
    assert row["timestamp"] == datetime(2024, 4, 30, 8, tzinfo=UTC)


# --- per-message refusals --------------------------------------------------------------

BAD_FIELDS = [
    ({"userId": True}, "userId", "string or a number"),
    ({"userId": ["u"]}, "userId", "string or a number"),
    ({"anonymousId": {"id": 1}}, "anonymousId", "string or a number"),
    ({"groupId": False}, "groupId", "string or a number"),
    ({"event": 12}, "event", "must be a string"),
    ({"messageId": 5}, "messageId", "must be a string"),
    ({"type": 1}, "type", "must be a string"),
    ({"name": ["x"]}, "name", "must be a string"),
    ({"properties": ["a"]}, "properties", "must be a JSON object"),
    ({"traits": "vip"}, "traits", "must be a JSON object"),
    ({"context": 3}, "context", "must be a JSON object"),
    ({"integrations": []}, "integrations", "must be a JSON object"),
    ({"timestamp": 1714557600}, "timestamp", "ISO-8601 timestamp string"),
    ({"timestamp": "yesterday"}, "timestamp", "is not an ISO-8601 timestamp"),
    ({"timestamp": "1850-01-01T00:00:00Z"}, "timestamp", "between the years 1900 and 2199"),
    ({"sentAt": "2024-13-01"}, "sentAt", "is not an ISO-8601 timestamp"),
    ({"event": "a\x00b"}, "event", "NUL character"),
    ({"properties": {"k": "a\x00b"}}, "properties", "NUL character"),
]


@pytest.mark.parametrize(("change", "field", "reason"), BAD_FIELDS)
def test_a_bad_field_refuses_only_its_message_and_is_named(
    change: dict[str, Any], field: str, reason: str
) -> None:
    bad = {**track("bad"), **change}
    read = batch(track("ok-1"), bad, track("ok-2"))

    [rejection] = read.rejected
    expected_id = "bad" if field != "messageId" else None
    assert (rejection.index, rejection.message_id, rejection.field) == (1, expected_id, field)
    assert reason in rejection.reason
    assert [r["messageId"] for r in rows(read)] == ["ok-1", "ok-2"]
    assert read.positions == [0, 2]
    assert read.received == 3


def test_a_message_that_is_not_an_object_is_refused() -> None:
    read = batch("hello", track("ok"), None)

    assert [(r.index, r.field) for r in read.rejected] == [(0, None), (2, None)]
    assert read.positions == [1]


def test_an_oversized_message_is_refused_by_size() -> None:
    big = track("big", properties={"blob": "x" * 2000})
    read = batch(track("small"), big, max_event_bytes=1024)

    [rejection] = read.rejected
    assert (rejection.index, rejection.field) == (1, None)
    assert "over the 1,024-byte limit" in rejection.reason


# --- envelopes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ([track("m")], "body"),
        ({"messages": [track("m")]}, "batch"),
        ({"batch": track("m")}, "batch"),
        ({"batch": []}, "batch"),
        ({"batch": [track("m")], "sentAt": 5}, "sentAt"),
        ({"batch": [track("m")], "sentAt": "soon"}, "sentAt"),
        ({"batch": [track("m")], "context": "web"}, "context"),
        ({"batch": [track("m")], "integrations": [1]}, "integrations"),
    ],
)
def test_a_bad_envelope_refuses_the_whole_batch(payload: Any, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        segment.read_batch(
            payload, received_at=RECEIVED, max_event_bytes=32768, correct_clock_skew=True
        )
    assert caught.value.status == 422
    assert caught.value.context["field"] == field
    assert caught.value.errors[0]["field"] == field


def test_single_message_endpoint_takes_its_type_from_the_path() -> None:
    read = segment.read_message(
        {"type": "identify", "userId": "u", "event": "X"},
        "track",
        received_at=RECEIVED,
        max_event_bytes=32768,
        correct_clock_skew=True,
    )
    assert rows(read)[0]["type"] == "track"


def test_single_message_with_a_bad_field_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError) as caught:
        segment.read_message(
            {"userId": "u", "traits": ["a"]},
            "identify",
            received_at=RECEIVED,
            max_event_bytes=32768,
            correct_clock_skew=True,
        )
    assert caught.value.status == 422
    assert caught.value.context["field"] == "traits"
    assert "`traits`" in caught.value.detail


# --- decoding, keys, rejections by prepare ---------------------------------------------


@pytest.mark.parametrize("body", [b"", b"{", b"{'a': 1}", b"[1,]", b'{"a": NaN}', b"\xff\xfe"])
def test_undecodable_bodies_are_malformed_requests(body: bytes) -> None:
    with pytest.raises(MalformedRequest) as caught:
        segment.decode(body)
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("payload", "key"),
    [({"writeKey": "k"}, "k"), ({"writeKey": ""}, None), ({"writeKey": 5}, None), ([], None)],
)
def test_write_key_from_the_body(payload: Any, key: str | None) -> None:
    assert segment.write_key(payload) == key


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"type": "track", "userId": "u"}, "event"),
        ({"type": "identify"}, "userId"),
        ({"type": "group", "userId": "u"}, "groupId"),
        ({"type": "alias", "userId": "u"}, "previousId"),
        ({"type": "purchase", "userId": "u"}, "type"),
        ({"type": "track", "userId": "u", "event": "e" * 300}, "event"),
        ({"type": "track", "userId": "u", "event": "E", "properties": {"x": "y" * 2000}}, None),
    ],
)
def test_rejections_by_prepare_name_their_field(message: dict[str, Any], field: str | None) -> None:
    read = batch({"messageId": "m", **message}, max_event_bytes=4096)
    prepared = prepare(read.table, source="s", received_at=RECEIVED, max_event_bytes=1024)

    [refused] = prepared.rejected
    rejection = Rejection.from_prepare(refused, 7)
    assert (rejection.index, rejection.message_id, rejection.field) == (7, "m", field)
    assert rejection.as_json() == {
        "index": 7, "messageId": "m", "field": field, "reason": refused.reason,
    }  # fmt: skip
