"""``/login`` and ``/logout``: signing in with an email and a password, and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from devfunnel.admin import sessions
from devfunnel.errors import AuthError, Forbidden, TooManyAttempts
from devfunnel.web.deps import StoreDep
from devfunnel.web.pages.shell import PageRoute, PageUser, redirect, render, safe_next
from devfunnel.web.session import client_ip, web_sessions

router = APIRouter(route_class=PageRoute, include_in_schema=False)


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form; a signed-in visitor goes straight on."""
    target = safe_next(next)
    if web_sessions(request).current(request) is not None:
        return RedirectResponse(target, status_code=303)
    return _form(request, target)


@router.post("/login")
async def login(
    request: Request,
    store: StoreDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=2048)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    web = web_sessions(request)
    target = safe_next(next)
    try:
        web.check_signin_token(request, csrf_token)
    except Forbidden as exc:
        return _form(request, target, email=email, error=exc.detail, status_code=403)
    try:
        token, session = await run_in_threadpool(
            sessions.sign_in,
            store,
            email,
            password,
            hours=web.hours,
            throttle=web.throttle,
            ip=client_ip(request),
            user_agent=request.headers.get("user-agent"),
        )
    except TooManyAttempts as exc:
        return _form(request, target, email=email, error=exc.detail, status_code=429)
    except AuthError:
        return _form(request, target, email=email, error="The email or password is not right.",
                     status_code=401)  # fmt: skip
    response = RedirectResponse(target, status_code=303)
    web.set_session(response, token, session.expires_at)
    response.delete_cookie("df_signin", path="/login")
    return response


@router.post("/logout")
def logout(request: Request, store: StoreDep, _: PageUser) -> Response:
    """End the session (CSRF-checked, so another site cannot sign people out)."""
    web = web_sessions(request)
    token = web.token(request)
    if token is not None:
        sessions.sign_out(store, token)
    response = redirect(request, "/login", flash=("info", "You are signed out."))
    web.clear_session(response)
    return response


def _form(
    request: Request,
    target: str,
    *,
    email: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    placeholder = Response()
    token = web_sessions(request).signin_token(request, placeholder)
    response = render(
        request,
        "login.html",
        {"next": target, "email": email, "error": error, "signin_token": token},
        status_code=status_code,
        no_store=True,
    )
    for key, value in placeholder.headers.items():
        if key == "set-cookie":
            response.headers.append(key, value)
    return response
