"""One occurrence of a condition, and the document an alert carries about it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from devfunnel.alerts.context import iso, link
from devfunnel.alerts.kinds import LABELS
from devfunnel.config import Settings


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a condition, ready to be stored as an alert."""

    kind: str
    dedupe_key: str
    account_id: uuid.UUID | None
    payload: dict[str, Any]


def alert_payload(
    settings: Settings,
    kind: str,
    *,
    title: str,
    summary: str,
    account: dict[str, Any] | None,
    owner: dict[str, Any] | None,
    why: list[str],
    path: str,
    occurred_at: datetime,
    facts: dict[str, Any],
) -> dict[str, Any]:
    """The document stored with an alert and sent to destinations (JSON-ready)."""
    return {
        "kind": kind,
        "label": LABELS[kind],
        "title": title,
        "summary": summary,
        "occurred_at": iso(occurred_at),
        "account": account,
        "owner": owner,
        "why": why,
        "link": link(settings, path),
        "facts": facts,
    }
