"""Settings · API keys: create (the secret is shown once, on the answer to the form) and
revoke."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.admin import api_keys
from devfunnel.errors import NotFound, ValidationError
from devfunnel.vocabulary import API_KEY_SCOPES
from devfunnel.web.deps import StoreDep
from devfunnel.web.pages.nav import NavItem, register_settings
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_settings(NavItem("keys", "API keys", "/settings/keys", 20))
PATH = "/settings/keys"
SCOPE_HELP = {
    "ingest": "sends events (a Segment write key)",
    "read": "reads the JSON API",
    "write": "reads and changes records",
    "admin": "everything, including users and keys",
}


def _page(
    request: Request, store: StoreDep, show_revoked: bool, created: api_keys.CreatedKey | None
) -> HTMLResponse:
    return render(
        request,
        "settings/keys.html",
        {"keys": api_keys.list_keys(store, include_revoked=show_revoked),
         "scopes": API_KEY_SCOPES, "scope_help": SCOPE_HELP, "show_revoked": show_revoked,
         "created": created},
        status_code=201 if created else 200,
        no_store=True,
    )  # fmt: skip


@router.get(PATH, response_class=HTMLResponse)
def keys_page(
    request: Request, store: StoreDep, _: AdminPageUser, revoked: bool = False
) -> HTMLResponse:
    return _page(request, store, revoked, None)


@router.post(PATH, response_class=HTMLResponse)
def create(
    request: Request,
    store: StoreDep,
    principal: AdminPageUser,
    name: Annotated[str, Form(max_length=200)],
    scope: Annotated[str, Form(max_length=16)],
) -> Response:
    """Answers with the page itself (not a redirect), so the secret exists only in this
    one response, which is marked not to be stored."""
    try:
        created = api_keys.create_key(store, name, scope, principal.actor)
    except ValidationError as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return _page(request, store, False, created)


@router.post(PATH + "/{key_id}/revoke")
def revoke(
    request: Request, store: StoreDep, principal: AdminPageUser, key_id: uuid.UUID
) -> Response:
    try:
        key = api_keys.revoke_key(store, str(key_id), principal.actor)
    except NotFound as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(
        request, PATH, flash=("success", f"Revoked {key.scope} key {key.name} ({key.prefix}…).")
    )
