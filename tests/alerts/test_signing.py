"""The signature recipe receivers follow (docs: "Receiving alerts")."""

from __future__ import annotations

import hashlib
import hmac

from devfunnel.alerts import signing

SECRET = "0123456789abcdef-secret"
BODY = b'{"id":"01a2","type":"alert"}'


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), b"1767225600." + BODY, hashlib.sha256).hexdigest()
    assert signing.signature(SECRET, 1767225600, BODY) == f"v1={expected}"
    headers = signing.signed_headers(SECRET, "01a2", BODY, 1767225600)
    assert headers == {
        "X-Devfunnel-Delivery": "01a2",
        "X-Devfunnel-Timestamp": "1767225600",
        "X-Devfunnel-Signature": f"v1={expected}",
    }


def test_verify_accepts_the_genuine_and_refuses_the_rest() -> None:
    now = 1767225600.0
    good = signing.signature(SECRET, int(now), BODY)
    assert signing.verify(SECRET, BODY, str(int(now)), good, now=now)
    assert signing.verify(SECRET, BODY, str(int(now)), f"v1=00, {good}", now=now)  # rotation
    assert not signing.verify("another-secret-0000", BODY, str(int(now)), good, now=now)
    assert not signing.verify(SECRET, BODY + b" ", str(int(now)), good, now=now)
    assert not signing.verify(SECRET, BODY, str(int(now) + 1), good, now=now)
    # Replayed ten minutes later: refused by the timestamp tolerance.
    assert not signing.verify(SECRET, BODY, str(int(now)), good, now=now + 600)
    assert not signing.verify(SECRET, BODY, None, good, now=now)
    assert not signing.verify(SECRET, BODY, "yesterday", good, now=now)
