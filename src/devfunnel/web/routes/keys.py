"""``/api/v1/keys``: API keys, for admins. A new key's secret is in the creation answer
and nowhere else."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.admin import api_keys
from devfunnel.web.auth import AdminPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.openapi import AUTH_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["keys"])

KEY_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000b1", "name": "web app",
    "prefix": "df_ingest_nOJBa1Ya", "scope": "ingest", "created_at": "2026-10-01T08:00:00Z",
    "last_used_at": "2026-11-02T09:12:00Z", "revoked_at": None,
}  # fmt: skip


class Key(BaseModel):
    """A key as lists show it: its prefix tells keys apart; the secret is never shown
    again after creation."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [KEY_EXAMPLE]})
    id: uuid.UUID
    name: str
    prefix: str
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class Keys(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"keys": [KEY_EXAMPLE]}]})
    keys: list[Key]


class NewKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=100, description="What the key is for.")
    scope: str = Field(description="ingest, read, write or admin")


class CreatedKey(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "key": KEY_EXAMPLE,
        "secret": "df_ingest_nOJBa1YaPSyaGouo9y52TE2KtBy6x5oNqUt-ho7xwXc"}]})  # fmt: skip
    key: Key
    #: Shown in this answer only; store it safely.
    secret: str


_NEW_KEY = {"ingest": {"summary": "A Segment write key",
                       "value": {"name": "web app", "scope": "ingest"}}}  # fmt: skip


@router.get("/keys", response_model=Keys, summary="List API keys",
            responses=problem_responses(AUTH_PROBLEMS))  # fmt: skip
def list_keys(
    _: AdminPrincipal,
    store: StoreDep,
    include_revoked: Annotated[bool, Query(description="Also list revoked keys.")] = False,
) -> Keys:
    """Keys by creation time, never their secrets."""
    found = api_keys.list_keys(store, include_revoked=include_revoked)
    return Keys(keys=[Key.model_validate(k) for k in found])


@router.post(
    "/keys", response_model=CreatedKey, status_code=201,
    summary="Create an API key (the secret is shown once)",
    responses=problem_responses({**AUTH_PROBLEMS,
        422: "unknown scope 'owner'; use one of: ingest, read, write, admin"}),
)  # fmt: skip
def create_key(
    principal: AdminPrincipal,
    store: StoreDep,
    body: Annotated[NewKey, Body(openapi_examples=_NEW_KEY)],
) -> CreatedKey:
    """Only the key's SHA-256 is stored; the answer holds the one copy of the secret."""
    created = api_keys.create_key(store, body.name, body.scope, principal.actor)
    return CreatedKey(key=Key.model_validate(created.key), secret=created.secret)


@router.delete(
    "/keys/{key}", response_model=Key, summary="Revoke an API key",
    responses=problem_responses({**AUTH_PROBLEMS,
        404: "no API key 'df_read_xxxx' (give its id or the prefix `devfunnel keys list` "
             "shows)"}),
)  # fmt: skip
def revoke_key(
    principal: AdminPrincipal,
    store: StoreDep,
    key: Annotated[str, Path(description="The key's id or prefix.")],
) -> Key:
    """Requests with the key are refused from then on (within seconds: verified keys are
    cached for 5 s). Revoking a revoked key changes nothing."""
    return Key.model_validate(api_keys.revoke_key(store, key, principal.actor))
