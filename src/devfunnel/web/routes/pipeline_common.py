"""What the pipeline routes share: OpenAPI problem examples (including 409 conflicts),
page envelopes, and the example ids their documentation shows."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from devfunnel.errors import (
    AuthError,
    Conflict,
    DevfunnelError,
    Forbidden,
    NotFound,
    ValidationError,
)
from devfunnel.web.problems import PROBLEM

_ERRORS: dict[int, type[DevfunnelError]] = {
    401: AuthError, 403: Forbidden, 404: NotFound, 409: Conflict, 422: ValidationError}  # fmt: skip

READ = {401: "an API key is required", 403: "a ingest key may not read data"}
WRITE = {
    401: "an API key is required",
    403: "a read key may not change records; a seller may change only their own",
}
LEAD_ID = "01963a4e-7c10-7000-8000-0000000000a1"
ACCOUNT_ID = "01963a4e-7c10-7000-8000-000000000001"
PERSON_ID = "01963a4e-7c1a-7b5e-9d2f-3c4b5a6d7e8f"
USER_ID = "01963a4e-7c10-7000-8000-0000000000b1"
OPPORTUNITY_ID = "01963a4e-7c10-7000-8000-0000000000c1"
HANDOFF_ID = "01963a4e-7c10-7000-8000-0000000000d1"


def problems(details: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the RFC 9457 problems a route can answer with."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status, detail in details.items():
        error = _ERRORS[status](detail)
        example = {"type": f"https://devfunnel.dev/problems/{error.type_slug}",
                   "title": error.title, "status": status, "detail": detail}  # fmt: skip
        responses[status] = {"description": error.title,
                             "content": {PROBLEM: {"example": example}}}  # fmt: skip
    return responses


class PageInfo(BaseModel):
    """Where a page sits: ``total`` rows match; ask ``offset=next_offset`` for more."""

    total: int
    limit: int
    offset: int
    next_offset: int | None
