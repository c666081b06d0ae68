"""``GET /api/v1/people``: who resolution says holds an identity (read-scope key)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from devfunnel.errors import AuthError, DevfunnelError, Forbidden, NotFound, ValidationError
from devfunnel.identity import lookup
from devfunnel.web.auth import ReadPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.problems import PROBLEM

router = APIRouter(prefix="/api/v1", tags=["people"])

_ERRORS: dict[int, type[DevfunnelError]] = {
    401: AuthError, 403: Forbidden, 404: NotFound, 422: ValidationError}  # fmt: skip
#: The problems every route behind a read-scope key can answer with.
READ_KEY_PROBLEMS = {
    401: "an API key is required",
    403: "a ingest key may not read; create a key with the read scope",
}


def problem_responses(details: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the RFC 9457 problems a route can answer with, each with an
    example built from the error class that ``web/problems.py`` turns into it."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status, detail in details.items():
        error = _ERRORS[status](detail)
        example = {"type": f"https://devfunnel.dev/problems/{error.type_slug}",
                   "title": error.title, "status": status, "detail": detail}  # fmt: skip
        responses[status] = {"description": error.title,
                             "content": {PROBLEM: {"example": example}}}  # fmt: skip
    return responses


class Identity(BaseModel):
    """One identity of the person: ``kind`` is email, user_id, github or anonymous_id."""

    model_config = ConfigDict(from_attributes=True)
    kind: str
    value: str
    first_seen: datetime | None
    last_seen: datetime | None


class AccountRef(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    domain: str | None
    name: str


class Person(BaseModel):
    """A resolved person. ``event_count``, ``first_seen`` and ``last_seen`` cover the
    events resolved to them as of the last resolution run."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str | None
    email: str | None
    title: str | None
    persona: str
    is_bot: bool
    is_internal: bool
    account: AccountRef | None
    identities: list[Identity]
    event_count: int
    first_seen: datetime | None
    last_seen: datetime | None


PERSON_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e8f", "name": "Jane Doe",
    "email": "jane.doe@acme.io", "title": "Staff Engineer", "persona": "developer",
    "is_bot": False, "is_internal": False,
    "account": {"id": "01963a4e-7c10-7000-8000-000000000001", "domain": "acme.io",
                "name": "Acme"},
    "identities": [
        {"kind": "email", "value": "jane.doe@acme.io", "first_seen": "2026-03-01T10:02:00Z",
         "last_seen": "2026-04-12T09:30:00Z"},
        {"kind": "user_id", "value": "u1", "first_seen": "2026-03-01T10:02:00Z",
         "last_seen": "2026-04-12T09:30:00Z"},
        {"kind": "github", "value": "janedoe", "first_seen": "2026-03-04T08:00:00Z",
         "last_seen": "2026-04-02T16:11:00Z"},
    ],
    "event_count": 214, "first_seen": "2026-02-27T18:45:00Z",
    "last_seen": "2026-04-12T09:30:00Z",
}  # fmt: skip


class People(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"people": [PERSON_EXAMPLE]}]})
    people: list[Person]


@router.get(
    "/people",
    response_model=People,
    summary="Find people by email, GitHub login or user id",
    responses=problem_responses(
        {
            **READ_KEY_PROBLEMS,
            422: "give exactly one of the query parameters email, github, user_id",
        }
    ),
)
def find_people(
    _: ReadPrincipal,
    store: StoreDep,
    email: Annotated[str | None, Query(description="Email address, any case.")] = None,
    github: Annotated[str | None, Query(description="GitHub login, any case.")] = None,
    user_id: Annotated[str | None, Query(description="Your product's user id, exact.")] = None,
) -> People:
    """The people holding the identity given by exactly one of ``email``, ``github`` or
    ``user_id``; an identity nobody holds gives an empty list."""
    found = lookup.find_people(store, email=email, github=github, user_id=user_id)
    return People(people=[Person.model_validate(p) for p in found])
