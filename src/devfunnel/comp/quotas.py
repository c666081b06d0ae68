"""Import quotas: what each seller is expected to book per period."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, model_validator

from devfunnel.config import Settings
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import (
    ImportResult,
    Record,
    RowError,
    find_users,
    to_arrow,
    validate_rows,
)
from devfunnel.money import Money
from devfunnel.store import Store
from devfunnel.store.schema.comp import quotas


class QuotaRecord(Record):
    user_email: str
    period_start: date
    period_end: date
    amount: Decimal = Field(ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    measure: Literal["bookings", "renewals", "total"] = "bookings"

    @model_validator(mode="after")
    def _period(self) -> QuotaRecord:
        if self.period_end < self.period_start:
            raise ValueError("period_end is before period_start")
        return self


def import_quotas(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    """Set quotas; a quota for the same user, period start and measure is replaced."""
    result = ImportResult("quotas", dry_run=dry_run)
    records = validate_rows(QuotaRecord, rows, result, first_line)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        owners = find_users(conn, (r.user_email for _, r in records))
        rows_out = []
        for line, rec in records:
            user_id = owners.get(rec.user_email.lower())
            if user_id is None:
                result.errors.append(
                    RowError(line, f"user_email: {rec.user_email} is not a devfunnel user")
                )
                continue
            money = Money.parse(rec.amount, rec.currency or settings.company.currency)
            rows_out.append(
                {
                    "id": new_id(),
                    "user_id": user_id,
                    "period_start": rec.period_start,
                    "period_end": rec.period_end,
                    "amount_minor": money.minor,
                    "currency": money.currency,
                    "measure": rec.measure,
                    "created_at": now,
                }
            )
            result.created += 1
        if rows_out and not dry_run:
            for row in rows_out:
                conn.execute(
                    quotas.delete().where(
                        quotas.c.user_id == row["user_id"],
                        quotas.c.period_start == row["period_start"],
                        quotas.c.measure == row["measure"],
                    )
                )
            store.append(conn, quotas, to_arrow(rows_out))
    return result
