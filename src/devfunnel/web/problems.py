"""The one place errors become HTTP responses: RFC 9457 problem details as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from devfunnel.errors import DevfunnelError

PROBLEM = "application/problem+json"
RESERVED = frozenset({"type", "title", "status", "detail"})


#: Validation errors listed in one answer; the rest are counted (``more_errors``), so a
#: body of 100,000 bad keys gets an answer of a few kilobytes, not megabytes.
MOST_ERRORS = 50


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str = "about:blank",
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(DevfunnelError)
    async def _devfunnel(_: Request, exc: DevfunnelError) -> JSONResponse:
        # Context never overrides the problem's own members (a Conflict about a record's
        # ``status`` would otherwise replace the HTTP status).
        extra: dict[str, Any] = {
            k: v for k, v in exc.context.items() if _jsonable(v) and k not in RESERVED
        }
        errors = getattr(exc, "errors", None)
        if errors:
            extra.update(_listed(errors))
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            kind=f"https://devfunnel.dev/problems/{exc.type_slug}",
            # RFC 9110: a 401 names the scheme that would be accepted.
            headers={"WWW-Authenticate": "Bearer"} if exc.status == 401 else None,
            **extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_error(err) for err in exc.errors()]
        fields = ", ".join(e["field"] for e in errors[:5])
        return problem(
            422,
            "Invalid input",
            f"the request is invalid: {fields}",
            kind="https://devfunnel.dev/problems/validation-error",
            **_listed(errors),
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own headers matter: a 405 must say which methods are allowed.
        return problem(exc.status_code, str(exc.detail), str(exc.detail), headers=exc.headers)


def _error(err: Mapping[str, Any]) -> dict[str, Any]:
    """One validation error as field, message and type. A body that is not JSON at all is
    located by character, which is no field: it is reported as the body, with where."""
    loc = tuple(err.get("loc", ()))
    if err.get("type") == "json_invalid" and len(loc) == 2 and isinstance(loc[1], int):
        reason = (err.get("ctx") or {}).get("error", "not JSON")
        return {
            "field": "body",
            "message": f"malformed JSON at character {loc[1]}: {reason}",
            "type": "json_invalid",
        }
    return {
        "field": ".".join(str(p) for p in loc),
        "message": err.get("msg", ""),
        "type": err.get("type", ""),
    }


def _listed(errors: list[dict[str, Any]]) -> dict[str, Any]:
    """The errors member, at most :data:`MOST_ERRORS` of them, and how many more there were."""
    if len(errors) <= MOST_ERRORS:
        return {"errors": errors}
    return {"errors": errors[:MOST_ERRORS], "more_errors": len(errors) - MOST_ERRORS}


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)
