"""Saved views of the account list (``/api/v1/views``) and notes on accounts
(``/api/v1/accounts/{id_or_domain}/notes``, ``/api/v1/notes/{id}``): the same services
the dashboard's Accounts and account pages use.

Views belong to users, so they are reached with a signed-in session (scripts send the
session's ``X-CSRF-Token`` on changes); an API key has no views. Notes follow the
account's edit policy; their account is named as everywhere else in the API, by id,
domain, host or website URL (``web/account_path.py``).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.dashboard import account_notes, saved_views
from devfunnel.identity import lookup
from devfunnel.web import account_path
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.pipeline_common import problems

router = APIRouter(prefix="/api/v1", tags=["saved views and notes"])
#: The account a note is on, named as anywhere in the API.
AccountRef = Annotated[str, Path(description="The account's id, domain, host or website URL.")]

USER_ONLY = {
    401: "an API key is required",
    403: "saved views belong to signed-in users; an API key has none",
}
VIEW_ID = "01963a4e-7c10-7000-8000-0000000000a1"
VIEW_EXAMPLE: dict[str, Any] = {
    "id": VIEW_ID,
    "page": "accounts",
    "name": "A accounts in Build",
    "filters": {"grade": "A", "stage": "build"},
    "sort": "-momentum",
    "shared": False,
    "user_id": "01963a4e-7c10-7000-8000-0000000000c1",
    "owner": "Sam Seller",
    "created_at": "2026-11-02T09:15:00Z",
    "updated_at": "2026-11-02T09:15:00Z",
}


class View(BaseModel):
    """A saved view: the list's filters as query parameters, and its sort."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [VIEW_EXAMPLE]})
    id: uuid.UUID
    page: str
    name: str
    filters: dict[str, str]
    sort: str
    shared: bool
    user_id: uuid.UUID
    owner: str | None
    created_at: datetime
    updated_at: datetime


class ViewList(BaseModel):
    """The caller's views first, then those the team shared."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [VIEW_EXAMPLE]}]})
    items: list[View]


class NewView(BaseModel):
    """``filters`` take the Accounts list's parameters: ``q``, ``grade``, ``stage``,
    ``reached``, ``cohort`` (``2026-03``), ``owner`` (a user id, ``me`` or ``none``),
    ``pqa``, ``segment``, ``min_momentum``, ``min_fit``; ``sort`` one of ``momentum``,
    ``fit``, ``grade``, ``name``, ``stage``, ``developers``, ``owner`` (``-`` first for
    descending)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "A accounts in Build",
                    "filters": {"grade": "A", "stage": "build"},
                    "sort": "-momentum",
                    "shared": False,
                }
            ]
        },
    )
    name: str = Field(min_length=1, max_length=100)
    page: str = "accounts"
    filters: dict[str, str | int | float | bool] = Field(default_factory=dict)
    sort: str = "-momentum"
    shared: bool = False


@router.get(
    "/views",
    response_model=ViewList,
    summary="Your saved views and the team's shared ones",
    responses=problems({**USER_ONLY, 422: "unknown page 'deals'; views exist for accounts"}),
)
def get_views(
    principal: ReadPrincipal,
    store: StoreDep,
    page: Annotated[str, Query(description="The list the views filter.")] = "accounts",
) -> ViewList:
    """For example `GET /api/v1/views?page=accounts`. Open one in the dashboard at
    `/accounts?view=<id>`."""
    found = saved_views.list_views(store, principal, page)
    return ViewList(items=[View.model_validate(v) for v in found])


@router.post(
    "/views",
    response_model=View,
    status_code=201,
    summary="Save a view of a list",
    responses=problems(
        {
            **USER_ONLY,
            409: "you already have a view named 'A accounts in Build'; pick another name",
            422: "grade: unknown grade 'Z'; use one of A, B, C, D, F",
        }
    ),
)
def post_view(
    body: NewView, principal: ReadPrincipal, store: StoreDep, settings: SettingsDep
) -> View:
    """Filters are checked as the list checks them and stored normalised. Any role may
    save views (they change nothing but the caller's own list). Audited."""
    created = saved_views.create_view(
        store,
        settings,
        principal,
        name=body.name,
        page=body.page,
        sort=body.sort,
        shared=body.shared,
        filters={
            k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in body.filters.items()
        },
    )
    return View.model_validate(created)


@router.get(
    "/views/{view_id}",
    response_model=View,
    summary="One saved view",
    responses=problems({**USER_ONLY, 404: f"no saved view {VIEW_ID}"}),
)
def get_view(
    view_id: Annotated[uuid.UUID, Path(description="The view's id.")],
    principal: ReadPrincipal,
    store: StoreDep,
) -> View:
    """Yours, or one shared with the team; anyone else's is not found."""
    return View.model_validate(saved_views.get_view(store, principal, view_id))


@router.delete(
    "/views/{view_id}",
    response_model=View,
    summary="Delete one of your saved views",
    responses=problems(
        {
            **USER_ONLY,
            404: f"no saved view {VIEW_ID}",
        }
    ),
)
def remove_view(
    view_id: Annotated[uuid.UUID, Path(description="The view's id.")],
    principal: ReadPrincipal,
    store: StoreDep,
) -> View:
    """Only the view's owner deletes it (a shared view of someone else is 403). Answers
    the deleted view. Audited."""
    return View.model_validate(saved_views.delete_view(store, principal, view_id))


# --- notes ---------------------------------------------------------------------------

NOTE_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000b1",
    "account_id": "01963a4e-7c10-7000-8000-000000000001",
    "author_id": "01963a4e-7c10-7000-8000-0000000000c1",
    "author": "sam@acme.dev",
    "body": "Budget frees up in Q1; Jane (staff engineer) is the champion.",
    "created_at": "2026-11-02T09:15:00Z",
}


class Note(BaseModel):
    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [NOTE_EXAMPLE]})
    id: uuid.UUID
    account_id: uuid.UUID
    author_id: uuid.UUID | None
    author: str | None
    body: str
    created_at: datetime


class NoteList(BaseModel):
    """Newest first."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [NOTE_EXAMPLE]}]})
    items: list[Note]


class NewNote(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"body": "Budget frees up in Q1; Jane (staff engineer) is the champion."}]
        },
    )
    body: str = Field(min_length=1, max_length=5000)


NOTE_WRITE = {
    401: "an API key is required",
    403: "a seller may change only their own records, and the account 'Acme' is not theirs",
}


@router.get(
    f"/accounts/{{id_or_domain:{account_path.NAME}}}/notes",
    response_model=NoteList,
    summary="Notes on an account",
    responses=problems(
        {
            401: "an API key is required",
            403: "a ingest key may not read",
            404: "no account with the id 01963a4e-7c10-7000-8000-000000000001",
        }
    ),
)
def get_notes(id_or_domain: AccountRef, _: ReadPrincipal, store: StoreDep) -> NoteList:
    """Notes written in devfunnel, newest first (CRM notes are conversations)."""
    with store.read() as conn:
        live = lookup.account_id_for(conn, id_or_domain)
    return NoteList(items=[Note.model_validate(n) for n in account_notes.list_notes(store, live)])


@router.post(
    f"/accounts/{{id_or_domain:{account_path.NAME}}}/notes",
    response_model=Note,
    status_code=201,
    summary="Add a note to an account",
    responses=problems(
        {
            **NOTE_WRITE,
            404: "no account with the id 01963a4e-7c10-7000-8000-000000000001",
            422: "the note is empty",
        }
    ),
)
def post_note(
    id_or_domain: AccountRef, body: NewNote, principal: WritePrincipal, store: StoreDep
) -> Note:
    """Admins and sales managers note any account; sellers, DevRel and customer success
    the accounts they own; product and viewers none. Audited."""
    with store.read() as conn:
        account_id = lookup.account_id_for(conn, id_or_domain)
    return Note.model_validate(account_notes.add_note(store, principal, account_id, body.body))


@router.delete(
    "/notes/{note_id}",
    response_model=Note,
    summary="Delete a note",
    responses=problems({**NOTE_WRITE, 404: "no note 01963a4e-7c10-7000-8000-0000000000b1"}),
)
def remove_note(
    note_id: Annotated[uuid.UUID, Path(description="The note's id.")],
    principal: WritePrincipal,
    store: StoreDep,
) -> Note:
    """Whoever may edit the account, or the note's author while they may edit their own
    records. Answers the deleted note. Audited."""
    return Note.model_validate(account_notes.delete_note(store, principal, note_id))
