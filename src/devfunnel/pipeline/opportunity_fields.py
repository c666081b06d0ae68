"""Opportunity fields as people give them (owners and contacts by email or id, amounts in
major units, dates as text) turned into column values, each refused with an error that
names the field and says what to fix."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.identity.keys import normalise_email
from devfunnel.identity.lookup import person_for_key, surviving
from devfunnel.money import Money, currency_code
from devfunnel.pipeline.directory import find_user
from devfunnel.store.schema.identity import people
from devfunnel.vocabulary import OPPORTUNITY_TYPES

#: Commitments (next steps the buyer agreed to) one opportunity keeps: a deal's plan,
#: not a log; more is a client sending something else.
MOST_COMMITMENTS = 50


def field_values(
    conn: sa.Connection,
    settings: Settings,
    given: Mapping[str, Any],
    before: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Column values for the given fields (``before``: the stored row, for an update)."""
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
            if len(items) > MOST_COMMITMENTS:
                raise ValidationError(
                    f"at most {MOST_COMMITMENTS} commitments, not {len(items)}", field="commitments"
                )
            if any(len(item) > 500 for item in items):
                raise ValidationError(
                    "each commitment must have at most 500 characters", field="commitments"
                )
            out["commitments"] = items or None
    if "amount" in given or "currency" in given:
        amount = given.get("amount", _current_amount(before))
        if given.get("currency") is not None:
            try:
                currency = currency_code(str(given["currency"]))
            except ValidationError as exc:
                raise ValidationError(
                    f"currency: {exc.detail}", field="currency", value=given["currency"]
                ) from None
        else:
            currency = (before or {}).get("currency") or settings.company.currency
        if amount is None:
            out["amount_minor"] = None
            out["currency"] = str(currency).upper()
        else:
            if isinstance(amount, float):
                amount = Decimal(str(amount))
            try:
                money = Money.parse(amount, str(currency))
            except ValidationError as exc:
                raise ValidationError(f"amount: {exc.detail}", field="amount") from None
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
