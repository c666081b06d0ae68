"""Alerts over the API: recent alerts with their delivery status (read), destinations and
re-driving dead deliveries (admin).

- ``GET /api/v1/alerts``: newest first, each with its deliveries (``?status=dead`` for the
  dead-letter list).
- ``GET/POST /api/v1/alerts/destinations``, ``DELETE /api/v1/alerts/destinations/{id}``.
- ``POST /api/v1/alerts/deliveries/{id}/retry``: send a dead delivery again.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from devfunnel.alerts import destinations, history
from devfunnel.web.auth import AdminPrincipal, ReadPrincipal
from devfunnel.web.deps import StoreDep
from devfunnel.web.routes.people import READ_KEY_PROBLEMS, problem_responses

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])

ADMIN_PROBLEMS = {
    401: "an API key is required",
    403: "a read key may not admin; create a key with the admin scope",
}


class DestinationIn(BaseModel):
    """A new destination. ``secret`` (16 characters or more) is required for ``webhook``
    and refused for ``slack``; ``alert_kinds`` limits what is sent (default: all)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "crm-sync",
                    "kind": "webhook",
                    "url": "https://hooks.acme.dev/devfunnel",
                    "secret": "a-long-random-secret-1234",
                    "alert_kinds": ["became_pqa"],
                    "digest": False,
                },
            ]
        },
    )
    name: str
    kind: str = Field(description="slack or webhook")
    url: str
    secret: str | None = None
    alert_kinds: list[str] | None = None
    digest: bool = False


DESTINATION_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000d1", "name": "crm-sync", "kind": "webhook",
    "url": "https://hooks.acme.dev/…", "has_secret": True, "alert_kinds": ["became_pqa"],
    "digest": False, "active": True, "created_at": "2026-11-01T08:00:00Z",
}  # fmt: skip
DELIVERY_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000e1",
    "destination_id": DESTINATION_EXAMPLE["id"], "destination": "crm-sync",
    "status": "delivered", "attempts": 1, "next_attempt_at": None, "last_error": None,
    "delivered_at": "2026-11-02T09:12:03Z",
}  # fmt: skip
ALERT_EXAMPLE: dict[str, Any] = {
    "id": "01963a4e-7c10-7000-8000-0000000000a1", "kind": "became_pqa",
    "created_at": "2026-11-02T09:12:00Z",
    "account_id": "01963a4e-7c10-7000-8000-000000000001",
    "title": "Acme became a product-qualified account",
    "payload": {"account": {"name": "Acme", "domain": "acme.io"}, "momentum": 72.4,
                "link": "http://127.0.0.1:8000/accounts/01963a4e-7c10-7000-8000-000000000001"},
    "deliveries": [DELIVERY_EXAMPLE],
}  # fmt: skip


class DestinationOut(BaseModel):
    """A destination; ``url`` is masked and the secret is never returned."""

    model_config = ConfigDict(
        from_attributes=True, json_schema_extra={"examples": [DESTINATION_EXAMPLE]}
    )
    id: uuid.UUID
    name: str
    kind: str
    url: str
    has_secret: bool
    alert_kinds: list[str] | None
    digest: bool
    active: bool
    created_at: datetime


class Destinations(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"destinations": [DESTINATION_EXAMPLE]}]}
    )
    destinations: list[DestinationOut]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    destination_id: uuid.UUID
    destination: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    delivered_at: datetime | None


class AlertOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: str
    created_at: datetime
    account_id: uuid.UUID | None
    title: str
    payload: dict[str, Any]
    deliveries: list[DeliveryOut]


class Alerts(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"alerts": [ALERT_EXAMPLE]}]})
    alerts: list[AlertOut]


class Requeued(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"requeued": [{**DELIVERY_EXAMPLE, "status": "pending"}]}]}
    )
    requeued: list[DeliveryOut]


@router.get(
    "",
    response_model=Alerts,
    summary="Recent alerts with their delivery status",
    responses=problem_responses({**READ_KEY_PROBLEMS, 422: "unknown delivery status 'lost'"}),
)
def get_alerts(
    _: ReadPrincipal,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    kind: Annotated[str | None, Query(description="Only this alert kind.")] = None,
    status: Annotated[
        str | None,
        Query(
            description="Only alerts with a delivery in this status: pending, delivered, "
            "dead, digested."
        ),
    ] = None,
) -> Alerts:
    """Newest first, each with its deliveries; ``status=dead`` is the dead-letter list."""
    found = history.list_alerts(store, limit=limit, kind=kind, status=status)
    return Alerts(alerts=[AlertOut.model_validate(a) for a in found])


@router.get(
    "/destinations",
    response_model=Destinations,
    summary="Alert destinations (admins)",
    responses=problem_responses(ADMIN_PROBLEMS),
)
def get_destinations(
    _: AdminPrincipal,
    store: StoreDep,
    include_removed: Annotated[bool, Query(description="Also removed destinations.")] = False,
) -> Destinations:
    """Where alerts go; URLs are masked and secrets never returned."""
    found = destinations.list_destinations(store, include_removed=include_removed)
    return Destinations(destinations=[DestinationOut.model_validate(d) for d in found])


@router.post(
    "/destinations",
    response_model=DestinationOut,
    status_code=201,
    summary="Add an alert destination (admins)",
    responses=problem_responses(
        {**ADMIN_PROBLEMS, 422: "secret is required for webhook destinations"}
    ),
)
def post_destination(
    body: DestinationIn, principal: AdminPrincipal, store: StoreDep
) -> DestinationOut:
    """A Slack incoming webhook or a generic webhook whose bodies are HMAC-signed with
    ``secret``; audited."""
    added = destinations.add_destination(
        store,
        principal.actor,
        name=body.name,
        kind=body.kind,
        url=body.url,
        secret=body.secret,
        alert_kinds=body.alert_kinds,
        digest=body.digest,
    )
    return DestinationOut.model_validate(added)


@router.delete(
    "/destinations/{destination_id}",
    response_model=DestinationOut,
    summary="Remove an alert destination (admins); it receives nothing more",
    responses=problem_responses({**ADMIN_PROBLEMS, 404: "no alert destination 'ops'"}),
)
def delete_destination(
    destination_id: Annotated[str, Path(description="The destination's id or name.")],
    principal: AdminPrincipal,
    store: StoreDep,
) -> DestinationOut:
    """Stop delivering to a destination (kept for its history); audited."""
    removed = destinations.remove_destination(store, destination_id, principal.actor)
    return DestinationOut.model_validate(removed)


@router.post(
    "/deliveries/{delivery_id}/retry",
    response_model=Requeued,
    summary="Send dead deliveries again (admins)",
    responses=problem_responses({**ADMIN_PROBLEMS, 404: "no alert or alert delivery"}),
)
def retry_delivery(
    delivery_id: Annotated[
        str, Path(description="A delivery id, or an alert id for all of its dead deliveries.")
    ],
    principal: AdminPrincipal,
    store: StoreDep,
) -> Requeued:
    """Queue dead deliveries again with the same delivery id, so receivers still
    de-duplicate; audited."""
    requeued = history.retry(store, delivery_id, principal.actor)
    return Requeued(requeued=[DeliveryOut.model_validate(d) for d in requeued])
