"""The Accounts page's list: every live account with its scores, filtered, sorted and
paginated in the database, so a page reads one screenful whatever the company's size.

Filters arrive as query parameters (the page's form, a saved view, a drill-down link
from the Journey page) and are checked once by :meth:`AccountQuery.from_params`, which
names any bad value. Accounts not scored yet are listed too (no grade), after the scored
ones whatever the sort.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.scoring.grades import GRADES
from devfunnel.store import Store
from devfunnel.store.query import MOST_OFFSET
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.scores import account_scores, journey_transitions

#: Filter parameters, in the order the page shows them.
FILTERS = (
    "q",
    "grade",
    "stage",
    "reached",
    "cohort",
    "owner",
    "pqa",
    "segment",
    "min_momentum",
    "min_fit",
)
#: Sort keys; ``-key`` sorts the other way. Default: momentum, highest first.
SORTS = ("momentum", "fit", "grade", "name", "stage", "developers", "owner")
DEFAULT_SORT = "-momentum"
PAGE_SIZES = (25, 50, 100)
MAX_SEARCH = 100


@dataclass(frozen=True)
class AccountQuery:
    """What the list shows. ``owner`` is a user id, ``me`` (the caller) or ``none``
    (unowned); ``reached`` is a journey stage ever reached; ``cohort`` the month an
    account reached its first stage."""

    q: str | None = None
    grade: str | None = None
    stage: str | None = None
    reached: str | None = None
    cohort: date | None = None
    owner: str | None = None
    pqa: bool | None = None
    segment: str | None = None
    min_momentum: float | None = None
    min_fit: float | None = None
    sort: str = DEFAULT_SORT

    @classmethod
    def from_params(cls, params: Mapping[str, Any], settings: Settings) -> AccountQuery:
        """Parse query parameters (strings; empty means unset), refusing bad values with
        the parameter's name. Unknown parameters are ignored (``page``, ``view``...)."""
        raw = {k: (str(v).strip() if v is not None else "") for k, v in params.items()}
        given = {k: v for k, v in raw.items() if v}
        stages = settings.journey.stage_ids()

        def bad(name: str, why: str) -> ValidationError:
            return ValidationError(f"{name}: {why}", field=name, value=given.get(name))

        grade = given.get("grade", "").upper() or None
        if grade is not None and grade not in GRADES:
            raise bad("grade", f"unknown grade {given['grade']!r}; use one of {', '.join(GRADES)}")
        for name in ("stage", "reached"):
            value = given.get(name, "").lower()
            if value and value not in stages:
                raise bad(
                    name, f"unknown journey stage {given[name]!r}; use one of {', '.join(stages)}"
                )
        cohort = None
        if "cohort" in given:
            try:
                cohort = date.fromisoformat(given["cohort"][:7] + "-01")
            except ValueError:
                raise bad("cohort", f"{given['cohort']!r} is not a month like 2026-03") from None
        owner = given.get("owner")
        if owner is not None and owner not in ("me", "none"):
            try:
                owner = str(uuid.UUID(owner))
            except ValueError:
                raise bad("owner", f"{owner!r} is not a user id, me or none") from None
        pqa = None
        if "pqa" in given:
            if given["pqa"].lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise bad("pqa", f"{given['pqa']!r} is not true or false")
            pqa = given["pqa"].lower() in ("true", "1", "yes")
        numbers: dict[str, float | None] = {}
        for name in ("min_momentum", "min_fit"):
            numbers[name] = None
            if name in given:
                try:
                    numbers[name] = float(given[name])
                except ValueError:
                    raise bad(name, f"{given[name]!r} is not a number") from None
                if not math.isfinite(numbers[name] or 0.0):
                    raise bad(name, f"{given[name]!r} is not a finite number")
        sort = given.get("sort", DEFAULT_SORT)
        if sort.lstrip("-") not in SORTS:
            raise bad(
                "sort",
                f"unknown sort {sort!r}; use one of {', '.join(SORTS)} (prefix - to reverse)",
            )
        q = given.get("q")
        if q is not None and len(q) > MAX_SEARCH:
            raise bad("q", f"search text longer than {MAX_SEARCH} characters")
        return cls(
            q,
            grade,
            given.get("stage", "").lower() or None,
            given.get("reached", "").lower() or None,
            cohort,
            owner,
            pqa,
            given.get("segment"),
            numbers["min_momentum"],
            numbers["min_fit"],
            sort,
        )

    def params(self, *, with_sort: bool = True) -> dict[str, str]:
        """The query as parameters again (unset ones left out), for links and views."""
        out: dict[str, str] = {}
        for name, value in asdict(self).items():
            if value is None or name == "sort":
                continue
            if isinstance(value, bool):
                out[name] = "true" if value else "false"
            elif isinstance(value, date):
                out[name] = value.strftime("%Y-%m")
            elif isinstance(value, float):
                out[name] = f"{value:g}"
            else:
                out[name] = str(value)
        if with_sort and self.sort != DEFAULT_SORT:
            out["sort"] = self.sort
        return out

    def sorted_by(self, key: str) -> AccountQuery:
        """This query sorted by ``key``; the same key again flips the direction."""
        current = self.sort.lstrip("-")
        if current == key:
            flipped = key if self.sort.startswith("-") else f"-{key}"
            return replace(self, sort=flipped)
        ascending = key in ("name", "grade", "stage", "owner")
        return replace(self, sort=key if ascending else f"-{key}")


@dataclass(frozen=True)
class AccountRow:
    id: uuid.UUID
    name: str
    domain: str | None
    segment: str | None
    employees: int | None
    owner_id: uuid.UUID | None
    owner_name: str | None
    grade: str | None
    momentum: float | None
    fit: float | None
    journey_stage: str | None
    active_developers: int | None
    pqa: bool
    pqa_since: datetime | None


@dataclass(frozen=True)
class AccountListPage:
    query: AccountQuery
    total: int
    limit: int
    offset: int
    items: list[AccountRow] = field(default_factory=list)

    @property
    def page(self) -> int:
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))


def _conditions(
    query: AccountQuery, settings: Settings, me: uuid.UUID | None
) -> list[sa.ColumnElement[bool]]:
    a, s, t = accounts.c, account_scores.c, journey_transitions.c
    where: list[sa.ColumnElement[bool]] = [a.merged_into.is_(None)]
    if query.q:
        needle = query.q.lower()  # "%" and "_" are searched for as themselves
        where.append(
            sa.or_(
                sa.func.lower(a.name).contains(needle, autoescape=True),
                sa.func.lower(sa.func.coalesce(a.domain, "")).contains(needle, autoescape=True),
            )
        )
    if query.grade:
        where.append(s.grade == query.grade)
    if query.stage:
        where.append(s.journey_stage == query.stage)
    if query.reached:
        where.append(
            a.id.in_(
                sa.select(t.subject_id).where(t.subject_kind == "account", t.stage == query.reached)
            )
        )
    if query.cohort:
        start = datetime(query.cohort.year, query.cohort.month, 1, tzinfo=UTC)
        year, month = divmod(query.cohort.year * 12 + query.cohort.month, 12)
        end = datetime(year, month + 1, 1, tzinfo=UTC)
        first = (
            sa.select(t.subject_id)
            .where(t.subject_kind == "account")
            .group_by(t.subject_id)
            .having(sa.func.min(t.reached_at) >= start, sa.func.min(t.reached_at) < end)
        )
        where.append(a.id.in_(first))
    if query.owner == "none":
        where.append(a.owner_id.is_(None))
    elif query.owner == "me":
        where.append(a.owner_id == me if me is not None else sa.false())
    elif query.owner:
        where.append(a.owner_id == uuid.UUID(query.owner))
    if query.pqa is not None:
        where.append(s.pqa.is_(True) if query.pqa else sa.func.coalesce(s.pqa, False).is_(False))
    if query.segment:
        where.append(sa.func.lower(a.segment) == query.segment.lower())
    if query.min_momentum is not None:
        where.append(s.momentum >= query.min_momentum)
    if query.min_fit is not None:
        where.append(s.fit >= query.min_fit)
    return where


def list_accounts(
    store: Store,
    settings: Settings,
    query: AccountQuery,
    *,
    me: uuid.UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> AccountListPage:
    """One page of accounts matching ``query``; ``me`` is the caller (``owner=me``)."""
    if not 1 <= limit <= max(PAGE_SIZES):
        raise ValidationError(
            f"limit {limit} is outside 1-{max(PAGE_SIZES)}", field="limit", value=limit
        )
    if not 0 <= offset <= MOST_OFFSET:
        raise ValidationError(
            f"offset {offset} is outside 0-{MOST_OFFSET}", field="offset", value=offset
        )
    a, s, u = accounts.c, account_scores.c, users.c
    stage_order = sa.case(
        *[(s.journey_stage == sid, i) for i, sid in enumerate(settings.journey.stage_ids())],
        else_=None,
    )
    keys = {
        "momentum": s.momentum,
        "fit": s.fit,
        "grade": s.grade,
        "name": sa.func.lower(a.name),
        "stage": stage_order,
        "developers": s.active_developers,
        "owner": sa.func.lower(sa.func.coalesce(u.name, u.email)),
    }
    key = keys[query.sort.lstrip("-")]
    first = key.desc().nulls_last() if query.sort.startswith("-") else key.asc().nulls_last()
    joined = accounts.outerjoin(account_scores, s.account_id == a.id).outerjoin(
        users, u.id == a.owner_id
    )
    where = _conditions(query, settings, me)
    columns = (
        a.id,
        a.name,
        a.domain,
        a.segment,
        a.employees,
        a.owner_id,
        sa.func.coalesce(u.name, u.email).label("owner_name"),
        s.grade,
        s.momentum,
        s.fit,
        s.journey_stage,
        s.active_developers,
        s.pqa,
        s.pqa_since,
    )
    with store.read() as conn:
        # The total rides along with the page (the sort reads every match anyway); only a
        # page past the end, which has no row to carry it, counts separately.
        rows = conn.execute(
            sa.select(*columns, sa.func.count().over().label("matching"))
            .select_from(joined)
            .where(*where)
            .order_by(first, s.momentum.desc().nulls_last(), a.id)
            .limit(limit)
            .offset(offset)
        ).all()
        if rows:
            total = rows[0].matching
        elif offset == 0:
            total = 0
        else:
            total = conn.execute(
                sa.select(sa.func.count()).select_from(joined).where(*where)
            ).scalar_one()
    items = [
        AccountRow(
            r.id,
            r.name,
            r.domain,
            r.segment,
            r.employees,
            r.owner_id,
            r.owner_name,
            r.grade,
            None if r.momentum is None else float(r.momentum),
            None if r.fit is None else float(r.fit),
            r.journey_stage,
            None if r.active_developers is None else int(r.active_developers),
            bool(r.pqa),
            r.pqa_since,
        )
        for r in rows
    ]
    return AccountListPage(query, int(total), limit, offset, items)


def owner_choices(store: Store) -> list[tuple[str, str]]:
    """``(user id, name)`` of everyone who owns an account, for the owner filter."""
    a, u = accounts.c, users.c
    with store.read() as conn:
        rows = conn.execute(
            sa.select(u.id, sa.func.coalesce(u.name, u.email).label("label"))
            .where(u.id.in_(sa.select(a.owner_id).where(a.owner_id.is_not(None)).distinct()))
            .order_by("label")
        ).all()
    return [(str(r.id), r.label) for r in rows]


def segment_choices(store: Store) -> list[str]:
    a = accounts.c
    with store.read() as conn:
        return [
            s
            for (s,) in conn.execute(
                sa.select(a.segment)
                .where(a.segment.is_not(None), a.merged_into.is_(None))
                .distinct()
                .order_by(a.segment)
            )
        ]
