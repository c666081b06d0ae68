"""``GET /api/v1/me``: who the caller is and what they may do."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from devfunnel.admin.permissions import can_edit_something, can_manage, can_read
from devfunnel.web.auth import ReadPrincipal
from devfunnel.web.openapi import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["users"])


EXAMPLE: dict[str, Any] = {
    "kind": "user", "id": "01963a4e-7c10-7000-8000-00000000000a", "label": "ana@acme.dev",
    "role": "seller", "scope": None, "read": True, "edit": True, "manage": False,
}  # fmt: skip


class Me(BaseModel):
    """A user (with ``role``) or an API key (with ``scope``), and what it may do:
    ``read`` the data, ``edit`` records (some, for roles that edit their own), ``manage``
    users, keys and settings."""

    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})
    kind: Literal["user", "api_key"]
    id: uuid.UUID | None
    label: str
    role: str | None
    scope: str | None
    read: bool
    edit: bool
    manage: bool


@router.get(
    "/me",
    response_model=Me,
    summary="Who is calling, and what they may do",
    responses=problem_responses({401: AUTH_PROBLEMS[401]}),
)
def me(principal: ReadPrincipal) -> Me:
    """The signed-in user (session cookie) or the API key (Bearer) making the request."""
    return Me(
        kind="user" if principal.is_user else "api_key",
        id=principal.actor.id,
        label=principal.label,
        role=principal.role,
        scope=principal.scope,
        read=can_read(principal),
        edit=can_edit_something(principal),
        manage=can_manage(principal),
    )
