"""Read scores: the ranked account list, one account's scores with their why, and the
momentum history. The CLI, the JSON API and the dashboard all call these."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.geo import SEGMENTS
from devfunnel.scoring.grades import GRADES
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.scores import account_score_history, account_scores

#: Sort keys: each sorts best first, then by momentum and id so pages are stable.
SORTS = ("momentum", "fit", "grade")
MAX_LIMIT = 500


@dataclass(frozen=True)
class AccountScore:
    """An account's scores, with the signals that make them up."""

    account_id: uuid.UUID
    name: str
    domain: str | None
    segment: str | None
    owner_id: uuid.UUID | None
    momentum: float
    fit: float
    grade: str
    percentile: float | None
    journey_stage: str | None
    active_developers: int
    pqa: bool
    pqa_since: datetime | None
    why: dict[str, Any]
    computed_at: datetime


@dataclass(frozen=True)
class AccountPage:
    total: int
    limit: int
    offset: int
    items: list[AccountScore] = field(default_factory=list)


@dataclass(frozen=True)
class AccountFilters:
    grade: str | None = None
    stage: str | None = None
    owner: uuid.UUID | None = None
    pqa: bool | None = None
    segment: str | None = None

    def checked(self, settings: Settings) -> AccountFilters:
        """The same filters with values normalised; unknown grades or stages refused."""
        grade = self.grade.upper() if self.grade else None
        if grade is not None and grade not in GRADES:
            raise ValidationError(
                f"unknown grade {self.grade!r}; use one of {', '.join(GRADES)}",
                field="grade", value=self.grade,
            )  # fmt: skip
        stage = self.stage.lower() if self.stage else None
        if stage is not None and stage not in settings.journey.stage_ids():
            raise ValidationError(
                f"unknown journey stage {self.stage!r}; use one of "
                f"{', '.join(settings.journey.stage_ids())}",
                field="stage", value=self.stage,
            )  # fmt: skip
        return AccountFilters(grade, stage, self.owner, self.pqa, self.segment)


def _columns() -> list[Any]:
    s, a = account_scores.c, accounts.c
    return [s.account_id, a.name, a.domain, a.segment, a.owner_id, s.momentum, s.fit, s.grade,
            s.percentile, s.journey_stage, s.active_developers, s.pqa, s.pqa_since, s.why,
            s.computed_at]  # fmt: skip


def _row(r: Any) -> AccountScore:
    why = r.why if isinstance(r.why, dict) else {}
    return AccountScore(
        r.account_id, r.name, r.domain, r.segment, r.owner_id, float(r.momentum), float(r.fit),
        r.grade, r.percentile, r.journey_stage, int(r.active_developers), bool(r.pqa),
        r.pqa_since, why, r.computed_at,
    )  # fmt: skip


def _require_segment(store: Store, segment: str) -> None:
    """Refuse a segment that is neither one devfunnel assigns nor one an account carries
    (any case): an unknown one answered an empty page, as a typo would."""
    with store.read() as conn:
        stored = conn.execute(
            sa.select(sa.func.lower(accounts.c.segment))
            .where(accounts.c.segment.is_not(None))
            .distinct()
        ).scalars()
        known = sorted({*SEGMENTS, *(str(value) for value in stored)})
    if segment.lower() not in known:
        raise ValidationError(
            f"unknown segment {segment!r}; use one of: {', '.join(known)}",
            field="segment",
            value=segment,
        )


def list_accounts(
    store: Store,
    settings: Settings,
    filters: AccountFilters | None = None,
    *,
    sort: str = "momentum",
    limit: int = 50,
    offset: int = 0,
) -> AccountPage:
    """Scored accounts matching ``filters``, best first by ``sort``, one page."""
    f = (filters or AccountFilters()).checked(settings)
    if sort not in SORTS:
        raise ValidationError(
            f"unknown sort {sort!r}; use one of {', '.join(SORTS)}", field="sort", value=sort
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationError(f"limit {limit} is outside 1-{MAX_LIMIT}", field="limit", value=limit)
    if offset < 0:
        raise ValidationError(f"offset {offset} is negative", field="offset", value=offset)
    if f.segment:
        _require_segment(store, f.segment)
    s, a = account_scores.c, accounts.c
    conditions = []
    if f.grade:
        conditions.append(s.grade == f.grade)
    if f.stage:
        conditions.append(s.journey_stage == f.stage)
    if f.owner:
        conditions.append(a.owner_id == f.owner)
    if f.pqa is not None:
        conditions.append(s.pqa.is_(f.pqa))
    if f.segment:
        conditions.append(sa.func.lower(a.segment) == f.segment.lower())
    joined = account_scores.join(accounts, a.id == s.account_id)
    first = {"momentum": s.momentum.desc(), "fit": s.fit.desc(), "grade": s.grade.asc()}[sort]
    query = (
        sa.select(*_columns()).select_from(joined).where(*conditions)
        .order_by(first, s.momentum.desc(), s.account_id).limit(limit).offset(offset)
    )  # fmt: skip
    with store.read() as conn:
        total = conn.execute(
            sa.select(sa.func.count()).select_from(joined).where(*conditions)
        ).scalar_one()
        items = [_row(r) for r in conn.execute(query)]
    return AccountPage(int(total), limit, offset, items)


def account_score(store: Store, account_id: uuid.UUID) -> AccountScore | None:
    """One account's scores, or ``None`` before it was ever scored."""
    with store.read() as conn:
        return read_account_score(conn, account_id)


def read_account_score(conn: sa.Connection, account_id: uuid.UUID) -> AccountScore | None:
    """:func:`account_score` on the caller's connection."""
    s, a = account_scores.c, accounts.c
    row = conn.execute(
        sa.select(*_columns())
        .select_from(account_scores.join(accounts, a.id == s.account_id))
        .where(s.account_id == account_id)
    ).first()
    return _row(row) if row is not None else None


@dataclass(frozen=True)
class MomentumPoint:
    day: date
    momentum: float
    fit: float
    active_developers: int


def momentum_history(
    store: Store, account_id: uuid.UUID, *, since: date | None = None
) -> list[MomentumPoint]:
    """The account's momentum points, oldest first (weekly from the backfill, then one
    per day scores were computed)."""
    with store.read() as conn:
        return read_momentum_history(conn, account_id, since=since)


def read_momentum_history(
    conn: sa.Connection, account_id: uuid.UUID, *, since: date | None = None
) -> list[MomentumPoint]:
    """:func:`momentum_history` on the caller's connection."""
    h = account_score_history.c
    query = sa.select(h.day, h.momentum, h.fit, h.active_developers).where(
        h.account_id == account_id
    )
    if since is not None:
        query = query.where(h.day >= since)
    return [
        MomentumPoint(d, float(m), float(f), int(n))
        for d, m, f, n in conn.execute(query.order_by(h.day))
    ]
