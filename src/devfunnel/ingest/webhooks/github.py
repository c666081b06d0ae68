"""GitHub webhook deliveries as developer activity events.

Each supported delivery becomes one ``track`` event named like the activity types in the
default configuration ("GitHub Star", "GitHub Pull Request", ...), attributed to the
sender's GitHub login and de-duplicated by the delivery id. Its time is the delivery's own
(``starred_at``, ``pull_request.updated_at``, ...) under the rule every intake path
applies (:mod:`devfunnel.ingest.times`): a time that is not ISO-8601 or not between 1900
and 2199 refuses the delivery, naming the field, rather than storing an event no later
step can read back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from devfunnel.errors import ValidationError
from devfunnel.ingest.times import RefusedTime, iso_utc
from devfunnel.ingest.webhooks.payloads import obj, path

#: (X-GitHub-Event, action) -> event name; ``None`` action matches any action.
EVENT_NAMES: dict[tuple[str, str | None], str] = {
    ("star", "created"): "GitHub Star",
    ("watch", "started"): "GitHub Watch",
    ("fork", None): "GitHub Fork",
    ("issues", "opened"): "GitHub Issue Opened",
    ("issues", "closed"): "GitHub Issue Closed",
    ("issues", "reopened"): "GitHub Issue Reopened",
    ("issue_comment", "created"): "GitHub Issue Comment",
    ("pull_request", "opened"): "GitHub Pull Request",
    ("pull_request", "reopened"): "GitHub Pull Request",
    ("pull_request", "closed"): "GitHub Pull Request Closed",
    ("pull_request_review", "submitted"): "GitHub Pull Request Review",
    ("release", "published"): "GitHub Release",
    ("discussion", "created"): "GitHub Discussion",
    ("discussion", "answered"): "GitHub Discussion Answered",
}

SUPPORTED = sorted({event for event, _ in EVENT_NAMES})

_TIME_FIELDS = {
    "star": ("starred_at",),
    "fork": ("forkee", "created_at"),
    "issues": ("issue", "updated_at"),
    "issue_comment": ("comment", "created_at"),
    "pull_request": ("pull_request", "updated_at"),
    "pull_request_review": ("review", "submitted_at"),
    "release": ("release", "published_at"),
    "discussion": ("discussion", "updated_at"),
}


def event_name(github_event: str, action: str | None) -> str | None:
    return EVENT_NAMES.get((github_event, action)) or EVENT_NAMES.get((github_event, None))


def to_event_row(
    github_event: str, delivery_id: str, payload: dict[str, Any]
) -> dict[str, Any] | None:
    """A Segment-shaped row for a delivery, or ``None`` for events devfunnel ignores.

    Raises :class:`ValidationError` naming the field when the delivery's time breaks the
    intake rule; the row's ``timestamp`` is otherwise an aware UTC ``datetime`` (or
    ``None``: the time it was received)."""
    action = payload.get("action") if isinstance(payload.get("action"), str) else None
    name = event_name(github_event, action)
    sender = obj(payload.get("sender"))
    login = sender.get("login")
    if name is None or not isinstance(login, str):
        return None
    subject = _subject(github_event, payload)
    if github_event == "pull_request" and action == "closed" and subject.get("merged"):
        name = "GitHub Pull Request Merged"
    repository = obj(payload.get("repository"))
    properties = {k: v for k, v in {
        "repository": repository.get("full_name"), "action": action,
        "number": subject.get("number"), "title": subject.get("title") or subject.get("name"),
        "url": subject.get("html_url"), "sender_type": sender.get("type"),
    }.items() if v is not None}  # fmt: skip
    return {
        "messageId": f"github:{delivery_id}",
        "type": "track",
        "event": name,
        "githubLogin": login,
        "timestamp": _when(github_event, payload),
        "properties": orjson.dumps(properties).decode(),
        "context": '{"library":{"name":"github-webhooks"}}',
    }


def _subject(github_event: str, payload: dict[str, Any]) -> dict[str, Any]:
    key = {
        "issues": "issue",
        "issue_comment": "issue",
        "pull_request": "pull_request",
        "pull_request_review": "pull_request",
        "release": "release",
        "discussion": "discussion",
        "fork": "forkee",
    }.get(github_event)
    return obj(payload.get(key)) if key else {}


def _when(github_event: str, payload: dict[str, Any]) -> datetime | None:
    """The delivery's time in UTC; ``None`` when it has none (the receive time is used)."""
    fields = _TIME_FIELDS.get(github_event, ())
    node = path(payload, *fields) if fields else None  # no keys: path is the payload
    if node is None:
        return None
    name = ".".join(fields)
    try:
        if not isinstance(node, str):
            raise RefusedTime("must be an ISO-8601 timestamp string")
        # Converted to UTC and checked there: an offset can push a time that looks in
        # range out of the years Python can read back (9999-12-31T23:59:59-05:00).
        return iso_utc(node)
    except RefusedTime as refused:
        raise ValidationError(
            f"the delivery's `{name}` {refused.reason}",
            errors=[{"field": name, "reason": refused.reason}],
            field=name,
        ) from None
