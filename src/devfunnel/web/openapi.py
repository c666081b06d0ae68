"""The OpenAPI description: problem responses, security schemes, examples.

Routes declare the problems they answer with :func:`problem_responses`; :func:`install`
adds what applies to every route (how callers authenticate, the problem schema, and
FastAPI's own 422 replaced by the problem document devfunnel really sends).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from devfunnel import errors
from devfunnel.web.problems import PROBLEM

#: The error class behind each status a route can answer with.
ERRORS: dict[int, type[errors.DevfunnelError]] = {
    400: errors.MalformedRequest, 401: errors.AuthError, 403: errors.Forbidden,
    404: errors.NotFound, 409: errors.Conflict, 413: errors.PayloadTooLarge,
    422: errors.ValidationError, 429: errors.TooManyAttempts, 502: errors.ExternalServiceError,
    503: errors.StoreUnavailable,
}  # fmt: skip
#: What any route behind a key or a session can answer, besides its own problems.
AUTH_PROBLEMS = {
    401: "an API key is required",
    403: "a read key may not admin; create a key with the admin scope",
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document; extra members name the field or value.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": True,
}
SECURITY_SCHEMES: dict[str, Any] = {
    "bearerKey": {
        "type": "http", "scheme": "bearer",
        "description": "An API key (`devfunnel keys create`, or Settings · API keys) with the "
                       "scope the route needs.",
    },
    "sessionCookie": {
        "type": "apiKey", "in": "cookie", "name": "df_session",
        "description": "A signed-in user's session (the dashboard). Unsafe methods also "
                       "need the session's CSRF token in the X-CSRF-Token header.",
    },
    "segmentWriteKey": {
        "type": "http", "scheme": "basic",
        "description": "An ingest-scope key as the HTTP Basic username, empty password "
                       "(Segment's convention); or `writeKey` in the body.",
    },
}  # fmt: skip


def problem_responses(details: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problems a route answers with, each with an example."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status, detail in details.items():
        error = ERRORS[status](detail)
        example = {"type": f"https://devfunnel.dev/problems/{error.type_slug}",
                   "title": error.title, "status": status, "detail": detail}  # fmt: skip
        responses[status] = {
            "description": error.title,
            "content": {PROBLEM: {"schema": _PROBLEM_REF, "example": example}},
        }
    return responses


def install(app: FastAPI) -> None:
    """Build the schema once, with the additions above."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description,
                routes=app.routes, tags=app.openapi_tags,
            )  # fmt: skip
            _complete(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _complete(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    components["securitySchemes"] = SECURITY_SCHEMES
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            _problem_422(operation)
            security = _security(path, operation)
            if security:
                operation["security"] = security


def _problem_422(operation: dict[str, Any]) -> None:
    """FastAPI documents its own validation error shape; devfunnel sends a problem."""
    response = operation.get("responses", {}).get("422")
    if response is None:
        return
    content = response.get("content", {})
    if "application/json" in content and "HTTPValidationError" in str(content):
        example = {"type": "https://devfunnel.dev/problems/validation-error",
                   "title": "Invalid input", "status": 422,
                   "detail": "the request is invalid: body.email",
                   "errors": [{"field": "body.email", "message": "Field required",
                               "type": "missing"}]}  # fmt: skip
        response["description"] = "Invalid input"
        response["content"] = {PROBLEM: {"schema": _PROBLEM_REF, "example": example}}


def _security(path: str, operation: dict[str, Any]) -> list[dict[str, list[str]]]:
    if "401" not in operation.get("responses", {}):
        return []
    if path.startswith("/v1/"):
        return [{"segmentWriteKey": []}]
    if path.startswith("/api/"):
        return [{"bearerKey": []}, {"sessionCookie": []}]
    return []
