"""The one exception tree every expected failure in devfunnel belongs to.

Each class carries the HTTP status and CLI exit code it maps to, so the web layer and the
CLI each translate errors in exactly one place (``web/problems.py`` and ``cli/errors.py``)
and no traceback reaches a user for something we anticipated.

::

    DevfunnelError                      500  exit 1
    ├── ConfigError                     500  exit 78 (EX_CONFIG)
    ├── ValidationError                 422  exit 65 (EX_DATAERR)
    │   ├── MalformedRequest            400  exit 65
    │   └── PayloadTooLarge             413  exit 65
    ├── AuthError                       401  exit 77 (EX_NOPERM)
    │   ├── Forbidden                   403  exit 77
    │   └── TooManyAttempts             429  exit 77
    ├── NotFound                        404  exit 66 (EX_NOINPUT)
    ├── Conflict                        409  exit 75 (EX_TEMPFAIL)
    ├── StoreError                      503  exit 74 (EX_IOERR)
    │   ├── StoreUnavailable            503  exit 74
    │   └── SchemaOutOfDate             503  exit 74
    └── ExternalServiceError            502  exit 69 (EX_UNAVAILABLE)
"""

from __future__ import annotations

from typing import Any, ClassVar


class DevfunnelError(Exception):
    """Root of every error devfunnel raises on purpose.

    ``detail`` is the sentence shown to the user; ``context`` holds structured facts
    (the key, the value, the id) that the API returns alongside it.
    """

    status: ClassVar[int] = 500
    exit_code: ClassVar[int] = 1
    title: ClassVar[str] = "Internal error"

    def __init__(self, detail: str, **context: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.context = context

    @property
    def type_slug(self) -> str:
        """A stable identifier for the kind of problem, used as the RFC 9457 ``type``."""
        name = type(self).__name__
        return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")


class ConfigError(DevfunnelError):
    """The configuration (file, environment or flags) cannot be used as given."""

    status = 500
    exit_code = 78
    title = "Invalid configuration"

    def __init__(self, detail: str, *, problems: list[str] | None = None, **context: Any):
        super().__init__(detail, **context)
        self.problems = problems or []

    def __str__(self) -> str:
        if not self.problems:
            return self.detail
        return self.detail + "\n" + "\n".join(f"  - {p}" for p in self.problems)


class ValidationError(DevfunnelError):
    """Input from a user or a client is malformed or breaks a rule."""

    status = 422
    exit_code = 65
    title = "Invalid input"

    def __init__(self, detail: str, *, errors: list[dict[str, Any]] | None = None, **context: Any):
        super().__init__(detail, **context)
        self.errors = errors or []


class MalformedRequest(ValidationError):
    """The body cannot be decoded at all (not JSON, broken gzip): 400, as Segment answers."""

    status = 400
    title = "Malformed request"


class PayloadTooLarge(ValidationError):
    """A request or record is over a published size limit."""

    status = 413
    title = "Payload too large"


class AuthError(DevfunnelError):
    """The caller did not prove who they are."""

    status = 401
    exit_code = 77
    title = "Authentication required"


class Forbidden(AuthError):
    """The caller is known but may not do this."""

    status = 403
    title = "Forbidden"


class TooManyAttempts(AuthError):
    """Repeated failed sign-ins: the caller must wait before trying again."""

    status = 429
    title = "Too many attempts"


class NotFound(DevfunnelError):
    """An id, key or name does not exist."""

    status = 404
    exit_code = 66
    title = "Not found"


class Conflict(DevfunnelError):
    """The request collides with the current state (a duplicate, a refused move)."""

    status = 409
    exit_code = 75
    title = "Conflict"


class StoreError(DevfunnelError):
    """The database could not do what was asked; nothing was half-written."""

    status = 503
    exit_code = 74
    title = "Store error"


class StoreUnavailable(StoreError):
    """The database cannot be reached or opened (down, locked by another process)."""

    title = "Store unavailable"


class SchemaOutOfDate(StoreError):
    """The database schema is older than this version of devfunnel expects."""

    title = "Schema out of date"


class ExternalServiceError(DevfunnelError):
    """A system devfunnel talks to (CRM, webhook receiver) failed."""

    status = 502
    exit_code = 69
    title = "External service error"
