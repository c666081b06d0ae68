"""The error tree: every error maps to one HTTP status, one exit code and a stable slug."""

from __future__ import annotations

import pytest

from devfunnel import errors
from devfunnel.errors import ConfigError, DevfunnelError, ValidationError

#: class -> (HTTP status, exit code, type slug), as documented in ``errors.py``.
EXPECTED: dict[type[DevfunnelError], tuple[int, int, str]] = {
    errors.DevfunnelError: (500, 1, "devfunnel-error"),
    errors.ConfigError: (500, 78, "config-error"),
    errors.ValidationError: (422, 65, "validation-error"),
    errors.MalformedRequest: (400, 65, "malformed-request"),
    errors.PayloadTooLarge: (413, 65, "payload-too-large"),
    errors.AuthError: (401, 77, "auth-error"),
    errors.Forbidden: (403, 77, "forbidden"),
    errors.TooManyAttempts: (429, 77, "too-many-attempts"),
    errors.NotFound: (404, 66, "not-found"),
    errors.Conflict: (409, 75, "conflict"),
    errors.StoreError: (503, 74, "store-error"),
    errors.StoreUnavailable: (503, 74, "store-unavailable"),
    errors.SchemaOutOfDate: (503, 74, "schema-out-of-date"),
    errors.ExternalServiceError: (502, 69, "external-service-error"),
}


def _all_subclasses(cls: type[DevfunnelError]) -> set[type[DevfunnelError]]:
    found = {cls}
    for sub in cls.__subclasses__():
        found |= _all_subclasses(sub)
    return found


def test_every_error_class_is_in_the_table() -> None:
    defined = {c for c in _all_subclasses(DevfunnelError) if c.__module__ == errors.__name__}
    assert defined == set(EXPECTED)


@pytest.mark.parametrize("cls", list(EXPECTED), ids=lambda c: c.__name__)
def test_status_exit_code_and_slug(cls: type[DevfunnelError]) -> None:
    status, exit_code, slug = EXPECTED[cls]
    error = cls("something went wrong")

    assert (cls.status, cls.exit_code) == (status, exit_code)
    assert error.type_slug == slug
    assert isinstance(cls.title, str)
    assert cls.title
    assert str(error) == "something went wrong"
    assert error.detail == "something went wrong"
    assert isinstance(error, Exception)


def test_context_is_kept() -> None:
    error = errors.NotFound("no such account", id="abc", kind="account")
    assert error.context == {"id": "abc", "kind": "account"}


def test_config_error_lists_its_problems() -> None:
    error = ConfigError("invalid configuration (x.toml)", problems=["a: bad", "b: worse"])

    assert str(error) == "invalid configuration (x.toml)\n  - a: bad\n  - b: worse"
    assert error.detail == "invalid configuration (x.toml)"
    assert ConfigError("plain").problems == []
    assert str(ConfigError("plain")) == "plain"


def test_validation_error_carries_field_errors() -> None:
    error = ValidationError("bad input", errors=[{"loc": ["a"], "msg": "no"}], value=1)

    assert error.errors == [{"loc": ["a"], "msg": "no"}]
    assert error.context == {"value": 1}
    assert ValidationError("x").errors == []
