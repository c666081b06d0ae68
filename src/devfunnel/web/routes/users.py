"""``/api/v1/users``: users and roles, for admins (an admin user or an admin-scope key)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from devfunnel.admin import users
from devfunnel.web.auth import AdminPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.openapi import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["users"])

USER_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-00000000000a", "email": "ana@acme.dev", "name": "Ana Ruiz",
    "role": "seller", "active": True, "can_sign_in": True,
    "last_login_at": "2026-11-02T09:12:00Z", "created_at": "2026-10-01T08:00:00Z",
}  # fmt: skip
UserPath = Annotated[str, Path(description="The user's id or email.")]


class User(BaseModel):
    """A user; ``can_sign_in`` is false for deactivated users and for CRM owners imported
    without a password."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [USER_EXAMPLE]})
    id: uuid.UUID
    email: str
    name: str | None
    role: str
    active: bool
    can_sign_in: bool
    last_login_at: datetime | None
    created_at: datetime


class Users(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"users": [USER_EXAMPLE]}]})
    users: list[User]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=320)
    role: str = Field(description="admin, sales_manager, seller, devrel, product, "
                      "customer_success or viewer")  # fmt: skip
    password: str = Field(max_length=1024, description="At least 12 characters.")
    name: str | None = Field(default=None, max_length=200)


class UserChange(BaseModel):
    """Give ``role``, ``active`` or both."""

    model_config = ConfigDict(extra="forbid")
    role: str | None = None
    active: bool | None = None

    @model_validator(mode="after")
    def _something(self) -> UserChange:
        # A change that changes nothing is a client's mistake (a misspelt field, a null),
        # not a success to report.
        if self.role is None and self.active is None:
            raise ValueError("give role, active or both")
        return self


class NewPassword(BaseModel):
    password: str = Field(max_length=1024, description="At least 12 characters.")


_NEW_USER = {"seller": {"summary": "A seller", "value": {
    "email": "ana@acme.dev", "role": "seller", "name": "Ana Ruiz",
    "password": "correct horse battery staple"}}}  # fmt: skip
_CHANGE = {
    "role": {"summary": "Make a sales manager", "value": {"role": "sales_manager"}},
    "deactivate": {"summary": "Deactivate", "value": {"active": False}},
}
_PASSWORD = {"reset": {"summary": "A new password",
                       "value": {"password": "a long new passphrase"}}}  # fmt: skip


@router.get("/users", response_model=Users, summary="List users",
            responses=problem_responses(AUTH_PROBLEMS))  # fmt: skip
def list_users(_: AdminPrincipal, store: StoreDep) -> Users:
    """Every user, active or not, by email."""
    return Users(users=[User.model_validate(u) for u in users.list_users(store)])


@router.post(
    "/users", response_model=User, status_code=201, summary="Create a user who can sign in",
    responses=problem_responses({**AUTH_PROBLEMS, 409: "a user with the email ana@acme.dev "
        "exists; change it with set-role or set-password instead",
        422: "a password must have at least 12 characters (a few words work well)"}),
)  # fmt: skip
def create_user(
    principal: AdminPrincipal,
    store: StoreDep,
    body: Annotated[NewUser, Body(openapi_examples=_NEW_USER)],
) -> User:
    """The password is hashed with Argon2id; it is never stored or shown."""
    user = users.create_user(
        store, body.email, body.role, body.password, principal.actor, name=body.name
    )
    return User.model_validate(user)


@router.patch(
    "/users/{user}", response_model=User, summary="Change a user's role or deactivate them",
    responses=problem_responses({**AUTH_PROBLEMS, 404: "no user 'nobody@acme.dev'",
        409: "cannot deactivate ana@acme.dev: they are the last active admin; make another "
             "user admin first", 422: "unknown role 'boss'"}),
)  # fmt: skip
def change_user(
    principal: AdminPrincipal,
    store: StoreDep,
    user: UserPath,
    body: Annotated[UserChange, Body(openapi_examples=_CHANGE)],
) -> User:
    """A role change applies at the user's next request; deactivating ends their
    sessions and keeps their records. The last active admin cannot be demoted or
    deactivated."""
    changed = users.get_user(store, user)
    if body.role is not None:
        changed = users.set_role(store, changed.id, body.role, principal.actor)
    if body.active is not None:
        changed = users.set_active(store, changed.id, body.active, principal.actor)
    return User.model_validate(changed)


@router.put(
    "/users/{user}/password", response_model=User, summary="Reset a user's password",
    responses=problem_responses({**AUTH_PROBLEMS, 404: "no user 'nobody@acme.dev'",
        422: "a password must have at least 12 characters (a few words work well)"}),
)  # fmt: skip
def reset_password(
    principal: AdminPrincipal,
    store: StoreDep,
    user: UserPath,
    body: Annotated[NewPassword, Body(openapi_examples=_PASSWORD)],
) -> User:
    """The user's open sessions end; they sign in with the new password."""
    return User.model_validate(users.set_password(store, user, body.password, principal.actor))
