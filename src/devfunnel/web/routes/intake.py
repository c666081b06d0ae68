"""The Segment HTTP tracking API: ``POST /v1/{track,identify,group,page,screen,alias,batch}``.

Existing Segment (and Segment-compatible) libraries work by pointing their host here and
using a devfunnel key with the ``ingest`` scope as their write key: as the HTTP Basic
username with an empty password, or as ``writeKey`` in the body.

Answers, following Segment:

- ``200 {"success": true, "accepted": n, "duplicates": n, "rejected": [...]}`` once the
  events are committed. ``duplicates`` are messages whose ``messageId`` this write key
  already sent (stored once). For ``/v1/batch``, each refused message is listed with its
  ``index``, ``messageId``, ``field`` and ``reason`` (the first ``LISTED_REJECTIONS``;
  ``rejected_count`` counts them all) and the others are stored.
- ``400`` problem JSON: the body cannot be decoded (not JSON, broken gzip, unknown
  ``Content-Encoding``).
- ``422`` problem JSON naming the field: valid JSON that breaks the Segment spec (a wrong
  type, a missing required field, ``batch`` missing, not a list or empty); a single-message
  endpoint answers this for its one message.
- ``413``: the body is over ``ingest.max_batch_bytes`` (``/v1/batch``, Segment's 500 KB) or
  ``ingest.max_event_bytes`` (single messages, Segment's 32 KB). Decided from
  ``Content-Length`` before reading, else while streaming, so a huge body is never held.
- ``401`` without a valid key (missing, unknown, revoked); ``403`` for a key without the
  ``ingest`` scope; ``503`` when the store cannot commit (nothing of the request stored).

A refused request stores nothing; a refused message inside a batch stores nothing of it.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from devfunnel.admin.api_keys import ApiKey
from devfunnel.errors import AuthError, MalformedRequest, PayloadTooLarge
from devfunnel.ingest import segment
from devfunnel.ingest.writer import GroupCommitWriter, Submission, Written
from devfunnel.web.auth import basic_username, verifier
from devfunnel.web.routes import intake_openapi

router = APIRouter(prefix="/v1", tags=["intake"])

#: Single-message endpoints, by Segment call type.
KINDS = ("track", "identify", "group", "page", "screen", "alias")
#: Refused messages of a batch listed in its answer (all are counted).
LISTED_REJECTIONS = 100
_WRITER_LOCK = threading.Lock()


@router.post("/batch", summary="Send many Segment messages at once", **intake_openapi.BATCH)
async def batch(request: Request) -> Response:
    """Store a batch's valid messages; report the refused ones by index."""
    settings = request.app.state.settings.ingest

    def read(payload: Any, received: datetime, nul_possible: bool) -> segment.Messages:
        return segment.read_batch(
            payload,
            received_at=received,
            max_event_bytes=settings.max_event_bytes,
            correct_clock_skew=settings.correct_clock_skew,
            nul_possible=nul_possible,
        )

    written = await _intake(request, settings.max_batch_bytes, read)
    return _answer(written, detailed=True)


def _single(kind: str) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        settings = request.app.state.settings.ingest

        def read(payload: Any, received: datetime, nul_possible: bool) -> segment.Messages:
            return segment.read_message(
                payload,
                kind,
                received_at=received,
                max_event_bytes=settings.max_event_bytes,
                correct_clock_skew=settings.correct_clock_skew,
                nul_possible=nul_possible,
            )

        written = await _intake(request, settings.max_event_bytes, read)
        if written.rejected:
            raise segment.refusal(written.rejected[0], kind)
        return _answer(written, detailed=False)

    endpoint.__doc__ = f"Store one Segment {kind} call."
    return endpoint


for _kind in KINDS:
    router.add_api_route(
        f"/{_kind}",
        _single(_kind),
        methods=["POST"],
        name=f"segment_{_kind}",
        summary=f"Send one Segment {_kind} call",
        **intake_openapi.single(_kind),
    )


async def _intake(
    request: Request, limit: int, read: Callable[[Any, datetime, bool], segment.Messages]
) -> Written:
    """Authenticate, read at most ``limit`` bytes, validate, and wait for the commit."""
    basic = basic_username(request)
    key = _verify(request, basic) if basic else None  # refuse before reading the body
    body = await read_body(request, limit)
    received = datetime.now(UTC)
    key, messages = _parse(request, body, key, received, read)
    if not messages.table.num_rows:
        return Written(0, 0, messages.rejected)
    submission = Submission(messages, f"segment:{key.id}", received)
    return await intake_writer(request).write(submission)


def _parse(
    request: Request,
    body: bytes,
    key: ApiKey | None,
    received: datetime,
    read: Callable[[Any, datetime, bool], segment.Messages],
) -> tuple[ApiKey, segment.Messages]:
    """The key and the messages; the decoded JSON is dropped here, before the wait for the
    commit, so that it never lives long enough to be promoted into the old generation of
    the garbage collector (whose full collections walk the whole heap)."""
    payload = segment.decode(body)
    if key is None:
        key = _verify(request, segment.write_key(payload))
    # JSON can only carry a NUL character as this escape; most bodies skip the check.
    return key, read(payload, received, b"\\u0000" in body)


def _verify(request: Request, secret: str | None) -> ApiKey:
    if not secret:
        raise AuthError(
            "a write key is required: send it as the HTTP Basic username (empty password) "
            "or as `writeKey` in the body",
            scope="ingest",
        )
    return verifier(request).verify(secret, "ingest")


async def read_body(request: Request, limit: int) -> bytes:
    """The body, decompressed, refused with 413 as soon as it is known to exceed ``limit``."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding == "gzip":
        return _gunzip(body, limit)
    if encoding not in ("identity", ""):
        raise MalformedRequest(
            f"Content-Encoding {encoding!r} is not supported; send gzip or no encoding"
        )
    return body


def _gunzip(body: bytes, limit: int) -> bytes:
    """Decompress at most ``limit + 1`` bytes, so a small bomb cannot fill memory."""
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error as exc:
        raise MalformedRequest(f"the gzip body cannot be decompressed: {exc}") from None
    if len(data) > limit:
        raise _too_large(len(data), limit, unit="more than ")
    if not inflater.eof:
        raise MalformedRequest("the gzip body is truncated")
    return data


def _too_large(size: int, limit: int, unit: str = "") -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the body is {unit}{size:,} bytes, over the {limit:,}-byte limit for this endpoint",
        limit=limit,
    )


def intake_writer(request: Request) -> GroupCommitWriter:
    """The app's writer (``app.state.intake_writer``), created on first use."""
    state = request.app.state
    writer: GroupCommitWriter | None = getattr(state, "intake_writer", None)
    if writer is None:
        with _WRITER_LOCK:
            writer = getattr(state, "intake_writer", None)
            if writer is None:
                writer = GroupCommitWriter(state.store, state.settings.ingest)
                state.intake_writer = writer
    return writer


def _answer(written: Written, *, detailed: bool) -> Response:
    body: dict[str, Any] = {
        "success": True,
        "accepted": written.accepted,
        "duplicates": written.duplicates,
    }
    if detailed:
        # 500 KB of "{}" is 100,000 refused messages: listing each would answer megabytes.
        body["rejected"] = [r.as_json() for r in written.rejected[:LISTED_REJECTIONS]]
        body["rejected_count"] = len(written.rejected)
    return Response(orjson.dumps(body), media_type="application/json")
