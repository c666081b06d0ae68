"""What every dashboard page shares: who is signed in, rendering inside the base layout,
errors as HTML pages, and the post-redirect-get pattern with flash messages.

A page module makes its router with ``APIRouter(route_class=PageRoute,
include_in_schema=False)``, takes the caller as :data:`PageUser` (any signed-in user) or
:data:`AdminPageUser` (admins), and answers with :func:`render`. Then:

- a signed-out visitor is sent to ``/login?next=<the page>``;
- an unsafe request (a form post) without the session's CSRF token is refused;
- a ``DevfunnelError`` (Forbidden, NotFound, ...) becomes an HTML error page with its
  status, instead of the JSON problem the API answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from devfunnel.admin.permissions import Principal, require_manage
from devfunnel.admin.sessions import Session
from devfunnel.errors import DevfunnelError
from devfunnel.web.pages import templates
from devfunnel.web.pages.nav import active_key, settings_nav, top_nav
from devfunnel.web.session import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, web_sessions

log = logging.getLogger(__name__)


class SignInRequired(Exception):
    """Raised by :func:`page_user` for a signed-out visitor; becomes a redirect."""


class PageRoute(APIRoute):
    """A route whose failures are pages: sign-in redirects and HTML error pages."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            except DevfunnelError as exc:
                return render_error(request, exc.status, exc.title, exc.detail)
            except RequestValidationError as exc:
                fields = ", ".join(".".join(map(str, e.get("loc", ()))) for e in exc.errors())
                return render_error(request, 422, "Invalid input", f"check these: {fields}")

        return page_handler


async def page_user(request: Request) -> Principal:
    """The signed-in user; on unsafe methods, also checks the form's CSRF token."""
    sessions = web_sessions(request)
    session = sessions.current(request)
    if session is None:
        raise SignInRequired
    if request.method not in SAFE_METHODS:
        submitted = request.headers.get(CSRF_HEADER)
        if submitted is None:
            form = await request.form()
            value = form.get(CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
        sessions.check_csrf(session, submitted)
    principal = Principal(actor=session.actor, user_id=session.user_id, role=session.role)
    request.state.principal = principal
    return principal


async def admin_page_user(principal: Annotated[Principal, Depends(page_user)]) -> Principal:
    require_manage(principal, what="users, keys and settings")
    return principal


PageUser = Annotated[Principal, Depends(page_user)]
AdminPageUser = Annotated[Principal, Depends(admin_page_user)]


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    no_store: bool = False,
) -> HTMLResponse:
    """``template`` inside the base layout, with the shell's context: the user, the
    navigation, the CSRF token and any flash message (shown once)."""
    sessions = web_sessions(request)
    session: Session | None = sessions.current(request)
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None and session is not None:
        principal = Principal(actor=session.actor, user_id=session.user_id, role=session.role)
    nav = top_nav(principal) if principal else []
    side = settings_nav(principal) if principal else []
    flash = sessions.take_flash(request)
    shell = {
        "company": sessions.settings.company.name,
        "session": session,
        "principal": principal,
        "csrf_token": session.csrf_token if session else "",
        "nav": nav,
        "nav_active": active_key(nav, request.url.path),
        "settings_nav": side,
        "settings_active": active_key(side, request.url.path),
        "flash": flash,
    }
    response = templates.TemplateResponse(
        request, template, {**shell, **(context or {})}, status_code=status_code
    )
    if flash is not None:
        response.delete_cookie("df_flash", path="/")
    if no_store or session is not None:
        response.headers["Cache-Control"] = "no-store"
    return response


def render_error(request: Request, status: int, title: str, detail: str) -> HTMLResponse:
    return render(
        request, "error.html", {"status": status, "title": title, "detail": detail},
        status_code=status,
    )  # fmt: skip


def redirect(request: Request, to: str, *, flash: tuple[str, str] | None = None) -> Response:
    """A 303 to ``to`` (after a form post), carrying an optional ``(kind, text)`` message."""
    response = RedirectResponse(to, status_code=303)
    if flash is not None:
        web_sessions(request).flash(response, *flash)
    return response


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target from user input: a path on this site, never another origin."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target
