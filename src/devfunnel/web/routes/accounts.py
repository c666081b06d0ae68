"""``GET /api/v1/accounts/{id_or_domain}``: an account and its people (read-scope key).

The account is named by id, domain, host or website URL (``web/account_path.py``); what
follows it in the path is a sub-resource (``/journey``, ``/notes``), and an unknown one
is a 404, never the account.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from devfunnel.identity import lookup
from devfunnel.scoring.views import account_score
from devfunnel.web import account_path
from devfunnel.web.auth import ReadPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.routes.journey import SCORES_EXAMPLE, Scores
from devfunnel.web.routes.people import READ_KEY_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1", tags=["accounts"])


class AccountPerson(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str | None
    email: str | None
    persona: str
    event_count: int
    last_seen: datetime | None


ACCOUNT_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-000000000001", "domain": "acme.io", "name": "Acme",
    "industry": "Software", "employees": 250, "country": "US", "region": "NA",
    "segment": "mid_market", "people_count": 2, "event_count": 251,
    "first_seen": "2026-02-27T18:45:00Z", "last_seen": "2026-04-12T09:30:00Z",
    "people": [
        {"id": "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e8f", "name": "Jane Doe",
         "email": "jane.doe@acme.io", "persona": "developer", "event_count": 214,
         "last_seen": "2026-04-12T09:30:00Z"},
        {"id": "01963a4e-7c1b-7c00-8a00-00000000beef", "name": "Bob Buyer",
         "email": "bob@acme.io", "persona": "business", "event_count": 37,
         "last_seen": "2026-04-01T14:00:00Z"},
    ],
    "scores": SCORES_EXAMPLE,
}  # fmt: skip


class Account(BaseModel):
    """An account with its firmographics and live people (most active first).
    ``event_count``, ``first_seen`` and ``last_seen`` cover the events of all its people;
    ``people_count`` counts them all even when ``people`` is cut at ``people_limit``."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [ACCOUNT_EXAMPLE]}
    )
    id: uuid.UUID
    domain: str | None
    name: str
    industry: str | None
    employees: int | None
    country: str | None
    region: str | None
    segment: str | None
    people_count: int
    event_count: int
    first_seen: datetime | None
    last_seen: datetime | None
    people: list[AccountPerson]
    #: Momentum, fit, grade, journey stage, PQA and their why; null until first scored.
    scores: Scores | None = None


@router.get(
    f"/accounts/{{id_or_domain:{account_path.NAME}}}",
    response_model=Account,
    summary="An account by id or domain, with its people",
    responses=problem_responses(
        {
            **READ_KEY_PROBLEMS,
            404: "no account with the domain acme.com",
            422: "the request is invalid: query.people_limit",
        }
    ),
)
def get_account(
    id_or_domain: Annotated[
        str,
        Path(
            description="The account's id, or a domain, host or website URL "
            "(`acme.com`, `eng.acme.com`, `https://www.Acme.com/`). A URL is read up to its "
            "host: what follows it in the path is a sub-resource."
        ),
    ],
    _: ReadPrincipal,
    store: StoreDep,
    people_limit: Annotated[
        int, Query(ge=1, le=5000, description="Most people to list, most active first.")
    ] = 500,
) -> Account:
    """An id is followed through merges to the surviving account; anything else is
    reduced to its registrable domain (public suffix list) and found by that domain."""
    found = lookup.find_account(store, id_or_domain, people_limit=people_limit)
    account = Account.model_validate(found)
    scores = account_score(store, found.id)
    account.scores = Scores.model_validate(scores) if scores is not None else None
    return account
