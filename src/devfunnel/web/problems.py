"""The one place errors become HTTP responses: RFC 9457 problem details as JSON."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from devfunnel.errors import DevfunnelError

PROBLEM = "application/problem+json"
RESERVED = frozenset({"type", "title", "status", "detail"})


def problem(
    status: int, title: str, detail: str, *, kind: str = "about:blank", **extra: Any
) -> JSONResponse:
    body = {"type": kind, "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


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
            extra["errors"] = errors
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            kind=f"https://devfunnel.dev/problems/{exc.type_slug}",
            **extra,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ())),
                "message": err.get("msg", ""),
                "type": err.get("type", ""),
            }
            for err in exc.errors()
        ]
        fields = ", ".join(e["field"] for e in errors[:5])
        return problem(
            422,
            "Invalid input",
            f"the request is invalid: {fields}",
            kind="https://devfunnel.dev/problems/validation-error",
            errors=errors,
        )

    @app.exception_handler(HTTPException)
    async def _http(_: Request, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, str(exc.detail), str(exc.detail))


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)
