"""The one rule for a time a sender gives us: a real moment between 1900 and 2199.

Every intake path that stores a sender's time (Segment's ``timestamp`` and ``sentAt``,
a GitHub delivery's ``starred_at`` or ``updated_at``, a Stripe object's Unix times)
checks it here, so the paths cannot drift apart. Why the years are bounded: skew
correction moves a time further, and a stored time must stay within what Python and both
databases represent. A time outside Python's years 1-9999 *in UTC* is the dangerous one:
``9999-12-31T23:59:59-05:00`` is year 10000 once converted, and
``0001-01-01T00:00:00+01:00`` is year 0. DuckDB stores both, but hands them back as text
rather than a ``datetime`` (PostgreSQL refuses to hand them back at all), so every later
reader that builds Arrow columns from them fails, as identity resolution did on each poll.
Checking after the conversion to UTC, as here, is what rules that out.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
#: The first moment refused (exclusive bound).
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
EARLIEST_US = (EARLIEST - _EPOCH) // _MICROSECOND
LATEST_US = (LATEST - _EPOCH) // _MICROSECOND
_EARLIEST_S = EARLIEST.timestamp()
_LATEST_S = LATEST.timestamp()
#: How a refusal for being out of range ends, for every path alike.
OUT_OF_RANGE = "is not between the years 1900 and 2199"


class RefusedTime(ValueError):
    """A sender's time that breaks the rule; ``reason`` completes "field ...".

    Internal to intake: each path turns it into its own refusal naming the field
    (a Segment rejection, a webhook's :class:`~devfunnel.errors.ValidationError`).
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def micros(moment: datetime) -> int:
    """Microseconds since the epoch: how timestamps go into Arrow columns cheaply."""
    return (moment - _EPOCH) // _MICROSECOND


def iso_micros(value: str) -> int:
    """An ISO-8601 text as UTC microseconds since the epoch (no offset means UTC, as
    Segment reads it), or :class:`RefusedTime`."""
    try:
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        moment = micros(parsed)
    except (ValueError, OverflowError):
        raise RefusedTime(f"{value[:40]!r} is not an ISO-8601 timestamp") from None
    if not EARLIEST_US <= moment < LATEST_US:
        raise RefusedTime(f"{value[:40]!r} {OUT_OF_RANGE}")
    return moment


def iso_utc(value: str) -> datetime:
    """An ISO-8601 text as an aware UTC ``datetime`` within the rule's years."""
    return _EPOCH + iso_micros(value) * _MICROSECOND


def unix_utc(value: object) -> datetime:
    """A Unix time in seconds (Stripe's times) as an aware UTC ``datetime`` within the
    rule's years, or :class:`RefusedTime`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RefusedTime("must be a Unix time in seconds")
    if not _EARLIEST_S <= value < _LATEST_S:  # also refuses NaN and infinities
        raise RefusedTime(f"{value!r} {OUT_OF_RANGE}")
    return datetime.fromtimestamp(value, UTC)
