"""Who is calling: API keys sent as ``Authorization: Bearer`` (JSON API) or as a Segment
write key (HTTP Basic username with an empty password, or ``writeKey`` in the body).

Routes declare what they need with the ``Annotated`` aliases at the bottom; the session
login of people (the dashboard) will add another way to become a ``Principal``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from devfunnel.admin.api_keys import ApiKey, KeyVerifier
from devfunnel.admin.audit import Actor
from devfunnel.errors import AuthError


@dataclass(frozen=True)
class Principal:
    """An authenticated caller and what it may do."""

    actor: Actor
    key: ApiKey | None = None


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


def require(scope: str) -> object:
    """A dependency that admits a Bearer key holding ``scope``."""

    def dependency(request: Request) -> Principal:
        key = verifier(request).verify(bearer_token(request), scope)
        return Principal(actor=key.actor, key=key)

    return Depends(dependency)


ReadPrincipal = Annotated[Principal, require("read")]
WritePrincipal = Annotated[Principal, require("write")]
AdminPrincipal = Annotated[Principal, require("admin")]
