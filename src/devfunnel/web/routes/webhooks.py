"""GitHub and Stripe webhooks: verify the sender's signature, then store durably.

Each request is checked in the same order, so nothing unauthenticated is ever parsed:
the secret must be configured (an unconfigured endpoint refuses rather than accepting
unsigned data), the body is read up to :data:`MAX_BODY_BYTES` (larger is refused with 413
before the rest is read), the signature is compared in constant time, and only then is
the JSON parsed (and refused, 422, if it holds the NUL character: ``web/nul.py``). The
answer is sent after the delivery is committed, so an acknowledged delivery survives a
crash; redeliveries are stored once (GitHub by ``X-GitHub-Delivery``, Stripe by event id).
Turning Stripe events into subscriptions is the worker's job.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any, Literal
from urllib.parse import parse_qs

import orjson
import pyarrow as pa
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, SecretStr
from starlette.concurrency import run_in_threadpool

from devfunnel.config import Settings
from devfunnel.errors import AuthError, ConfigError, PayloadTooLarge, ValidationError
from devfunnel.ingest.append import append_events
from devfunnel.ingest.prepare import SEGMENT_FIELDS, prepare
from devfunnel.ingest.webhooks import github, stripe
from devfunnel.store import Store
from devfunnel.web import nul
from devfunnel.web.deps import SettingsDep, StoreDep
from devfunnel.web.routes import intake_openapi

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

#: Largest body accepted from either sender; real GitHub and Stripe deliveries are far
#: smaller, and refusing early keeps a flood of large bodies from filling memory.
MAX_BODY_BYTES = 1024 * 1024


class Receipt(BaseModel):
    """What happened to a delivery."""

    status: Literal["stored", "duplicate", "ignored", "ok"]
    event: str | None = None
    detail: str | None = None


@router.post(
    "/github",
    response_model=Receipt,
    summary="Receive a GitHub webhook delivery",
    **intake_openapi.GITHUB,
)
async def github_webhook(
    request: Request, response: Response, store: StoreDep, settings: SettingsDep
) -> Receipt:
    secret = _secret(settings.webhooks.github_secret, "DEVFUNNEL_GITHUB_WEBHOOK_SECRET", "github")
    body = await read_body(request)
    verify_github(secret, body, request.headers.get("x-hub-signature-256"))
    kind = _header(request, "X-GitHub-Event")
    delivery = _header(request, "X-GitHub-Delivery")
    if kind == "ping":
        return Receipt(status="ok", event="ping", detail="pong: the webhook is set up")
    if kind not in github.SUPPORTED:
        response.status_code = 202
        return Receipt(status="ignored", event=kind, detail=f"devfunnel ignores {kind!r} events")
    payload = _github_payload(body, request.headers.get("content-type", ""))
    row = github.to_event_row(kind, delivery, payload)
    if row is None:
        response.status_code = 202
        action = payload.get("action")
        return Receipt(
            status="ignored",
            event=kind,
            detail=f"devfunnel ignores {kind!r} deliveries with action {action!r} "
            "or without a sender login",
        )
    stored = await run_in_threadpool(_store_github, store, settings, row)
    return Receipt(status="stored" if stored else "duplicate", event=str(row["event"]))


@router.post(
    "/stripe",
    response_model=Receipt,
    summary="Receive a Stripe webhook event",
    **intake_openapi.STRIPE,
)
async def stripe_webhook(request: Request, store: StoreDep, settings: SettingsDep) -> Receipt:
    hooks = settings.webhooks
    secret = _secret(hooks.stripe_secret, "DEVFUNNEL_STRIPE_WEBHOOK_SECRET", "stripe")
    body = await read_body(request)
    verify_stripe(
        secret,
        body,
        request.headers.get("stripe-signature"),
        tolerance=hooks.stripe_tolerance_seconds,
        now=time.time(),
    )
    payload = _stripe_event(_json_object(body))
    stored, _ = await run_in_threadpool(stripe.receive, store, [payload])
    return Receipt(status="stored" if stored else "duplicate", event=str(payload["type"]))


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The raw body, refusing one over ``limit`` bytes without reading the rest of it."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise ValidationError("the Content-Length header is not a number", header=declared)
        if int(declared) > limit:
            raise PayloadTooLarge(
                f"the body is {int(declared)} bytes; webhooks accept at most {limit}", limit=limit
            )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"the body is over {limit} bytes", limit=limit)
        chunks.append(chunk)
    return b"".join(chunks)


def verify_github(secret: bytes, body: bytes, header: str | None) -> None:
    """Check ``X-Hub-Signature-256`` (``sha256=<hex HMAC of the body>``)."""
    if not header:
        raise AuthError("the X-Hub-Signature-256 header is missing", header="X-Hub-Signature-256")
    scheme, _, given = header.strip().partition("=")
    if scheme != "sha256" or not given:
        raise AuthError(
            "the X-Hub-Signature-256 header must look like sha256=<hex digest>",
            header="X-Hub-Signature-256",
        )
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given.lower().encode("latin-1")):
        raise AuthError(
            "the X-Hub-Signature-256 signature does not match the body and the configured secret",
            header="X-Hub-Signature-256",
        )


def verify_stripe(
    secret: bytes, body: bytes, header: str | None, *, tolerance: int, now: float
) -> None:
    """Check ``Stripe-Signature`` (``t=<unix time>,v1=<hex>[,v1=...]``): any ``v1`` may
    match the HMAC of ``"<t>.<body>"``, and ``t`` must be within ``tolerance`` seconds of
    now, so a captured request cannot be replayed later."""
    name = "Stripe-Signature"
    if not header:
        raise AuthError("the Stripe-Signature header is missing", header=name)
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isdigit() and len(value) < 16:
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise AuthError(
            "the Stripe-Signature header is malformed: expected t=<unix time>,v1=<signature>",
            header=name,
        )
    signed = str(timestamp).encode() + b"." + body
    expected = hmac.new(secret, signed, hashlib.sha256).hexdigest().encode()
    if not any(hmac.compare_digest(expected, s.lower().encode("latin-1")) for s in signatures):
        raise AuthError(
            "no v1 signature in Stripe-Signature matches the body and the configured secret",
            header=name,
        )
    age = now - timestamp
    if abs(age) > tolerance:
        raise AuthError(
            f"the Stripe-Signature timestamp is {abs(age):.0f} s from now, beyond the "
            f"{tolerance} s tolerance (webhooks.stripe_tolerance_seconds); refused as a "
            "possible replay",
            header=name,
        )


def _secret(value: SecretStr | None, env: str, sender: str) -> bytes:
    if value is None or not value.get_secret_value():
        raise ConfigError(
            f"the {sender} webhook is not configured: set {env} or webhooks.{sender}_secret "
            "in devfunnel.toml; unsigned deliveries are refused",
            setting=f"webhooks.{sender}_secret",
        )
    return value.get_secret_value().encode()


def _header(request: Request, name: str) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise ValidationError(f"the {name} header is missing", header=name)
    if len(value) > 128:
        raise ValidationError(f"the {name} header is longer than 128 characters", header=name)
    return value


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValidationError(f"the body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ValidationError("the body must be a JSON object")
    nul.refuse_in(payload)  # read here, not by FastAPI: the app's own check cannot see it
    return payload


def _github_payload(body: bytes, content_type: str) -> dict[str, Any]:
    """GitHub sends JSON, or a form with the JSON in ``payload`` when so configured."""
    if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        return _json_object(body)
    try:
        form = parse_qs(body.decode("utf-8"), strict_parsing=False)
    except UnicodeDecodeError:
        raise ValidationError("the form body is not UTF-8") from None
    if "payload" not in form:
        raise ValidationError("the form body has no payload field")
    return _json_object(form["payload"][0].encode())


def _stripe_event(payload: dict[str, Any]) -> dict[str, Any]:
    """Refuse an event ``stripe.receive`` could not store, naming the field."""
    event_id, kind, created = payload.get("id"), payload.get("type"), payload.get("created")
    if not isinstance(event_id, str) or not 0 < len(event_id) <= 128:
        raise ValidationError("id must be the Stripe event id (text of 1-128 characters)")
    if not isinstance(kind, str) or not kind:
        raise ValidationError("type must be the Stripe event type, e.g. invoice.paid")
    valid_time = isinstance(created, int) and not isinstance(created, bool)
    if created is not None and not (valid_time and 0 <= created < 10**11):
        raise ValidationError("created must be a Unix time in seconds")
    return payload


_SCHEMA = pa.schema(list(SEGMENT_FIELDS.items()))


def _store_github(store: Store, settings: Settings, row: dict[str, Any]) -> bool:
    """Append the delivery's event; ``False`` when it was stored before (a redelivery)."""
    table = pa.Table.from_pylist([row], schema=pa.schema([_SCHEMA.field(k) for k in row]))
    prepared = prepare(
        table,
        source="github",
        max_event_bytes=settings.ingest.max_event_bytes,
        correct_clock_skew=False,
    )
    if prepared.rejected:
        raise ValidationError(f"the delivery cannot be stored: {prepared.rejected[0].reason}")
    return append_events(store, prepared, source="github").inserted > 0
