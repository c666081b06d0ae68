"""Which devfunnel record maps to which CRM record, and devfunnel values as CRM values.

- an account (its scores) is a HubSpot company or a Salesforce Account, found by its
  ``account_keys`` of kind ``hubspot`` or ``salesforce`` (set by CRM imports);
- an open opportunity (its account's scores) is a deal or an Opportunity, found by
  ``opportunities.external_key`` (``hubspot:<id>``, ``salesforce:<id>``);
- a person (their scores) is a contact or Contact, found by the ``crmContact`` trait
  (``hubspot:<id>``) that contact imports set;
- a handoff (its packet) is a note on the company and deal (HubSpot) or a Task on the
  opportunity, else the account (Salesforce).

Only records that exist in the CRM are updated; devfunnel never creates companies,
contacts or deals there. Notes and tasks are created: a handoff is a new event. An
account known by several records of one CRM is pushed to the first of its keys.

Values: HubSpot takes property values as text (``"true"``, ISO dates, numbers as
numbers); Salesforce takes JSON types. Scores go with one decimal.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from typing import Any, Final

import orjson
import sqlalchemy as sa

from devfunnel.alerts.context import why_lines
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import account_keys

HUBSPOT: Final = "hubspot"
SALESFORCE: Final = "salesforce"
SYSTEMS: Final = (HUBSPOT, SALESFORCE)

#: CRM object names per system for each kind of devfunnel record.
OBJECTS: Final = {
    HUBSPOT: {
        "account": "companies",
        "opportunity": "deals",
        "person": "contacts",
        "handoff": "notes",
    },
    SALESFORCE: {
        "account": "Account",
        "opportunity": "Opportunity",
        "person": "Contact",
        "handoff": "Task",
    },
}

#: HubSpot's default association types from a note (v4 association type ids).
NOTE_ASSOCIATION: Final = {"companies": 190, "deals": 214, "contacts": 202}


def account_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The devfunnel account fields from an ``account_scores`` row."""
    return {
        "momentum": round(float(row["momentum"]), 1),
        "fit": round(float(row["fit"]), 1),
        "grade": row["grade"],
        "journey_stage": row["journey_stage"],
        "active_developers": int(row["active_developers"]),
        "pqa": bool(row["pqa"]),
        "pqa_since": row["pqa_since"],
        "why": "; ".join(why_lines(row["why"])) or None,
    }


def person_values(row: Mapping[str, Any]) -> dict[str, Any]:
    """The devfunnel person fields from a ``person_scores`` row."""
    return {
        "engagement": round(float(row["engagement"]), 1),
        "journey_stage": row["journey_stage"],
        "pql": bool(row["pql"]),
        "why": "; ".join(why_lines(row["why"])) or None,
    }


def hubspot_value(value: Any) -> Any:
    """HubSpot property values: booleans as ``"true"``/``"false"``, times as ISO 8601 UTC
    with milliseconds, empty as ``""`` (which clears the property)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def salesforce_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return value


def mapped(
    mapping: Mapping[str, str], values: Mapping[str, Any], convert: Callable[[Any], Any]
) -> dict[str, Any]:
    """CRM field -> value for the fields the configuration maps."""
    return {target: convert(values[field]) for field, target in sorted(mapping.items())}


def fingerprint(document: Any) -> str:
    """A short, stable digest of what would be sent, to tell a change from a repeat."""
    return hashlib.sha256(orjson.dumps(document, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def crm_id(key: str | None, system: str) -> str | None:
    """The CRM's id from ``"<system>:<id>"`` when it belongs to ``system``."""
    if key and key.startswith(f"{system}:"):
        return key.split(":", 1)[1] or None
    return None


def account_crm_ids(
    conn: sa.Connection, system: str, account_ids: Collection[uuid.UUID] | None
) -> dict[uuid.UUID, str]:
    """The CRM id of each account the CRM knows: its first key of kind ``system``."""
    k = account_keys.c
    query = sa.select(k.account_id, sa.func.min(k.value)).where(k.kind == system)
    found: dict[uuid.UUID, str] = {}
    parts = [None] if account_ids is None else list(chunked(sorted(account_ids)))
    for part in parts:
        scoped = query if part is None else query.where(k.account_id.in_(part))
        found.update(dict(conn.execute(scoped.group_by(k.account_id)).all()))
    return found
