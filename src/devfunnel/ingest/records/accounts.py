"""Import accounts from a CRM: firmographics, owners and the keys that identify them.

A record matches an existing account by its CRM id first, then by its company domain;
otherwise a new account is created. CRM firmographics overwrite what the resolver guessed
(a name derived from a domain, say), and only values the record gives are changed. Rows
apply in order, so a later row naming the same account (by an earlier row's domain, say)
updates what the earlier one created, and is counted as updated or unchanged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import sqlalchemy as sa
from pydantic import Field, field_validator

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.geo import region_of, segment_of
from devfunnel.identity.accounts import country_code
from devfunnel.identity.domains import DomainClassifier
from devfunnel.ids import new_id
from devfunnel.ingest.records.base import (
    Crm,
    ImportResult,
    Record,
    RowError,
    account_key_of,
    find_accounts,
    find_users,
    to_arrow,
    validate_rows,
)
from devfunnel.money import Money
from devfunnel.store import Store
from devfunnel.store.query import chunked
from devfunnel.store.schema.identity import account_keys, accounts

_FIELDS = (
    "name",
    "domain",
    "industry",
    "employees",
    "annual_revenue_minor",
    "currency",
    "country",
    "region",
    "segment",
    "tech_stack",
    "named_account",
    "owner_id",
)


class AccountRecord(Record):
    """One account as a CRM exports it."""

    external_id: str | None = Field(default=None, max_length=128)
    crm: Crm = "crm"
    name: str = Field(min_length=1, max_length=300)
    domain: str | None = Field(default=None, max_length=253)
    industry: str | None = Field(default=None, max_length=100)
    employees: int | None = Field(default=None, ge=0)
    annual_revenue: Decimal | None = Field(default=None, ge=0)
    currency: str | None = Field(default=None, pattern=r"^[A-Za-z]{3}$")
    country: str | None = None
    region: str | None = Field(default=None, max_length=16)
    segment: str | None = Field(default=None, max_length=32)
    tech_stack: list[str] | None = None
    named_account: bool | None = None
    owner_email: str | None = None

    @field_validator("tech_stack", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [
                part.strip().lower() for part in value.replace(";", ",").split(",") if part.strip()
            ]
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = country_code(value)
        if code is None:
            raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
        return code


def import_accounts(
    store: Store,
    settings: Settings,
    rows: Iterable[Mapping[str, Any]],
    *,
    dry_run: bool = False,
    first_line: int = 1,
) -> ImportResult:
    """Create or update accounts; rows that fail validation are reported, not loaded."""
    result = ImportResult("accounts", dry_run=dry_run)
    records = validate_rows(AccountRecord, rows, result, first_line)
    classifier = DomainClassifier(settings.identity.extra_free_mail_domains)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        keyed = [
            (line, rec, account_key_of(rec.crm, rec.external_id, rec.domain, classifier))
            for line, rec in records
        ]
        existing = find_accounts(conn, [k for _, _, keys in keyed for k in keys])
        owners = find_users(conn, (rec.owner_email for _, rec, _ in keyed))
        current = _current(conn, set(existing.values()))
        created: dict[uuid.UUID, dict[str, Any]] = {}
        changed: dict[uuid.UUID, dict[str, Any]] = {}
        new_keys: dict[tuple[str, str], dict[str, Any]] = {}
        for line, rec, keys in keyed:
            if rec.owner_email and rec.owner_email.lower() not in owners:
                result.errors.append(
                    RowError(line, f"owner_email: {rec.owner_email} is not a devfunnel user")
                )
                continue
            try:
                values = _values(rec, keys, owners, settings.company.currency)
            except ValidationError as exc:
                result.errors.append(RowError(line, exc.detail))
                continue
            account_id = next((existing[k] for k in keys if k in existing), None)
            if account_id is None:
                account_id = new_id()
                created[account_id] = {
                    "id": account_id,
                    "source": "crm",
                    "created_at": now,
                    **_defaults(),
                    **values,
                }
                result.created += 1
            else:
                # Rows apply in file order: one naming an account an earlier row created
                # updates it like any stored account, and is counted so.
                before = created.get(account_id) or changed.get(account_id) or current[account_id]
                after = {**before, **values}
                if after != before:
                    target = created if account_id in created else changed
                    target[account_id] = after
                    result.updated += 1
                else:
                    result.unchanged += 1
            for key in keys:
                if key not in existing:
                    existing[key] = account_id
                    new_keys[key] = {
                        "kind": key[0],
                        "value": key[1],
                        "account_id": str(account_id),
                        "source": "crm",
                        "created_at": now,
                    }
        if not dry_run:
            if created:
                store.append(
                    conn, accounts, to_arrow([{**r, "updated_at": now} for r in created.values()])
                )
            if changed:
                store.update(
                    conn, accounts, to_arrow([{**r, "updated_at": now} for r in changed.values()])
                )
            if new_keys:
                store.append(
                    conn,
                    account_keys,
                    pa.Table.from_pylist(list(new_keys.values())),
                    unique_on=("kind", "value"),
                )
    return result


def _defaults() -> dict[str, Any]:
    return {field: None for field in _FIELDS} | {"named_account": False}


def _values(
    rec: AccountRecord,
    keys: list[tuple[str, str]],
    owners: dict[str, uuid.UUID],
    default_currency: str,
) -> dict[str, Any]:
    """The columns this record sets (fields it leaves empty are not touched)."""
    domain = next((v for k, v in keys if k == "domain"), None)
    values: dict[str, Any] = {"name": rec.name}
    if domain:
        values["domain"] = domain
    for name in ("industry", "employees", "country", "named_account"):
        if getattr(rec, name) is not None:
            values[name] = getattr(rec, name)
    region = rec.region or region_of(rec.country)
    segment = rec.segment or segment_of(rec.employees)
    if region:
        values["region"] = region
    if segment:
        values["segment"] = segment
    if rec.tech_stack is not None:
        values["tech_stack"] = sorted(set(rec.tech_stack))
    if rec.annual_revenue is not None:
        money = Money.parse(rec.annual_revenue, rec.currency or default_currency)
        values["annual_revenue_minor"] = money.minor
        values["currency"] = money.currency
    if rec.owner_email:
        values["owner_id"] = owners[rec.owner_email.lower()]
    return values


def _current(conn: sa.Connection, ids: set[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    found: dict[uuid.UUID, dict[str, Any]] = {}
    columns = [accounts.c.id, *(accounts.c[f] for f in _FIELDS)]
    for part in chunked(sorted(ids)):
        for row in conn.execute(sa.select(*columns).where(accounts.c.id.in_(part))):
            found[row.id] = dict(row._mapping)
    return found
