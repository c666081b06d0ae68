"""How identities are written down: normalised values and ``kind:value`` keys.

Everything that stores or compares identities (intake, resolution, imports, erasure) goes
through these functions, so ``Jane.Doe@Example.com `` and ``jane.doe@example.com`` are one
identity everywhere.
"""

from __future__ import annotations

import hashlib
import re

import pyarrow as pa
import pyarrow.compute as pc

#: Precedence for the key an event resolves through: the most stable identity first.
EVENT_KEY_PRECEDENCE = ("user_id", "email", "github", "anonymous_id")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


def normalise_email(value: object) -> str | None:
    """Lower-cased, trimmed email, or ``None`` if it is not an email address."""
    if not isinstance(value, str):
        return None
    email = value.strip().lower()
    return email if len(email) <= 320 and _EMAIL.match(email) else None


def normalise_github(value: object) -> str | None:
    """GitHub logins are case-insensitive; stored lower-cased without a leading @."""
    if not isinstance(value, str):
        return None
    login = value.strip().lstrip("@").lower()
    return login if 0 < len(login) <= 100 else None


def normalise_id(value: object) -> str | None:
    """User and anonymous ids are opaque: trimmed, numbers accepted as text, empty is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if 0 < len(text) <= 256 else None


def key(kind: str, value: str) -> str:
    return f"{kind}:{value}"


def email_domain(email: str) -> str:
    return email.rsplit("@", 1)[1]


def key_hash(identity_key: str) -> str:
    """One-way hash of an identity key, kept after erasure instead of the key itself."""
    return hashlib.sha256(identity_key.encode("utf-8")).hexdigest()


def normalise_email_column(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Vectorised :func:`normalise_email` for bulk intake."""
    lowered = pc.utf8_lower(pc.utf8_trim_whitespace(column))
    valid = pc.match_substring_regex(lowered, _EMAIL_PATTERN)
    return pc.if_else(valid, lowered, pa.scalar(None, pa.string()))


def normalise_github_column(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Vectorised :func:`normalise_github`."""
    login = pc.utf8_lower(pc.utf8_ltrim(pc.utf8_trim_whitespace(column), characters="@"))
    return pc.if_else(pc.greater(pc.utf8_length(login), 0), login, pa.scalar(None, pa.string()))


def normalise_id_column(column: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """Vectorised :func:`normalise_id` for string columns."""
    text = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.greater(pc.utf8_length(text), 0), text, pa.scalar(None, pa.string()))


def event_key_column(columns: dict[str, pa.ChunkedArray]) -> pa.ChunkedArray:
    """Each event's resolution key by :data:`EVENT_KEY_PRECEDENCE`; null if it has none."""
    candidates = [
        pc.binary_join_element_wise(pa.scalar(f"{kind}:"), columns[kind], "")
        for kind in EVENT_KEY_PRECEDENCE
    ]
    return pc.coalesce(*candidates)
