"""How the Segment intake and the webhooks look in the OpenAPI description.

Those routes read their raw bodies themselves (to refuse an oversized body before reading
it, and to verify signatures over the exact bytes), so FastAPI cannot infer a request
schema from them; the request bodies, examples and answers are described here instead.
"""

from __future__ import annotations

from typing import Any

from devfunnel.web.openapi import problem_responses

_MESSAGE: dict[str, Any] = {
    "type": "object",
    "description": "A Segment message (Segment's field names); `type` is implied by the "
    "endpoint for single-message calls.",
    "properties": {
        "type": {"type": "string", "enum": ["track", "identify", "group", "page", "screen",
                                            "alias"]},
        "userId": {"type": "string"}, "anonymousId": {"type": "string"},
        "event": {"type": "string"}, "properties": {"type": "object"},
        "traits": {"type": "object"}, "groupId": {"type": "string"},
        "previousId": {"type": "string"}, "name": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "sentAt": {"type": "string", "format": "date-time"},
        "messageId": {"type": "string"}, "context": {"type": "object"},
        "integrations": {"type": "object"}, "writeKey": {"type": "string"},
    },
    "additionalProperties": True,
}  # fmt: skip
_EXAMPLES: dict[str, dict[str, Any]] = {
    "track": {"userId": "u_42", "event": "API Call Made", "properties": {"count": 120},
              "messageId": "m-1", "timestamp": "2026-11-02T09:12:00Z"},
    "identify": {"userId": "u_42", "traits": {"email": "jane@acme.io", "name": "Jane Doe"}},
    "group": {"userId": "u_42", "groupId": "acme", "traits": {"name": "Acme",
                                                              "website": "acme.io"}},
    "page": {"anonymousId": "a-7f3", "name": "Quickstart",
             "properties": {"url": "https://docs.example.com/quickstart"}},
    "screen": {"userId": "u_42", "name": "Dashboard"},
    "alias": {"userId": "u_42", "previousId": "a-7f3"},
}  # fmt: skip
_ACCEPTED = {"success": True, "accepted": 1, "duplicates": 0}
_INTAKE_PROBLEMS = {
    400: "the body is not valid JSON",
    401: "a write key is required: send it as the HTTP Basic username (empty password) or "
    "as `writeKey` in the body",
    403: "a read key may not ingest; create a key with the ingest scope",
    413: "the body is 40,000 bytes, over the 32,768-byte limit for this endpoint",
    422: "the track message is invalid: `event`: event is required for track calls",
    503: "the database cannot be reached",
}


def _json_body(schema: dict[str, Any], examples: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": schema,
        "examples": {k: {"summary": k, "value": v} for k, v in examples.items()}}}}}  # fmt: skip


def _ok(description: str, example: dict[str, Any]) -> dict[int | str, dict[str, Any]]:
    return {200: {"description": description,
                  "content": {"application/json": {"example": example}}}}  # fmt: skip


def single(kind: str) -> dict[str, Any]:
    """``openapi_extra`` and ``responses`` for ``POST /v1/<kind>``."""
    return {
        "openapi_extra": _json_body(_MESSAGE, {kind: _EXAMPLES[kind]}),
        "responses": {**_ok("Committed (or a duplicate of an earlier message)", _ACCEPTED),
                      **problem_responses(_INTAKE_PROBLEMS)},
        "description": f"Store one Segment `{kind}` call. Answers once it is committed.",
    }  # fmt: skip


BATCH: dict[str, Any] = {
    "openapi_extra": _json_body(
        {"type": "object", "required": ["batch"],
         "properties": {"batch": {"type": "array", "items": _MESSAGE},
                        "writeKey": {"type": "string"}}},
        {"batch": {"batch": [{"type": "track", **_EXAMPLES["track"]},
                             {"type": "identify", **_EXAMPLES["identify"]}]}},
    ),
    "responses": {
        **_ok("The valid messages are committed; refused ones are listed by index",
              {"success": True, "accepted": 1, "duplicates": 0, "rejected": [
                  {"index": 1, "messageId": None, "field": "userId",
                   "reason": "userId or anonymousId is required"}], "rejected_count": 1}),
        **problem_responses({**_INTAKE_PROBLEMS,
            413: "the body is 600,000 bytes, over the 512,000-byte limit for this endpoint",
            422: "batch must be a non-empty list"}),
    },
}  # fmt: skip

_RECEIPT = {"status": "stored", "event": "star", "detail": None}
_WEBHOOK_PROBLEMS = {
    401: "the X-Hub-Signature-256 signature does not match the body and the configured secret",
    413: "the body is over 1048576 bytes",
    422: "the X-GitHub-Delivery header is missing",
}
GITHUB: dict[str, Any] = {
    "openapi_extra": _json_body(
        {"type": "object", "description": "A GitHub webhook payload (JSON, or a form with "
         "`payload`), signed in X-Hub-Signature-256."},
        {"star": {"action": "created", "starred_at": "2026-11-02T09:12:00Z",
                  "repository": {"full_name": "acme/sdk"},
                  "sender": {"login": "octocat", "id": 1}}},
    ),
    "responses": {
        **_ok("Stored, a duplicate, or answered (ping)", _RECEIPT),
        202: {"description": "Accepted but ignored (an event kind devfunnel does not use)",
              "content": {"application/json": {"example": {
                  "status": "ignored", "event": "deployment",
                  "detail": "devfunnel ignores 'deployment' events"}}}},
        **problem_responses(_WEBHOOK_PROBLEMS),
        500: {"description": "The webhook secret is not configured",
              "content": {"application/problem+json": {"example": {
                  "type": "https://devfunnel.dev/problems/config-error",
                  "title": "Invalid configuration", "status": 500,
                  "detail": "the github webhook is not configured: set "
                            "DEVFUNNEL_GITHUB_WEBHOOK_SECRET or webhooks.github_secret"}}}},
    },
    "description": "Verify `X-Hub-Signature-256` with `webhooks.github_secret`, then store "
    "the delivery as an event; a redelivery (same `X-GitHub-Delivery`) is stored once. A "
    "delivery time (`starred_at`, ...) outside 1900-2199 in UTC, or not ISO-8601, is "
    "refused with 422 naming the field.",
}  # fmt: skip
STRIPE: dict[str, Any] = {
    "openapi_extra": _json_body(
        {"type": "object", "required": ["id", "type"], "description": "A Stripe event, "
         "signed in Stripe-Signature."},
        {"invoice.paid": {"id": "evt_1", "type": "invoice.paid", "created": 1793610000,
                          "data": {"object": {"id": "in_1", "customer": "cus_1"}}}},
    ),
    "responses": {
        **_ok("Stored, or a duplicate of an event already stored",
              {"status": "stored", "event": "invoice.paid", "detail": None}),
        **problem_responses({**_WEBHOOK_PROBLEMS,
            401: "no v1 signature in Stripe-Signature matches the body and the configured "
                 "secret", 422: "type must be the Stripe event type, e.g. invoice.paid"}),
    },
    "description": "Verify `Stripe-Signature` (and its age) with `webhooks.stripe_secret`, "
    "store the event, and let the worker turn it into subscriptions, invoices and MRR. An "
    "event with a field the worker could not use (such as a non-numeric "
    "`data.object.amount_due`) is refused with 422 naming the field.",
}  # fmt: skip
