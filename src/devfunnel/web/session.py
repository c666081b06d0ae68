"""Cookies of the browser side: the signed session cookie, CSRF checks, flash messages.

- ``df_session`` holds the session token (see ``admin/sessions.py``), signed with the
  app's secret (``admin/secret_key.py``) so a tampered cookie is refused before any
  database look-up. HttpOnly (scripts cannot read it), SameSite=Lax (other sites' forms
  do not send it), Secure when ``server.public_url`` is https, and it expires with the
  session (``server.session_hours``).
- CSRF: every unsafe request (POST, PUT, PATCH, DELETE) made with the session cookie
  must carry the session's CSRF token, as the ``csrf_token`` form field (pages) or the
  ``X-CSRF-Token`` header (scripts). Requests with a Bearer key carry no cookie and are
  exempt. The sign-in form, made before a session exists, uses a signed double-submit
  cookie (``df_signin``) instead.
- ``df_flash`` carries a message across the redirect that follows a form post.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from devfunnel.admin import sessions
from devfunnel.admin.secret_key import secret_key
from devfunnel.admin.sessions import Session
from devfunnel.admin.throttle import LoginThrottle
from devfunnel.config import Settings
from devfunnel.errors import Forbidden
from devfunnel.store import Store

SESSION_COOKIE = "df_session"
SIGNIN_COOKIE = "df_signin"
FLASH_COOKIE = "df_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
#: The sign-in form must be posted within this many seconds of being shown.
SIGNIN_FORM_SECONDS = 3600
_NO_SESSION = object()


class WebSessions:
    """The app's cookie handling, one per app (``app.state.sessions``)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.hours = settings.server.session_hours
        self.secure = settings.server.public_url.lower().startswith("https://")
        self.throttle = LoginThrottle()
        self._serializer: URLSafeTimedSerializer | None = None
        self._lock = threading.Lock()

    @property
    def serializer(self) -> URLSafeTimedSerializer:
        """Made on first use: the secret may have to be generated in the database."""
        with self._lock:
            if self._serializer is None:
                self._serializer = URLSafeTimedSerializer(
                    secret_key(self.store, self.settings), salt="devfunnel.cookies"
                )
            return self._serializer

    # --- the session -------------------------------------------------------------------

    def current(self, request: Request) -> Session | None:
        """The request's live session, looked up once per request."""
        cached = getattr(request.state, "df_session", _NO_SESSION)
        if cached is not _NO_SESSION:
            return cached  # type: ignore[return-value]
        found: Session | None = None
        token = self._unsign(request.cookies.get(SESSION_COOKIE), "session", self.hours * 3600)
        if isinstance(token, str):
            found = sessions.session_for(self.store, token)
        request.state.df_session = found
        return found

    def token(self, request: Request) -> str | None:
        value = self._unsign(request.cookies.get(SESSION_COOKIE), "session", self.hours * 3600)
        return value if isinstance(value, str) else None

    def set_session(self, response: Response, token: str, expires: datetime) -> None:
        response.set_cookie(
            SESSION_COOKIE,
            self.serializer.dumps(token, salt="session"),
            max_age=self.hours * 3600,
            expires=expires,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )

    def clear_session(self, response: Response) -> None:
        response.delete_cookie(
            SESSION_COOKIE, path="/", httponly=True, secure=self.secure, samesite="lax"
        )

    # --- CSRF ----------------------------------------------------------------------------

    @staticmethod
    def check_csrf(session: Session, submitted: str | None) -> None:
        """Refuse an unsafe request whose token is not the session's."""
        if not submitted or not hmac.compare_digest(
            submitted.encode("utf-8"), session.csrf_token.encode("utf-8")
        ):
            raise Forbidden(
                "the request has no valid CSRF token: reload the page and try again (scripts "
                "send the token as the X-CSRF-Token header)",
                needed="csrf_token",
            )

    def signin_token(self, request: Request, response: Response) -> str:
        """A token for the sign-in form, also set as a signed cookie (double submit)."""
        token = secrets.token_urlsafe(24)
        response.set_cookie(
            SIGNIN_COOKIE,
            self.serializer.dumps(token, salt="signin"),
            max_age=SIGNIN_FORM_SECONDS,
            path="/login",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )
        return token

    def check_signin_token(self, request: Request, submitted: str | None) -> None:
        expected = self._unsign(request.cookies.get(SIGNIN_COOKIE), "signin", SIGNIN_FORM_SECONDS)
        if not (isinstance(expected, str) and submitted) or not hmac.compare_digest(
            expected.encode("utf-8"), submitted.encode("utf-8")
        ):
            raise Forbidden(
                "the sign-in form has expired or did not come from this site; reload it",
                needed="csrf_token",
            )

    # --- flash messages ------------------------------------------------------------------

    def flash(self, response: Response, kind: str, text: str, **extra: Any) -> None:
        """A message for the next page (``kind``: success, error, info or secret)."""
        response.set_cookie(
            FLASH_COOKIE,
            self.serializer.dumps({"kind": kind, "text": text, **extra}, salt="flash"),
            max_age=120,
            path="/",
            httponly=True,
            secure=self.secure,
            samesite="lax",
        )

    def take_flash(self, request: Request) -> dict[str, Any] | None:
        value = self._unsign(request.cookies.get(FLASH_COOKIE), "flash", 120)
        return value if isinstance(value, dict) else None

    def _unsign(self, value: str | None, salt: str, max_age: int) -> object:
        if not value:
            return None
        try:
            return self.serializer.loads(value, salt=salt, max_age=max_age)
        except BadSignature:
            return None


def web_sessions(request: Request) -> WebSessions:
    found: WebSessions = request.app.state.sessions
    return found


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
