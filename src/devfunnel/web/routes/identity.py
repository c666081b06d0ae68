"""Identity review over the API: search people, one person with their merge history,
merge suggestions with their evidence, deciding them, and undoing merges.

Reading needs a read-scope key (or any signed-in user). Deciding and unmerging need a
write-scope key or a signed-in admin, sales manager or DevRel
(``identity.review.MERGE_ROLES``); each is audited. The same functions serve the People
page and ``devfunnel identity``.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.identity import review
from devfunnel.store.query import MOST_OFFSET
from devfunnel.web.auth import ReadPrincipal, WritePrincipal
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes.people import PERSON_EXAMPLE, Person
from devfunnel.web.routes.pipeline_common import PageInfo, problems

router = APIRouter(prefix="/api/v1", tags=["identity"])

READ = {401: "an API key is required", 403: "a ingest key may not read data"}
MERGE = {
    401: "an API key is required",
    403: "a seller may not merge or unmerge people; admins, sales managers and DevRel may",
}
SUGGESTION_ID = "01963a4e-7c10-7000-8000-0000000000f1"
MERGE_ID = "01963a4e-7c10-7000-8000-0000000000f2"
OTHER_PERSON: dict[str, Any] = {
    **PERSON_EXAMPLE,
    "id": "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e90",
    "email": "jane.doe@gmail.com",
    "account": None,
    "identities": [{"kind": "email", "value": "jane.doe@gmail.com",
                    "first_seen": "2026-03-09T12:00:00Z", "last_seen": "2026-03-09T12:00:00Z"}],
    "event_count": 3,
}  # fmt: skip
EVIDENCE_EXAMPLE: list[dict[str, Any]] = [
    {"comparison": "name", "level": 3, "match_weight": 4.1, "bayes_factor": 17.148,
     "left": {"full_name": "jane doe"}, "right": {"full_name": "jane doe"}},
    {"comparison": "email", "level": 1, "match_weight": 1.2, "bayes_factor": 2.297,
     "left": {"email_local": "jane.doe", "email_domain": "acme.io"},
     "right": {"email_local": "jane.doe", "email_domain": "gmail.com"}},
]  # fmt: skip
SUGGESTION_EXAMPLE: dict[str, Any] = {
    "id": SUGGESTION_ID, "probability": 0.91, "match_weight": 6.2, "status": "pending",
    "evidence": EVIDENCE_EXAMPLE, "person_a": PERSON_EXAMPLE, "person_b": OTHER_PERSON,
    "created_at": "2026-05-04T09:00:00Z", "decided_at": None, "decided_by": None,
}  # fmt: skip
MERGE_EXAMPLE: dict[str, Any] = {
    "id": MERGE_ID, "kind": "manual", "winner_id": PERSON_EXAMPLE["id"],
    "loser_id": OTHER_PERSON["id"], "loser_name": "Jane Doe",
    "loser_email": "jane.doe@gmail.com", "identity_keys": ["email:jane.doe@gmail.com"],
    "suggestion_id": SUGGESTION_ID, "merged_by": "dana.devrel@acme.dev",
    "merged_at": "2026-05-04T10:00:00Z", "undone_at": None, "undone": False,
}  # fmt: skip


class Suggestion(BaseModel):
    """A pair that may be one person. ``evidence`` has one entry per comparison (name,
    email, handle, company, title): the values compared (``left``/``right``), the level
    reached and its ``match_weight`` (log2 of the Bayes factor; positive counts for a
    match). The people are shown as they are now (after any later merges)."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [SUGGESTION_EXAMPLE]}
    )
    id: uuid.UUID
    probability: float
    match_weight: float
    status: str
    evidence: list[dict[str, Any]]
    person_a: Person | None
    person_b: Person | None
    created_at: datetime
    decided_at: datetime | None
    decided_by: str | None


class Suggestions(PageInfo):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"suggestions": [SUGGESTION_EXAMPLE], "total": 1, "limit": 50, "offset": 0,
                 "next_offset": None}
            ]
        }
    )  # fmt: skip
    suggestions: list[Suggestion]


class Merge(BaseModel):
    """A merge: who survived (``winner_id``), who was absorbed, which identities moved."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [MERGE_EXAMPLE]})
    id: uuid.UUID
    kind: str
    winner_id: uuid.UUID
    loser_id: uuid.UUID
    loser_name: str | None
    loser_email: str | None
    identity_keys: list[str]
    suggestion_id: uuid.UUID | None
    merged_by: str | None
    merged_at: datetime
    undone_at: datetime | None
    undone: bool


class PersonDetail(BaseModel):
    """A person with their identities and account, merge history (newest first) and
    pending merge suggestions. ``asked_for`` is the id asked for when it was merged into
    this person."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {"person": PERSON_EXAMPLE, "merges": [MERGE_EXAMPLE], "suggestions": [],
                 "asked_for": None}
            ]
        },
    )  # fmt: skip
    person: Person
    merges: list[Merge]
    suggestions: list[Suggestion]
    asked_for: uuid.UUID | None


class Found(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"people": [PERSON_EXAMPLE]}]})
    people: list[Person]


class Decision(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Same person: personal and work email"}]},
    )
    reason: str | None = Field(default=None, max_length=2000, description="Why (audited).")


class Decided(BaseModel):
    """What a decision did: ``merge`` and ``person`` (the survivor) when accepted."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"suggestion": SUGGESTION_ID, "status": "accepted", "merge": MERGE_ID,
                 "person": PERSON_EXAMPLE["id"]},
                {"suggestion": SUGGESTION_ID, "status": "rejected", "merge": None,
                 "person": None},
            ]
        }
    )  # fmt: skip
    suggestion: uuid.UUID
    status: str
    merge: uuid.UUID | None = None
    person: uuid.UUID | None = None


class Unmerge(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"reason": "Two different Jane Does", "block": True}]},
    )
    reason: str | None = Field(default=None, max_length=2000, description="Why (audited).")
    block: bool = Field(default=True, description="Never merge the two again.")


class Unmerged(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"merge": MERGE_ID, "person": PERSON_EXAMPLE["id"],
                          "restored": OTHER_PERSON["id"]}]
        }
    )  # fmt: skip
    merge: uuid.UUID
    person: uuid.UUID
    restored: uuid.UUID


@router.get(
    "/people/search",
    response_model=Found,
    summary="Search people by name, email or any identity",
    responses=problems({**READ, 422: "search text must have at most 200 characters"}),
)
def search(
    _: ReadPrincipal,
    store: StoreDep,
    q: Annotated[str | None, Query(description="Part of a name, email, login or id.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> Found:
    """Live people whose name, email or identity contains ``q`` (any case), the most
    recently seen first; without ``q``, the most recently seen people."""
    found = review.search_people(store, q, limit=limit)
    return Found(people=[Person.model_validate(p) for p in found])


@router.get(
    "/people/{person_id}",
    response_model=PersonDetail,
    summary="A person with their identities, merge history and suggestions",
    responses=problems({**READ, 404: f"no person {PERSON_EXAMPLE['id']}"}),
)
def get_person(
    person_id: Annotated[uuid.UUID, Path(description="The person's id (merged ids too).")],
    _: ReadPrincipal,
    store: StoreDep,
) -> PersonDetail:
    """An id that was merged away leads to the surviving person (``asked_for`` says so)."""
    return PersonDetail.model_validate(review.person_detail(store, person_id))


@router.get(
    "/identity/suggestions",
    response_model=Suggestions,
    summary="Merge suggestions with their probability and evidence",
    responses=problems({**READ, 422: "unknown status 'open'; use one of: pending, accepted, "
                        "rejected, auto_merged, stale"}),
)  # fmt: skip
def list_suggestions(
    _: ReadPrincipal,
    store: StoreDep,
    status: Annotated[
        str, Query(description="pending, accepted, rejected, auto_merged or stale.")
    ] = "pending",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MOST_OFFSET)] = 0,
) -> Suggestions:
    """The most probable first, paginated with `limit` and `offset`."""
    found, total = review.list_suggestions(store, status=status, limit=limit, offset=offset)
    following = offset + limit
    return Suggestions(
        suggestions=[Suggestion.model_validate(s) for s in found],
        total=total,
        limit=limit,
        offset=offset,
        next_offset=following if following < total else None,
    )


DECIDE_ERRORS = {
    **MERGE,
    404: f"no merge suggestion {SUGGESTION_ID}",
    409: f"suggestion {SUGGESTION_ID} is already accepted",
}


@router.post(
    "/identity/suggestions/{suggestion_id}/accept",
    response_model=Decided,
    summary="Accept a merge suggestion: merge the two people",
    responses=problems(DECIDE_ERRORS),
)
def accept(
    suggestion_id: Annotated[uuid.UUID, Path(description="The suggestion's id.")],
    body: Decision,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> Decided:
    """The absorbed person's identities (and so their events) move to the survivor; undo it
    with the unmerge route. Admins, sales managers, DevRel and write keys. Audited."""
    outcome = review.decide(store, settings, principal, suggestion_id, True, reason=body.reason)
    return Decided(
        suggestion=suggestion_id,
        status="accepted",
        merge=outcome.get("merge"),
        person=outcome.get("person"),
    )


@router.post(
    "/identity/suggestions/{suggestion_id}/reject",
    response_model=Decided,
    summary="Reject a merge suggestion: keep the two people apart",
    responses=problems(DECIDE_ERRORS),
)
def reject(
    suggestion_id: Annotated[uuid.UUID, Path(description="The suggestion's id.")],
    body: Decision,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> Decided:
    """The pair is blocked: neither resolution nor the matcher joins them again.
    Admins, sales managers, DevRel and write keys. Audited."""
    review.decide(store, settings, principal, suggestion_id, False, reason=body.reason)
    return Decided(suggestion=suggestion_id, status="rejected")


@router.post(
    "/identity/merges/{merge_id}/unmerge",
    response_model=Unmerged,
    summary="Undo a merge: the absorbed person comes back",
    responses=problems(
        {**MERGE, 404: f"no merge {MERGE_ID}", 409: f"merge {MERGE_ID} was already undone"}
    ),
)
def unmerge(
    merge_id: Annotated[uuid.UUID, Path(description="The merge's id (see the person's merges).")],
    body: Unmerge,
    principal: WritePrincipal,
    store: StoreDep,
    settings: SettingsDep,
) -> Unmerged:
    """The identities that moved go back, and their events follow; with ``block`` (the
    default) the two are never merged again. Admins, sales managers, DevRel and write
    keys. Audited."""
    person, restored = review.unmerge(
        store, settings, principal, merge_id, reason=body.reason, block=body.block
    )
    return Unmerged(merge=merge_id, person=person, restored=restored)
