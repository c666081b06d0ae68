"""Creating and changing opportunities (stage moves are ``pipeline/stages.py``).

Changes of amount, close date, owner, forecast category and probability are kept in
``opportunity_changes`` (who, when, old and new value) and every change is audited, in the
same transaction. Owners and contacts are given by email or id; one that does not exist
is refused with the field and value named. A new opportunity enters its stage through the
same exit criteria a move would check (the stages before it must have been passable).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.ids import new_id, parse_id
from devfunnel.money import Money
from devfunnel.pipeline.common import jsonable, utc_now
from devfunnel.pipeline.directory import users_by_id
from devfunnel.pipeline.exit_criteria import stages_left, unmet_criteria
from devfunnel.pipeline.facts import find_account
from devfunnel.pipeline.gate_override import check_override
from devfunnel.pipeline.opportunity_fields import field_values
from devfunnel.pipeline.opportunity_records import (
    OpportunityView,
    opportunity_row,
    opportunity_view,
    require_stage,
)
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import leads, opportunities, opportunity_changes, stage_history

#: Fields a PATCH may change (the stage changes only by a move).
UPDATABLE = (
    "name",
    "type",
    "amount",
    "currency",
    "close_date",
    "owner",
    "primary_contact",
    "economic_buyer",
    "next_step",
    "use_case",
    "competitor",
    "forecast_category",
    "probability",
    "commitments",
)
#: Tracked columns and the names their changes are recorded under.
TRACKED = {
    "amount_minor": "amount",
    "close_date": "close_date",
    "owner_id": "owner",
    "forecast_category": "forecast_category",
    "probability": "probability",
}


def create_opportunity(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    account: str,
    name: str,
    type: str = "new",
    stage: str | None = None,
    override_reason: str | None = None,
    lead_id: uuid.UUID | str | None = None,
    now: datetime | None = None,
    **fields: Any,
) -> OpportunityView:
    """Create an opportunity at ``account`` (id or domain) in ``stage`` (default: the
    first); other ``fields`` as in ``UPDATABLE``."""
    at = utc_now(now)
    stage = stage or settings.pipeline.stages[0].id
    require_stage(settings, stage)
    target = next(s for s in settings.pipeline.stages if s.id == stage)
    if target.outcome != "open":
        raise ValidationError(
            f"a new opportunity starts in an open stage, not {stage}; create it, then move it",
            field="stage",
            value=stage,
        )
    unknown = sorted(set(fields) - set(UPDATABLE))
    if unknown:
        raise ValidationError(f"unknown fields: {', '.join(unknown)}", field=unknown[0])
    with store.transaction() as conn:
        account_id = find_account(conn, account)
        values = field_values(conn, settings, {"name": name, "type": type, **fields}, None)
        if "owner_id" not in values:
            values["owner_id"] = principal.user_id or _account_owner(conn, account_id)
        require_edit(principal, [values["owner_id"]], what="an opportunity for another owner")
        row = {
            "id": new_id(),
            "account_id": account_id,
            "stage": stage,
            "status": "open",
            "currency": settings.company.currency,
            "created_at": at,
            "updated_at": at,
            **values,
        }
        first = settings.pipeline.stages[0].id
        unmet = [
            u for s in stages_left(settings, first, stage) for u in unmet_criteria(conn, row, s)
        ]
        check_override(principal, unmet, override_reason, f"create in {stage}", stage)
        if lead_id is not None:
            row["lead_id"] = _convert_lead(conn, principal, parse_id(lead_id), row["id"], at)
        conn.execute(opportunities.insert().values(**row))
        conn.execute(
            stage_history.insert().values(
                id=new_id(),
                opportunity_id=row["id"],
                from_stage=None,
                to_stage=stage,
                changed_at=at,
                changed_by=principal.user_id,
                override_reason=override_reason if unmet else None,
                unmet_criteria=[u.as_dict() for u in unmet] or None,
            )
        )
        audit.record(
            conn,
            principal.actor,
            "opportunity.create",
            entity_kind="opportunity",
            entity_id=row["id"],
            after=jsonable(_public(row)),
            reason=override_reason if unmet else None,
        )
        return opportunity_view(conn, settings, row["id"])


def update_opportunity(
    store: Store,
    settings: Settings,
    opportunity_id: uuid.UUID | str,
    principal: Principal,
    changes: Mapping[str, Any],
    *,
    now: datetime | None = None,
) -> OpportunityView:
    """Change the given fields (a PATCH: a field given as ``None`` is cleared)."""
    at = utc_now(now)
    for name in changes:
        if name in ("stage", "status"):
            raise ValidationError(
                f"{name} changes only by a stage move (POST /api/v1/opportunities/{{id}}/move, "
                "`devfunnel opportunities move`)",
                field=name,
            )
        if name not in UPDATABLE:
            raise ValidationError(
                f"unknown field {name!r}; updatable fields: {', '.join(UPDATABLE)}", field=name
            )
    with store.transaction() as conn:
        before = opportunity_row(conn, opportunity_id)
        require_edit(principal, [before["owner_id"]], what=f"opportunity {before['name']!r}")
        values = field_values(conn, settings, changes, before)
        diff = {k: v for k, v in values.items() if before.get(k) != v}
        if not diff:
            return opportunity_view(conn, settings, before["id"])
        conn.execute(
            opportunities.update()
            .where(opportunities.c.id == before["id"])
            .values(**diff, updated_at=at)
        )
        track_changes(conn, before, {**before, **diff}, principal.user_id, at)
        audit.record(
            conn,
            principal.actor,
            "opportunity.update",
            entity_kind="opportunity",
            entity_id=before["id"],
            before=jsonable({k: before.get(k) for k in diff}),
            after=jsonable(diff),
        )
        return opportunity_view(conn, settings, before["id"])


def track_changes(
    conn: sa.Connection,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    changed_by: uuid.UUID | None,
    at: datetime,
) -> None:
    """Record changes of the tracked fields in ``opportunity_changes``."""
    owners = users_by_id(conn, [before.get("owner_id"), after.get("owner_id")])
    for column, name in TRACKED.items():
        old, new = before.get(column), after.get(column)
        if column == "amount_minor":
            old, new = (_money(before), _money(after))
        if old == new:
            continue
        if column == "owner_id":
            old = owners[old].email if old in owners else old
            new = owners[new].email if new in owners else new
        conn.execute(
            opportunity_changes.insert().values(
                id=new_id(),
                opportunity_id=before["id"],
                field=name,
                old_value=_text(old),
                new_value=_text(new),
                changed_at=at,
                changed_by=changed_by,
            )
        )


def _money(row: Mapping[str, Any]) -> str | None:
    minor = row.get("amount_minor")
    return None if minor is None else f"{Money(minor, row['currency']).amount} {row['currency']}"


def _text(value: Any) -> str | None:
    return None if value is None else str(value)[:200]


def _account_owner(conn: sa.Connection, account_id: uuid.UUID) -> uuid.UUID | None:
    return conn.execute(sa.select(accounts.c.owner_id).where(accounts.c.id == account_id)).scalar()


def _convert_lead(
    conn: sa.Connection,
    principal: Principal,
    lead_id: uuid.UUID,
    opp_id: uuid.UUID,
    at: datetime,
) -> uuid.UUID:
    row = conn.execute(sa.select(leads).where(leads.c.id == lead_id)).first()
    if row is None:
        raise NotFound(f"lead: no lead with id {lead_id}", lead=str(lead_id))
    if row.status in ("converted", "disqualified"):
        raise ValidationError(
            f"lead {lead_id} is {row.status}; convert an open lead",
            field="lead_id",
            value=str(lead_id),
        )
    conn.execute(
        leads.update()
        .where(leads.c.id == lead_id)
        .values(status="converted", converted_opportunity_id=opp_id, updated_at=at)
    )
    audit.record(
        conn,
        principal.actor,
        "lead.convert",
        entity_kind="lead",
        entity_id=lead_id,
        before={"status": row.status},
        after={"status": "converted", "opportunity_id": str(opp_id)},
    )
    return lead_id


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in ("created_at", "updated_at")}
