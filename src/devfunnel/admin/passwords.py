"""Password hashing with Argon2id (argon2-cffi), and the rules a new password must meet.

Hashes use argon2-cffi's defaults (RFC 9106's low-memory profile: 64 MiB, 3 passes, 4
lanes); a hash made with older parameters is upgraded at the next successful sign-in
(:func:`needs_rehash`). Checking a password for an email nobody holds still costs one hash
verification, so response times do not tell which emails have accounts.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from devfunnel.errors import ValidationError

#: Shortest password accepted: long passphrases beat composition rules (NIST SP 800-63B).
MIN_LENGTH = 12
#: Longest accepted, so nobody makes the server hash megabytes.
MAX_LENGTH = 1024

_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, to spend the same time as a real check.
    Made on first use, not at import: hashing takes a quarter of a second, which every CLI
    command paid at start-up whether it checked a password or not."""
    return _HASHER.hash("devfunnel: no such user, same cost")


def prepare() -> None:
    """Make the dummy hash now: a server does before it takes requests, so that the first
    sign-in with an unknown email takes no longer than any other."""
    _dummy_hash()


def check_password_rules(password: str, *, email: str | None = None) -> None:
    """Refuse a password that is too short, too long, blank or the email itself."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(
            f"a password must have at least {MIN_LENGTH} characters (a few words work well)",
            field="password",
        )
    if len(password) > MAX_LENGTH:
        raise ValidationError(
            f"a password may have at most {MAX_LENGTH} characters", field="password"
        )
    if not password.strip():
        raise ValidationError("a password cannot be only spaces", field="password")
    if email and password.strip().lower() in {email.lower(), email.split("@")[0].lower()}:
        raise ValidationError("a password cannot be the email address", field="password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; ``stored_hash`` None (no password set, or no such
    user) is checked against a dummy hash so that it takes as long as a real mismatch."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
