"""Reading opportunities: one by id with its history and gate, pages of them, and the
view the API and CLI show. Probability and forecast category are shown as in effect
(the seller's override, else the stage's default) beside the override itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.ids import parse_id
from devfunnel.money import Money
from devfunnel.pipeline.common import Page, as_utc, check_page, load_json
from devfunnel.pipeline.directory import find_user, users_by_id
from devfunnel.pipeline.exit_criteria import GateStatus, gate_status
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import opportunities, opportunity_changes, stage_history
from devfunnel.vocabulary import OPPORTUNITY_TYPES

STATUSES = ("open", "won", "lost")


@dataclass(frozen=True)
class OpportunityView:
    id: uuid.UUID
    name: str
    account_id: uuid.UUID
    account_name: str | None
    type: str
    stage: str
    status: str
    amount: Decimal | None
    amount_minor: int | None
    currency: str
    close_date: date | None
    owner_id: uuid.UUID | None
    owner_email: str | None
    primary_contact_id: uuid.UUID | None
    economic_buyer_contact_id: uuid.UUID | None
    next_step: str | None
    use_case: str | None
    competitor: str | None
    #: In effect: the override, else the stage's default.
    probability: float
    forecast_category: str
    probability_override: float | None
    forecast_category_override: str | None
    commitments: list[str]
    closed_at: datetime | None
    lost_reason: str | None
    lead_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StageMove:
    from_stage: str | None
    to_stage: str
    changed_at: datetime
    changed_by: uuid.UUID | None
    override_reason: str | None
    unmet_criteria: list[dict[str, Any]] | None


@dataclass(frozen=True)
class FieldChange:
    field: str
    old_value: str | None
    new_value: str | None
    changed_at: datetime
    changed_by: uuid.UUID | None


@dataclass(frozen=True)
class OpportunityDetail:
    """An opportunity, its stage history (oldest first), its tracked field changes, and
    whether it may move to the next stage now."""

    opportunity: OpportunityView
    stage_history: list[StageMove]
    changes: list[FieldChange]
    gate: GateStatus


def opportunity_row(conn: sa.Connection, opportunity_id: uuid.UUID | str) -> dict[str, Any]:
    parsed = parse_id(opportunity_id)
    row = conn.execute(sa.select(opportunities).where(opportunities.c.id == parsed)).first()
    if row is None:
        raise NotFound(f"no opportunity with id {parsed}", opportunity=str(parsed))
    return dict(row._mapping)


def _query() -> sa.Select[Any]:
    o, a, u = opportunities.c, accounts.c, users.c
    return sa.select(
        opportunities, a.name.label("account_name"), u.email.label("owner_email")
    ).select_from(
        opportunities.outerjoin(accounts, a.id == o.account_id).outerjoin(users, u.id == o.owner_id)
    )


def view_query() -> sa.Select[Any]:
    """Opportunities with their account's name and owner's email, the columns :func:`view`
    reads; add ``where`` and ``order_by`` clauses."""
    return _query()


def view(settings: Settings, row: Any) -> OpportunityView:
    m = row._mapping if hasattr(row, "_mapping") else row
    stage = next((s for s in settings.pipeline.stages if s.id == m["stage"]), None)
    probability = (
        m["probability"] if m["probability"] is not None else (stage.probability if stage else 0.0)
    )
    category = m["forecast_category"] or (stage.forecast_category if stage else "omitted")
    amount = (
        Money(m["amount_minor"], m["currency"]).amount if m["amount_minor"] is not None else None
    )
    commitments = load_json(m["commitments"]) or []
    return OpportunityView(
        m["id"],
        m["name"],
        m["account_id"],
        m.get("account_name"),
        m["type"],
        m["stage"],
        m["status"],
        amount,
        m["amount_minor"],
        m["currency"],
        m["close_date"],
        m["owner_id"],
        m.get("owner_email"),
        m["primary_contact_id"],
        m["economic_buyer_contact_id"],
        m["next_step"],
        m["use_case"],
        m["competitor"],
        float(probability),
        category,
        m["probability"],
        m["forecast_category"],
        [str(c) for c in commitments],
        as_utc(m["closed_at"]),
        m["lost_reason"],
        m["lead_id"],
        m["created_at"],
        m["updated_at"],
    )


def opportunity_view(
    conn: sa.Connection, settings: Settings, opportunity_id: uuid.UUID | str
) -> OpportunityView:
    parsed = parse_id(opportunity_id)
    row = conn.execute(_query().where(opportunities.c.id == parsed)).first()
    if row is None:
        raise NotFound(f"no opportunity with id {parsed}", opportunity=str(parsed))
    return view(settings, row)


def get_opportunity(
    store: Store, settings: Settings, opportunity_id: uuid.UUID | str
) -> OpportunityDetail:
    with store.read() as conn:
        row = opportunity_row(conn, opportunity_id)
        h, c = stage_history.c, opportunity_changes.c
        moves = [
            StageMove(
                r.from_stage,
                r.to_stage,
                r.changed_at,
                r.changed_by,
                r.override_reason,
                load_json(r.unmet_criteria),
            )
            for r in conn.execute(
                sa.select(stage_history)
                .where(h.opportunity_id == row["id"])
                .order_by(h.changed_at, h.id)
            )
        ]
        changes = [
            FieldChange(r.field, r.old_value, r.new_value, r.changed_at, r.changed_by)
            for r in conn.execute(
                sa.select(opportunity_changes)
                .where(c.opportunity_id == row["id"])
                .order_by(c.changed_at, c.id)
            )
        ]
        return OpportunityDetail(
            opportunity_view(conn, settings, row["id"]),
            moves,
            changes,
            gate_status(conn, settings, row),
        )


def list_opportunities(
    store: Store,
    settings: Settings,
    *,
    status: str | None = None,
    stage: str | None = None,
    owner: str | None = None,
    account_id: uuid.UUID | None = None,
    type: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[OpportunityView]:
    """Opportunities, latest created first, filtered by status, stage, owner (email or
    id), account and type."""
    check_page(limit, offset)
    o = opportunities.c
    where: list[sa.ColumnElement[bool]] = []
    if status is not None:
        if status not in STATUSES:
            raise ValidationError(
                f"unknown status {status!r}; use one of: {', '.join(STATUSES)}",
                field="status",
                value=status,
            )
        where.append(o.status == status)
    if stage is not None:
        require_stage(settings, stage)
        where.append(o.stage == stage)
    if type is not None:
        if type not in OPPORTUNITY_TYPES:
            raise ValidationError(
                f"unknown type {type!r}; use one of: {', '.join(OPPORTUNITY_TYPES)}",
                field="type",
                value=type,
            )
        where.append(o.type == type)
    if account_id is not None:
        where.append(o.account_id == account_id)
    with store.read() as conn:
        if owner is not None:
            where.append(o.owner_id == find_user(conn, owner, field="owner").id)
        total = int(
            conn.execute(
                sa.select(sa.func.count()).select_from(opportunities).where(*where)
            ).scalar_one()
        )
        rows = conn.execute(
            _query()
            .where(*where)
            .order_by(o.created_at.desc(), o.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return Page([view(settings, r) for r in rows], total, limit, offset)


def account_opportunities(
    conn: sa.Connection, settings: Settings, account_id: uuid.UUID, *, limit: int = 50
) -> list[OpportunityView]:
    """An account's opportunities as :func:`list_opportunities` orders them, on the
    caller's connection and without the total."""
    check_page(limit, 0)
    o = opportunities.c
    rows = conn.execute(
        _query()
        .where(o.account_id == account_id)
        .order_by(o.created_at.desc(), o.id.desc())
        .limit(limit)
    )
    return [view(settings, r) for r in rows]


def require_stage(settings: Settings, stage: str) -> None:
    """Refuse a stage id that is not configured, naming the valid ones."""
    ids = [s.id for s in settings.pipeline.stages]
    if stage not in ids:
        raise ValidationError(
            f"unknown stage {stage!r}; valid stages: {', '.join(ids)}",
            field="stage",
            value=stage,
            valid=ids,
        )


def owner_emails(conn: sa.Connection, ids: list[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    return {k: v.email for k, v in users_by_id(conn, ids).items()}
