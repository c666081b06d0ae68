"""Sign-in sessions: one generic refusal, throttling, expiry, and sessions that end when
the user signs out, is deactivated or has their password reset."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devfunnel.admin import sessions, users
from devfunnel.admin.audit import CLI
from devfunnel.admin.throttle import LoginThrottle
from devfunnel.errors import AuthError, TooManyAttempts
from devfunnel.store import Store
from tests.helpers.web import PASSWORD, make_user

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sign_in(store: Store, email: str, password: str = PASSWORD, **kw: object) -> str:
    throttle = kw.pop("throttle", None) or LoginThrottle()
    token, _ = sessions.sign_in(
        store,
        email,
        password,
        hours=12,
        throttle=throttle,
        ip="10.0.0.1",
        now=NOW,  # type: ignore[arg-type]
    )
    return token


def test_a_session_carries_the_user_and_role(store: Store) -> None:
    make_user(store, "seller", "ana@acme.dev", name="Ana")
    token = sign_in(store, "ANA@acme.dev")
    found = sessions.session_for(store, token, now=NOW + timedelta(hours=1))
    assert found is not None
    assert (found.email, found.name, found.role) == ("ana@acme.dev", "Ana", "seller")
    assert found.actor.kind == "user"
    assert found.actor.id == found.user_id
    assert len(found.csrf_token) >= 32
    assert users.get_user(store, "ana@acme.dev").last_login_at is not None


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "deactivated", "no password"])
def test_every_failure_is_the_same_refusal(store: Store, case: str) -> None:
    make_user(store, "admin")
    make_user(store, "seller", "ana@acme.dev")
    email, password = "ana@acme.dev", PASSWORD
    if case == "wrong password":
        password = "not the password at all"
    elif case == "unknown email":
        email = "nobody@acme.dev"
    elif case == "deactivated":
        users.set_active(store, email, False, CLI)
    else:
        users.import_users(store, None, [{"email": "owner@acme.dev", "role": "seller"}])  # type: ignore[arg-type]
        email = "owner@acme.dev"
    with pytest.raises(AuthError) as caught:
        sign_in(store, email, password)
    assert type(caught.value) is AuthError
    assert caught.value.detail == sessions.SIGN_IN_REFUSED


def test_repeated_failures_are_throttled_per_email_and_address(store: Store) -> None:
    make_user(store, "seller", "ana@acme.dev")
    throttle = LoginThrottle(max_failures=3, window=timedelta(minutes=15))
    for _ in range(3):
        with pytest.raises(AuthError):
            sign_in(store, "ana@acme.dev", "wrong wrong wrong", throttle=throttle)
    with pytest.raises(TooManyAttempts, match="try again in 15 minutes"):
        sign_in(store, "ana@acme.dev", throttle=throttle)  # even the right password waits
    key = throttle.key("ana@acme.dev", "10.0.0.2")
    throttle.check(key, NOW)  # another address is not blocked
    throttle.check(throttle.key("ana@acme.dev", "10.0.0.1"), NOW + timedelta(minutes=16))


def test_sessions_expire(store: Store) -> None:
    make_user(store, "viewer")
    token = sign_in(store, "viewer@acme.dev")
    assert sessions.session_for(store, token, now=NOW + timedelta(hours=11, minutes=59))
    assert sessions.session_for(store, token, now=NOW + timedelta(hours=12)) is None
    assert sessions.purge_expired(store, now=NOW + timedelta(hours=13)) == 1


def test_sign_out_deactivation_and_password_reset_end_sessions(store: Store) -> None:
    make_user(store, "admin")
    make_user(store, "seller", "ana@acme.dev")
    later = NOW + timedelta(minutes=5)
    first, second, third = (sign_in(store, "ana@acme.dev") for _ in range(3))
    sessions.sign_out(store, first)
    assert sessions.session_for(store, first, now=later) is None
    assert sessions.session_for(store, second, now=later) is not None
    users.set_password(store, "ana@acme.dev", "a brand new passphrase", CLI)
    assert sessions.session_for(store, second, now=later) is None
    fourth = sign_in(store, "ana@acme.dev", "a brand new passphrase")
    users.set_active(store, "ana@acme.dev", False, CLI)
    assert sessions.session_for(store, fourth, now=later) is None
    assert sessions.session_for(store, third, now=later) is None


def test_a_role_change_applies_to_open_sessions(store: Store) -> None:
    make_user(store, "viewer", "ana@acme.dev")
    token = sign_in(store, "ana@acme.dev")
    users.set_role(store, "ana@acme.dev", "seller", CLI)
    found = sessions.session_for(store, token, now=NOW)
    assert found is not None
    assert found.role == "seller"
