"""Signatures on generic webhook deliveries, and how a receiver checks them.

Every request to a ``webhook`` destination carries three headers:

- ``X-Devfunnel-Delivery``: the delivery id. A retry of the same delivery (after a
  timeout, a 5xx, or a crash between sending and recording) carries the same id; the
  receiver deduplicates by it. Delivery is at least once.
- ``X-Devfunnel-Timestamp``: Unix seconds when this attempt was signed.
- ``X-Devfunnel-Signature``: ``v1=`` then the hex HMAC-SHA256, keyed with the
  destination's secret, of ``"{timestamp}."`` followed by the exact body bytes.

The receiver recomputes the HMAC over the raw body it received (before parsing JSON),
compares in constant time, and refuses timestamps too far from its clock, so a captured
request cannot be replayed later. :func:`verify` is that recipe.
"""

from __future__ import annotations

import hashlib
import hmac
import time

DELIVERY_HEADER = "X-Devfunnel-Delivery"
TIMESTAMP_HEADER = "X-Devfunnel-Timestamp"
SIGNATURE_HEADER = "X-Devfunnel-Signature"
SCHEME = "v1"
#: How far a receiver should accept a timestamp from its own clock, by default.
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-Devfunnel-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"{SCHEME}={mac.hexdigest()}"


def signed_headers(secret: str, delivery_id: str, body: bytes, timestamp: int) -> dict[str, str]:
    return {
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


def verify(
    secret: str,
    body: bytes,
    timestamp_header: str | None,
    signature_header: str | None,
    *,
    now: float | None = None,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """Whether a received request is authentic and fresh: what a receiver runs."""
    if not timestamp_header or not signature_header:
        return False
    try:
        timestamp = int(timestamp_header)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    # A header may carry several signatures (during a secret rotation), comma-separated.
    return any(
        hmac.compare_digest(expected, candidate.strip())
        for candidate in signature_header.split(",")
    )
