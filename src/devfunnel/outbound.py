"""Calling other systems (alert receivers, CRMs): timeouts, outcomes, backoff.

One HTTP attempt becomes an :class:`Outcome` instead of an exception: delivered, worth
retrying (a timeout, a refused connection, 408, 425, 429, 5xx; with the receiver's
``Retry-After`` when it sent one), or permanent (any other 4xx: the request itself is
wrong and sending it again will not help). Outbox-style senders record the outcome and
schedule the next attempt from :func:`next_delay`. Error texts name the host and status,
never the full URL (a Slack webhook URL is itself a secret) nor a token.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson

from devfunnel import __version__

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
#: The longest ``Retry-After`` honoured as given; longer waits are capped to this.
MAX_RETRY_AFTER = 24 * 3600.0
_BODY_CHARS = 300


@dataclass(frozen=True)
class Outcome:
    """What one attempt came to."""

    ok: bool
    #: Not ok, and worth trying again later.
    retry: bool = False
    error: str | None = None
    #: Seconds the other side asked us to wait (``Retry-After``), if it said.
    retry_after: float | None = None
    status: int | None = None
    body: Any = None

    @classmethod
    def failed(cls, error: str, *, retry: bool, **more: Any) -> Outcome:
        return cls(ok=False, retry=retry, error=error, **more)


def client(timeout: float) -> httpx.Client:
    """A client with a total timeout per request and no redirects followed (a redirected
    webhook is a misconfigured one)."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        follow_redirects=False,
        headers={"User-Agent": f"devfunnel/{__version__}"},
    )


def send(http: httpx.Client, method: str, url: str, **kwargs: Any) -> Outcome:
    """One request; never raises for network trouble."""
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TimeoutException:
        return Outcome.failed(f"timed out waiting for {host_of(url)}", retry=True)
    except httpx.TransportError as exc:
        return Outcome.failed(f"cannot reach {host_of(url)}: {_reason(exc)}", retry=True)
    return outcome_of(response)


def outcome_of(response: httpx.Response) -> Outcome:
    body = parse_body(response)
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(ok=True, status=status, body=body)
    return Outcome.failed(
        describe(response),
        retry=status in RETRYABLE_STATUS,
        retry_after=retry_after(response),
        status=status,
        body=body,
    )


def parse_body(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None


def describe(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    if len(text) > _BODY_CHARS:
        text = text[: _BODY_CHARS - 1] + "…"
    detail = f": {text}" if text else ""
    return f"HTTP {response.status_code} from {host_of(str(response.request.url))}{detail}"


def retry_after(response: httpx.Response, now: datetime | None = None) -> float | None:
    """``Retry-After`` in seconds (a number of seconds or an HTTP date), if present."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def next_delay(delays: list[float], attempts: int, asked: float | None = None) -> float | None:
    """Seconds until the next attempt after ``attempts`` failed ones, or None when the
    schedule is used up (dead). A ``Retry-After`` longer than the schedule's delay wins."""
    if attempts > len(delays):
        return None
    delay = delays[attempts - 1]
    return max(delay, asked) if asked is not None else delay


def host_of(url: str) -> str:
    try:
        return httpx.URL(url).host or "the receiver"
    except httpx.InvalidURL:
        return "the receiver"


def _reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or failed"
    return type(exc).__name__
