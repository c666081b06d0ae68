"""Where alerts go: Slack incoming webhooks and signed generic webhooks, managed by admins.

A destination has a unique name (among active ones), a kind (``slack`` or ``webhook``),
an http(s) URL, a secret (required for ``webhook``: it keys the HMAC signature; Slack
URLs are not signed), an optional list of alert kinds (none: all), and a digest flag.
Removing one deactivates it: it receives nothing more, and its past deliveries stay for
the record. URLs are shown masked (a Slack webhook URL is itself a credential) and
secrets never; every change is audited without them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa

from devfunnel.admin.audit import Actor, record
from devfunnel.alerts.context import load_json
from devfunnel.alerts.kinds import ALERT_KINDS, DESTINATION_KINDS
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.ids import new_id, parse_id
from devfunnel.store import Store
from devfunnel.store.schema.admin import alert_destinations

MIN_SECRET = 16


@dataclass(frozen=True)
class Destination:
    id: uuid.UUID
    name: str
    kind: str
    #: The URL with its secret parts hidden (see :func:`mask_url`).
    url: str
    has_secret: bool
    alert_kinds: list[str] | None
    digest: bool
    active: bool
    created_at: datetime


def mask_url(kind: str, url: str) -> str:
    """Slack URLs keep only their host; webhook URLs lose their query and credentials."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    if kind == "slack":
        return f"{parts.scheme}://{host}/…"
    return f"{parts.scheme}://{host}{parts.path}" + ("?…" if parts.query else "")


def check_url(url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            f"url must be an http or https URL with a host, not {url!r}", field="url", value=url
        )
    if len(url) > 2000 or any(c.isspace() for c in url):
        raise ValidationError(
            "url must be at most 2000 characters, without spaces", field="url", value=url
        )
    return url


def add_destination(
    store: Store,
    actor: Actor,
    *,
    name: str,
    kind: str,
    url: str,
    secret: str | None = None,
    alert_kinds: Sequence[str] | None = None,
    digest: bool = False,
) -> Destination:
    """Validate and store a destination; errors name the field that is wrong."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValidationError("name must have 1 to 100 characters", field="name", value=name)
    if kind not in DESTINATION_KINDS:
        raise ValidationError(
            f"unknown destination kind {kind!r}; use one of: {', '.join(DESTINATION_KINDS)}",
            field="kind",
            value=kind,
        )
    url = check_url(url)
    if kind == "webhook":
        if not secret:
            raise ValidationError(
                "secret is required for webhook destinations: it signs every delivery",
                field="secret",
            )
        if len(secret) < MIN_SECRET:
            raise ValidationError(
                f"secret must have at least {MIN_SECRET} characters", field="secret"
            )
    elif secret:
        raise ValidationError("slack destinations are not signed; leave secret out", field="secret")
    kinds = _check_kinds(alert_kinds)
    now = datetime.now(UTC)
    destination_id = new_id()
    t = alert_destinations.c
    with store.transaction() as conn:
        taken = conn.execute(sa.select(t.id).where(t.name == name, t.active.is_(sa.true()))).first()
        if taken is not None:
            raise Conflict(f"an alert destination named {name!r} exists", field="name")
        conn.execute(
            alert_destinations.insert().values(
                id=destination_id,
                name=name,
                kind=kind,
                url=url,
                secret=secret or None,
                alert_kinds=kinds,
                digest=digest,
                active=True,
                created_by=actor.id,
                created_at=now,
            )
        )
        shown = Destination(
            destination_id, name, kind, mask_url(kind, url), bool(secret), kinds, digest, True, now
        )
        record(
            conn,
            actor,
            "alert_destination.create",
            entity_kind="alert_destination",
            entity_id=destination_id,
            after=_audited(shown),
        )
    return shown


def list_destinations(store: Store, *, include_removed: bool = False) -> list[Destination]:
    query = sa.select(alert_destinations).order_by(alert_destinations.c.created_at)
    if not include_removed:
        query = query.where(alert_destinations.c.active.is_(sa.true()))
    with store.read() as conn:
        return [_destination(row) for row in conn.execute(query)]


def remove_destination(store: Store, ref: str, actor: Actor) -> Destination:
    """Deactivate a destination given its id or its name."""
    t = alert_destinations.c
    with store.transaction() as conn:
        row = _find(conn, ref)
        if row.active:
            conn.execute(alert_destinations.update().where(t.id == row.id).values(active=False))
            record(
                conn,
                actor,
                "alert_destination.remove",
                entity_kind="alert_destination",
                entity_id=row.id,
                before=_audited(_destination(row)),
            )
            row = conn.execute(sa.select(alert_destinations).where(t.id == row.id)).one()
    return _destination(row)


def _find(conn: sa.Connection, ref: str) -> sa.Row[Any]:
    t = alert_destinations.c
    text = ref.strip()
    try:
        query = sa.select(alert_destinations).where(t.id == parse_id(text))
    except ValidationError:
        query = sa.select(alert_destinations).where(t.name == text, t.active.is_(sa.true()))
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(
            f"no alert destination {text!r} (give its id or name; "
            "`devfunnel alerts destinations list` shows them)",
            destination=text,
        )
    return row


def _check_kinds(kinds: Sequence[str] | None) -> list[str] | None:
    if not kinds:
        return None
    unknown = [k for k in kinds if k not in ALERT_KINDS]
    if unknown:
        raise ValidationError(
            f"unknown alert kind {unknown[0]!r}; use some of: {', '.join(ALERT_KINDS)}",
            field="alert_kinds",
            value=unknown[0],
        )
    return sorted(set(kinds), key=ALERT_KINDS.index)


def _destination(row: sa.Row[Any]) -> Destination:
    m = row._mapping
    kinds = load_json(m["alert_kinds"])
    return Destination(
        m["id"],
        m["name"],
        m["kind"],
        mask_url(m["kind"], m["url"]),
        bool(m["secret"]),
        list(kinds) if isinstance(kinds, list) else None,
        bool(m["digest"]),
        bool(m["active"]),
        m["created_at"],
    )


def _audited(destination: Destination) -> dict[str, Any]:
    return {
        "name": destination.name,
        "kind": destination.kind,
        "url": destination.url,
        "alert_kinds": destination.alert_kinds,
        "digest": destination.digest,
    }
