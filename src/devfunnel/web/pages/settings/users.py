"""Settings · Users: create users, change roles, reset passwords, deactivate."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from devfunnel.admin import users
from devfunnel.admin.passwords import MIN_LENGTH
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.vocabulary import ROLES
from devfunnel.web.deps import StoreDep
from devfunnel.web.pages.nav import NavItem, register_settings
from devfunnel.web.pages.shell import AdminPageUser, PageRoute, redirect, render

router = APIRouter(route_class=PageRoute, include_in_schema=False)
register_settings(NavItem("users", "Users", "/settings/users", 10))
PATH = "/settings/users"
#: What each role may do, shown beside the role picker (docs/users.md says the same).
ROLE_HELP = {
    "admin": "everything, including users, keys and settings",
    "sales_manager": "reads everything; changes any sales record; merges people",
    "seller": "reads everything; changes the records they own",
    "devrel": "reads everything; changes the records they own; merges people",
    "customer_success": "reads everything; changes the records they own",
    "product": "reads everything; changes nothing",
    "viewer": "reads everything; changes nothing",
}

Failure = (ValidationError, Conflict, NotFound)


@router.get(PATH, response_class=HTMLResponse)
def users_page(request: Request, store: StoreDep, _: AdminPageUser) -> HTMLResponse:
    return render(
        request,
        "settings/users.html",
        {"users": users.list_users(store), "roles": ROLES, "role_help": ROLE_HELP,
         "min_length": MIN_LENGTH},
    )  # fmt: skip


@router.post(PATH)
def create(
    request: Request,
    store: StoreDep,
    principal: AdminPageUser,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=32)],
    password: Annotated[str, Form(max_length=2048)],
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        user = users.create_user(store, email, role, password, principal.actor, name=name)
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(request, PATH, flash=("success", f"Created {user.role} {user.email}."))


@router.post(PATH + "/{user_id}/role")
def change_role(
    request: Request,
    store: StoreDep,
    principal: AdminPageUser,
    user_id: uuid.UUID,
    role: Annotated[str, Form(max_length=32)],
) -> Response:
    try:
        user = users.set_role(store, user_id, role, principal.actor)
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    return redirect(request, PATH, flash=("success", f"{user.email} is now {user.role}."))


@router.post(PATH + "/{user_id}/password")
def reset_password(
    request: Request,
    store: StoreDep,
    principal: AdminPageUser,
    user_id: uuid.UUID,
    password: Annotated[str, Form(max_length=2048)],
) -> Response:
    try:
        user = users.set_password(store, user_id, password, principal.actor)
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    text = f"Password of {user.email} changed; their open sessions were ended."
    if user.id == principal.user_id:
        text = "Your password changed; sign in again with the new one."
    return redirect(request, PATH, flash=("success", text))


@router.post(PATH + "/{user_id}/active")
def set_active(
    request: Request,
    store: StoreDep,
    principal: AdminPageUser,
    user_id: uuid.UUID,
    active: Annotated[bool, Form()],
) -> Response:
    try:
        user = users.set_active(store, user_id, active, principal.actor)
    except Failure as exc:
        return redirect(request, PATH, flash=("error", exc.detail))
    state = "active again" if user.active else "deactivated"
    return redirect(request, PATH, flash=("success", f"{user.email} is {state}."))
