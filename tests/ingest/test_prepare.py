"""``prepare``: Segment validation per event, clock skew, event names, identities."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pyarrow as pa
import pytest

from devfunnel.ingest.prepare import EVENT_COLUMNS, Prepared, as_checked_json, prepare
from tests.helpers.events import RECEIVED, segment, track

HOUR = timedelta(hours=1)


def run(*events: dict[str, Any], **options: Any) -> Prepared:
    return prepare(segment(*events), source="test", received_at=RECEIVED, **options)


def rows(prepared: Prepared) -> list[dict[str, Any]]:
    return prepared.rows.to_pylist()


def only(prepared: Prepared) -> dict[str, Any]:
    assert prepared.rejected == []
    [row] = rows(prepared)
    return row


# --- per-event validation --------------------------------------------------------------

BAD_EVENTS = [
    ({"type": "purchase", "userId": "u"}, "type must be one of track, identify, group"),
    ({"type": None, "userId": "u"}, "type must be one of"),
    ({"type": "identify"}, "userId or anonymousId is required"),
    ({"type": "identify", "userId": "  ", "anonymousId": ""}, "userId or anonymousId is required"),
    ({"type": "identify", "email": "not-an-email"}, "userId or anonymousId is required"),
    ({"type": "track", "userId": "u"}, "event is required for track calls"),
    ({"type": "track", "userId": "u", "event": "   "}, "event is required for track calls"),
    ({"type": "group", "userId": "u"}, "groupId is required for group calls"),
    ({"type": "alias", "userId": "u"}, "previousId is required for alias calls"),
    ({"type": "alias", "anonymousId": "a", "previousId": "p"}, "userId is required for alias"),
    (
        {"type": "track", "event": "E", "userId": "u", "properties": {"blob": "x" * 40_000}},
        "event is larger than 32768 bytes",
    ),
]


@pytest.mark.parametrize(("bad", "reason"), BAD_EVENTS)
def test_bad_event_is_rejected_alone(bad: dict[str, Any], reason: str) -> None:
    prepared = run(track("ok-1"), {"messageId": "bad", **bad}, track("ok-2"))

    assert [(r.index, r.message_id) for r in prepared.rejected] == [(1, "bad")]
    assert reason in prepared.rejected[0].reason
    assert [row["message_id"] for row in rows(prepared)] == ["ok-1", "ok-2"]


def test_every_bad_event_is_reported_with_its_index() -> None:
    events = [{"messageId": f"m{i}", **bad} for i, (bad, _) in enumerate(BAD_EVENTS)]
    prepared = run(track("good"), *events)

    assert [r.index for r in prepared.rejected] == list(range(1, len(BAD_EVENTS) + 1))
    assert [r.message_id for r in prepared.rejected] == [f"m{i}" for i in range(len(BAD_EVENTS))]
    for rejected, (_, reason) in zip(prepared.rejected, BAD_EVENTS, strict=True):
        assert reason in rejected.reason
    assert [row["message_id"] for row in rows(prepared)] == ["good"]


def test_size_limit_counts_properties_traits_and_context() -> None:
    third = {"x": "y" * 400}
    event = track("m", properties=third, traits=third, context=third)

    assert run(event, max_event_bytes=1300).rejected == []
    [rejected] = run(event, max_event_bytes=1200).rejected
    assert rejected.reason == "event is larger than 1200 bytes"


def test_rejected_event_without_message_id_is_still_located() -> None:
    prepared = run(track("ok"), {"type": "track", "userId": "u"})

    assert [(r.index, r.message_id) for r in prepared.rejected] == [(1, None)]


@pytest.mark.parametrize("kind", ["Track", " TRACK ", "track"])
def test_type_is_case_and_space_insensitive(kind: str) -> None:
    assert only(run(track("m", type=kind)))["type"] == "track"


def test_valid_calls_of_every_type_are_kept() -> None:
    prepared = run(
        track("t"),
        {"messageId": "i", "type": "identify", "anonymousId": "a"},
        {"messageId": "g", "type": "group", "userId": "u", "groupId": "acme"},
        {"messageId": "p", "type": "page", "anonymousId": "a", "name": "Docs"},
        {"messageId": "s", "type": "screen", "userId": "u", "name": "Home"},
        {"messageId": "al", "type": "alias", "userId": "u", "previousId": "a"},
    )

    assert prepared.rejected == []
    assert [r["type"] for r in rows(prepared)] == [
        "track", "identify", "group", "page", "screen", "alias",
    ]  # fmt: skip
    assert rows(prepared)[2]["group_id"] == "acme"
    assert rows(prepared)[5]["previous_id"] == "a"


def test_empty_input_prepares_nothing() -> None:
    prepared = run()
    assert prepared.rows.num_rows == 0
    assert prepared.rejected == []


def test_output_has_the_event_columns_and_one_batch() -> None:
    prepared = run(track("a"), track("b"))

    assert tuple(prepared.rows.column_names) == EVENT_COLUMNS
    batch_ids = set(prepared.rows.column("batch_id").to_pylist())
    assert len(batch_ids) == 1
    uuid.UUID(batch_ids.pop())
    assert set(prepared.rows.column("source").to_pylist()) == {"test"}
    assert set(prepared.rows.column("received_at").to_pylist()) == {RECEIVED}


def test_given_batch_id_is_used() -> None:
    batch = str(uuid.uuid4())
    prepared = prepare(segment(track("a")), source="s", received_at=RECEIVED, batch_id=batch)
    assert prepared.rows.column("batch_id").to_pylist() == [batch]


# --- timestamps ------------------------------------------------------------------------


def test_clock_skew_is_corrected_from_sent_at() -> None:
    # The client clock runs 3 hours fast: it stamped the event 10 minutes before sending.
    happened = RECEIVED + 3 * HOUR - timedelta(minutes=10)
    row = only(run(track("m", timestamp=happened, sentAt=RECEIVED + 3 * HOUR)))

    assert row["timestamp"] == RECEIVED - timedelta(minutes=10)
    assert row["sent_at"] == RECEIVED + 3 * HOUR
    assert row["received_at"] == RECEIVED


def test_no_correction_without_sent_at() -> None:
    happened = RECEIVED - 5 * HOUR
    assert only(run(track("m", timestamp=happened)))["timestamp"] == happened


def test_no_correction_when_disabled() -> None:
    happened = RECEIVED + 3 * HOUR
    event = track("m", timestamp=happened, sentAt=RECEIVED + 4 * HOUR)

    assert only(run(event, correct_clock_skew=False))["timestamp"] == happened


def test_times_outside_the_years_every_path_accepts_are_rejected() -> None:
    last = datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)
    first = datetime(1900, 1, 1, tzinfo=UTC)
    prepared = run(
        track("late", timestamp=datetime(9999, 12, 31, 23, 59, tzinfo=UTC)),
        track("early", timestamp=datetime(1899, 12, 31, 23, 59, tzinfo=UTC)),
        track("sent-late", sentAt=datetime(2200, 1, 1, tzinfo=UTC)),
        track("edges", timestamp=last),
        track("first", timestamp=first),
        track("none"),
        # Within the years, but the clock skew it shows moves the event past them.
        track("skewed", timestamp=last, sentAt=RECEIVED - 24 * HOUR),
    )
    assert [(r.message_id, r.reason) for r in prepared.rejected] == [
        ("late", "timestamp is not between the years 1900 and 2199 once corrected for clock skew"),
        ("early", "timestamp is not between the years 1900 and 2199 once corrected for clock skew"),
        ("sent-late", "sentAt is not between the years 1900 and 2199"),
        (
            "skewed",
            "timestamp is not between the years 1900 and 2199 once corrected for clock skew",
        ),
    ]
    assert [r["message_id"] for r in rows(prepared)] == ["edges", "first", "none"]


def test_missing_timestamp_becomes_received_at() -> None:
    assert only(run(track("m")))["timestamp"] == RECEIVED


def test_missing_timestamp_with_sent_at_uses_the_receive_time() -> None:
    row = only(run(track("m", sentAt=RECEIVED - HOUR), correct_clock_skew=False))
    assert row["timestamp"] == RECEIVED


# --- event names -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["page", "screen"])
@pytest.mark.parametrize(
    ("name", "category", "expected"),
    [("Quickstart", "Docs", "Docs"), ("Quickstart", None, "Quickstart"), ("Home", " ", "Home")],
)
def test_page_event_is_category_else_name(
    kind: str, name: str, category: str | None, expected: str
) -> None:
    event = {"messageId": "p", "type": kind, "anonymousId": "a", "name": name}
    assert only(run({**event, "category": category}))["event"] == expected


def test_track_event_name_is_kept_as_sent() -> None:
    assert only(run(track("m", event="API Key Created", name="ignored")))["event"] == (
        "API Key Created"
    )


# --- identities ------------------------------------------------------------------------


def test_emails_are_trimmed_and_lower_cased() -> None:
    row = only(run(track("m", email="  Jane.Doe@Example.COM ")))
    assert row["email"] == "jane.doe@example.com"


@pytest.mark.parametrize("bad", ["jane", "jane@", "@example.com", "jane@example", "a b@c.de", ""])
def test_invalid_emails_are_dropped(bad: str) -> None:
    assert only(run(track("m", email=bad)))["email"] is None


@pytest.mark.parametrize("login", ["@OctoCat", "octocat", " OctoCat  ", "@@octocat"])
def test_github_logins_are_lower_cased_without_at(login: str) -> None:
    assert only(run(track("m", githubLogin=login)))["github_login"] == "octocat"


def test_ids_are_trimmed_and_blank_ids_are_none() -> None:
    row = only(run(track("m", userId="  42 ", anonymousId="   ")))
    assert (row["user_id"], row["anonymous_id"]) == ("42", None)


def test_email_in_traits_is_an_identity() -> None:
    event = {"messageId": "m", "type": "identify", "traits": {"email": "Ann@Example.com"}}
    row = only(run(event))
    assert row["email"] == "ann@example.com"
    assert row["identity_key"] == "email:ann@example.com"
    assert json.loads(row["traits"]) == {"email": "Ann@Example.com"}


IDENTITIES = {
    "userId": "u-1",
    "email": "Ann@Example.com",
    "githubLogin": "@Ann",
    "anonymousId": "anon-1",
}


@pytest.mark.parametrize(
    ("present", "key"),
    [
        (("userId", "email", "githubLogin", "anonymousId"), "user_id:u-1"),
        (("email", "githubLogin", "anonymousId"), "email:ann@example.com"),
        (("githubLogin", "anonymousId"), "github:ann"),
        (("anonymousId",), "anonymous_id:anon-1"),
        (("githubLogin",), "github:ann"),
        (("userId", "anonymousId"), "user_id:u-1"),
    ],
)
def test_identity_key_precedence(present: tuple[str, ...], key: str) -> None:
    event = {"messageId": "m", "type": "identify", **{k: IDENTITIES[k] for k in present}}
    assert only(run(event))["identity_key"] == key


def test_invalid_email_does_not_become_the_identity_key() -> None:
    event = {"messageId": "m", "type": "identify", "email": "nope", "anonymousId": "a"}
    assert only(run(event))["identity_key"] == "anonymous_id:a"


# --- message ids -----------------------------------------------------------------------


def test_missing_message_id_gets_a_generated_one() -> None:
    prepared = run(track(None), track("kept"), track("  "), track(None))

    ids = [row["message_id"] for row in rows(prepared)]
    assert prepared.rejected == []
    assert ids[1] == "kept"
    generated = [ids[0], ids[2], ids[3]]
    assert all(isinstance(i, str) and i for i in generated)
    assert len(set(generated)) == 3


def test_message_ids_are_trimmed() -> None:
    assert only(run(track("  abc  ")))["message_id"] == "abc"


def test_input_without_optional_columns_is_accepted() -> None:
    raw = pa.table({"type": ["identify"], "userId": ["u"], "messageId": ["m"]})
    prepared = prepare(raw, source="s", received_at=RECEIVED)

    assert only(prepared)["identity_key"] == "user_id:u"


def test_group_traits_are_the_accounts_not_the_persons() -> None:
    prepared = run(
        {"messageId": "g", "type": "group", "userId": "u1", "groupId": "org",
         "traits": {"email": "billing@acme.io", "name": "Acme"}},
        {"messageId": "i", "type": "identify", "userId": "u1",
         "traits": {"email": "jane@acme.io"}},
    )  # fmt: skip
    by_id = {row["message_id"]: row for row in rows(prepared)}
    assert by_id["g"]["email"] is None
    assert by_id["g"]["identity_key"] == "user_id:u1"
    assert by_id["i"]["email"] == "jane@acme.io"


def test_traits_fill_each_missing_identity_column_on_its_own() -> None:
    """A forum export names the member's email; the profile it sends names their GitHub."""
    row = only(
        run(
            track("m1", "Community Joined", userId=None, email="jane@acme.io",
                  traits={"name": "Jane", "github": "JaneDoe"}),
        )
    )  # fmt: skip
    assert (row["email"], row["github_login"]) == ("jane@acme.io", "janedoe")
    row = only(run(track("m2", githubLogin="octo", traits={"email": "Octo@Example.com"})))
    assert (row["email"], row["github_login"]) == ("octo@example.com", "octo")


def test_checked_json_is_typed_as_json_without_copying() -> None:
    rows = pa.table({"properties": ['{"a":1}', None], "message_id": ["m1", "m2"]})
    checked = as_checked_json(rows)
    assert checked.schema.field("properties").type == pa.json_()
    assert checked.column("properties").chunk(0).storage.equals(rows.column("properties").chunk(0))
    assert checked.column("message_id").type == pa.string()
    assert as_checked_json(checked).equals(checked)  # already typed: unchanged


def test_field_limits_count_characters_not_bytes() -> None:
    # 256 characters of two bytes each fit the 256-character limit; 257 do not, nor do
    # 257 one-byte characters.
    prepared = run(
        {**track("wide"), "userId": "é" * 256},
        {**track("too-wide"), "userId": "é" * 257},
        {**track("too-long"), "event": "e" * 257},
        track("plain"),
    )

    assert [(r.message_id, r.reason) for r in prepared.rejected] == [
        ("too-wide", "userId is longer than 256 characters"),
        ("too-long", "event is longer than 256 characters"),
    ]
    assert [row["message_id"] for row in rows(prepared)] == ["wide", "plain"]
