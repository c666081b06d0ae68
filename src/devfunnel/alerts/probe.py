"""Sending a destination one test alert now, so an admin sees at once whether the URL and
secret work, before a real alert depends on them.

The test goes out exactly as a real delivery would (the Slack message or the signed
webhook document of :mod:`devfunnel.alerts.deliver`), marked ``"kind": "test"``, once,
without the queue, retries or dead letters; the outcome is returned and audited
(``alert_destination.test``), with the error as the receiver gave it (host and status,
never the URL).
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx

from devfunnel import outbound
from devfunnel.admin.audit import Actor, record
from devfunnel.alerts.deliver import Outgoing, send
from devfunnel.alerts.destinations import _find
from devfunnel.config import Settings
from devfunnel.errors import Conflict
from devfunnel.ids import new_id
from devfunnel.outbound import Outcome
from devfunnel.store import Store

TEST_KIND = "test"


def send_test(
    store: Store,
    settings: Settings,
    ref: str,
    actor: Actor,
    *,
    http: httpx.Client | None = None,
) -> tuple[str, Outcome]:
    """Send destination ``ref`` (id or name) a test alert; returns its name and the outcome."""
    with store.read() as conn:
        row = _find(conn, ref)
    if not row.active:
        raise Conflict(f"alert destination {row.name!r} was removed; add it again", field="name")
    now = datetime.now(UTC)
    item = Outgoing(
        delivery_id=new_id(),
        attempts=1,
        destination_name=row.name,
        destination_kind=row.kind,
        url=row.url,
        secret=row.secret,
        alert={
            "id": str(new_id()),
            "kind": TEST_KIND,
            "created_at": now.isoformat(),
            "payload": {
                "title": "devfunnel test alert",
                "label": "Test",
                "summary": f"A test from {actor.label or actor.kind}: alerts to {row.name} "
                "arrive like this.",
                "link": settings.server.public_url,
            },
        },
    )
    client = http or outbound.client(settings.alerts.timeout_seconds)
    try:
        outcome = send(client, item)
    finally:
        if http is None:
            client.close()
    with store.transaction() as conn:
        record(
            conn,
            actor,
            "alert_destination.test",
            entity_kind="alert_destination",
            entity_id=row.id,
            after={"ok": outcome.ok, "status": outcome.status, "error": outcome.error},
        )
    return str(row.name), outcome
