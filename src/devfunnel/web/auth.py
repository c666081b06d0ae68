"""Who is calling: API keys sent as ``Authorization: Bearer`` (JSON API) or as a Segment
write key (HTTP Basic username with an empty password, or ``writeKey`` in the body).

Routes declare what they need with the ``Annotated`` aliases at the bottom and ask
``devfunnel.admin.permissions`` whether the caller may change a given record. The session
login of people (the dashboard) is the other way to become a ``Principal``: when
``session_principal`` finds a signed-in user, a route admits them by their role, and an
unsafe request made that way must carry the session's CSRF token (``X-CSRF-Token``).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Depends, Request

from devfunnel.admin.api_keys import KeyVerifier
from devfunnel.admin.permissions import Principal, can_edit_something, can_manage, can_read
from devfunnel.errors import AuthError, Forbidden
from devfunnel.web.session import CSRF_HEADER, SAFE_METHODS, web_sessions

__all__ = ["AdminPrincipal", "Principal", "ReadPrincipal", "WritePrincipal", "require"]


def verifier(request: Request) -> KeyVerifier:
    found: KeyVerifier = request.app.state.key_verifier
    return found


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def basic_username(request: Request) -> str | None:
    """The username of HTTP Basic auth (Segment sends the write key there)."""
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthError("the Authorization header is not valid HTTP Basic credentials") from None
    return decoded.partition(":")[0] or None


def session_principal(request: Request) -> Principal | None:
    """The signed-in user of the request's session cookie, if any."""
    session = web_sessions(request).current(request)
    if session is None:
        return None
    return Principal(actor=session.actor, user_id=session.user_id, role=session.role)


def session_csrf(request: Request) -> None:
    """Refuse an unsafe request made with the session cookie but without its CSRF token
    (the ``X-CSRF-Token`` header); see ``web/session.py``."""
    session = web_sessions(request).current(request)
    if session is not None and request.method not in SAFE_METHODS:
        web_sessions(request).check_csrf(session, request.headers.get(CSRF_HEADER))


_ROLE_CHECKS = {"read": can_read, "write": can_edit_something, "admin": can_manage}


def require(scope: str) -> object:
    """A dependency that admits a Bearer key holding ``scope``, or a signed-in user whose
    role allows the same (read: any role; write: a role that edits something; admin:
    admins). Whether the caller may change a particular record is the route's question
    (``permissions.require_edit``)."""

    def dependency(request: Request) -> Principal:
        token = bearer_token(request)
        if token is None:
            user = session_principal(request)
            if user is not None:
                session_csrf(request)
                if not _ROLE_CHECKS[scope](user):
                    raise Forbidden(f"a {user.role} may not {scope}", needed=scope)
                return user
        key = verifier(request).verify(token, scope)
        return Principal(actor=key.actor, scope=key.scope)

    return Depends(dependency)


ReadPrincipal = Annotated[Principal, require("read")]
WritePrincipal = Annotated[Principal, require("write")]
AdminPrincipal = Annotated[Principal, require("admin")]
