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
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, require_edit
from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.identity.keys import normalise_email
from devfunnel.identity.lookup import person_for_key, surviving
from devfunnel.ids import new_id, parse_id
from devfunnel.money import Money
from devfunnel.pipeline.common import jsonable, utc_now
from devfunnel.pipeline.directory import find_user, users_by_id
from devfunnel.pipeline.exit_criteria import stages_left, unmet_criteria
from devfunnel.pipeline.facts import find_account
from devfunnel.pipeline.gate_override import check_override
from devfunnel.pipeline.opportunity_records import (
    OpportunityView,
    opportunity_row,
    opportunity_view,
    require_stage,
)
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts, people
from devfunnel.store.schema.pipeline import leads, opportunities, opportunity_changes, stage_history
from devfunnel.vocabulary import OPPORTUNITY_TYPES

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
        values = _values(conn, settings, {"name": name, "type": type, **fields}, None)
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
        values = _values(conn, settings, changes, before)
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


def _values(
    conn: sa.Connection,
    settings: Settings,
    given: Mapping[str, Any],
    before: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Column values for the given fields, each validated with an error naming it."""
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name == "name":
            text = (value or "").strip()
            if not 1 <= len(text) <= 300:
                raise ValidationError("name must have 1 to 300 characters", field="name")
            out["name"] = text
        elif name == "type":
            if value not in OPPORTUNITY_TYPES:
                raise ValidationError(
                    f"type: unknown type {value!r}; use one of: {', '.join(OPPORTUNITY_TYPES)}",
                    field="type",
                    value=value,
                )
            out["type"] = value
        elif name in ("amount", "currency"):
            continue
        elif name == "close_date":
            out["close_date"] = _date(value)
        elif name == "owner":
            out["owner_id"] = find_user(conn, value, field="owner").id if value else None
        elif name in ("primary_contact", "economic_buyer"):
            column = (
                "primary_contact_id" if name == "primary_contact" else "economic_buyer_contact_id"
            )
            out[column] = _person(conn, value, name) if value else None
        elif name in ("next_step", "use_case", "competitor"):
            limit = 200 if name == "competitor" else 500
            text = (value or "").strip() or None
            if text is not None and len(text) > limit:
                raise ValidationError(f"{name} must have at most {limit} characters", field=name)
            out[name] = text
        elif name == "forecast_category":
            known = [c.id for c in settings.forecast.categories]
            if value is not None and value not in known:
                raise ValidationError(
                    f"forecast_category: unknown category {value!r}; use one of: "
                    f"{', '.join(known)}",
                    field="forecast_category",
                    value=value,
                )
            out["forecast_category"] = value
        elif name == "probability":
            if value is not None and not (
                isinstance(value, int | float | Decimal) and 0 <= float(value) <= 1
            ):
                raise ValidationError(
                    f"probability must be between 0 and 1, not {value!r}",
                    field="probability",
                    value=str(value),
                )
            out["probability"] = None if value is None else float(value)
        elif name == "commitments":
            items = [str(v).strip() for v in (value or []) if str(v).strip()]
            if any(len(item) > 500 for item in items):
                raise ValidationError(
                    "each commitment must have at most 500 characters", field="commitments"
                )
            out["commitments"] = items or None
    if "amount" in given or "currency" in given:
        amount = given.get("amount", _current_amount(before))
        currency = (
            given.get("currency") or (before or {}).get("currency") or settings.company.currency
        )
        if amount is None:
            out["amount_minor"] = None
            out["currency"] = str(currency).upper()
        else:
            if isinstance(amount, float):
                amount = Decimal(str(amount))
            money = Money.parse(amount, str(currency))
            if money.minor < 0:
                raise ValidationError("amount must not be negative", field="amount")
            out["amount_minor"], out["currency"] = money.minor, money.currency
    return out


def _current_amount(before: Mapping[str, Any] | None) -> Decimal | None:
    if before is None or before.get("amount_minor") is None:
        return None
    return Money(before["amount_minor"], before["currency"]).amount


def _date(value: Any) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(
            f"close_date: {value!r} is not a date (YYYY-MM-DD)",
            field="close_date",
            value=str(value),
        ) from None


def _person(conn: sa.Connection, ref: Any, field: str) -> uuid.UUID:
    """A live person by id or email, or ``ValidationError`` naming the field."""
    text = str(ref).strip()
    try:
        found = surviving(conn, people, uuid.UUID(text))
    except ValueError:
        email = normalise_email(text)
        found = person_for_key(conn, f"email:{email}") if email else None
    if found is None:
        raise ValidationError(
            f"{field}: no person {text!r}; give a person's id or email", field=field, value=text
        )
    return found


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
