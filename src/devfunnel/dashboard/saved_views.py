"""Saved views: a person's named filters and sort of a list, kept so the Accounts page
opens the way they work ("My A accounts in Build", "PQAs this month").

A view belongs to the user who saved it: only they delete it. A view marked ``shared``
is listed for everyone (read-only). Views are personal, so any signed-in role may save
them, a viewer included; API keys have no user and so no views. Every save and delete
is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal
from devfunnel.config import Settings
from devfunnel.dashboard.account_list import AccountQuery
from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.ids import new_id
from devfunnel.pipeline.common import utc_now
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.dashboard import saved_views

#: Lists that have saved views.
PAGES = ("accounts",)
MAX_NAME = 100
#: Unknown filters named in a refusal.
SHOWN = 10


@dataclass(frozen=True)
class SavedView:
    id: uuid.UUID
    page: str
    name: str
    #: The list's filters as query parameters.
    filters: dict[str, str]
    sort: str
    shared: bool
    user_id: uuid.UUID
    owner: str | None
    created_at: datetime
    updated_at: datetime

    def mine(self, principal: Principal) -> bool:
        return principal.user_id == self.user_id

    def query_string(self) -> str:
        from urllib.parse import urlencode

        return urlencode({**self.filters, "sort": self.sort, "view": str(self.id)})


def _user(principal: Principal) -> uuid.UUID:
    if principal.user_id is None:
        raise Forbidden("saved views belong to signed-in users; an API key has none", needed="user")
    return principal.user_id


def _page(page: str) -> None:
    if page not in PAGES:
        raise ValidationError(
            f"unknown page {page!r}; views exist for {', '.join(PAGES)}", field="page", value=page
        )


def _checked(settings: Settings, page: str, filters: Mapping[str, Any], sort: str) -> AccountQuery:
    _page(page)
    unknown = sorted(set(filters) - set(AccountQuery.__dataclass_fields__) - {"sort"})
    if unknown:
        # Named up to a few: an answer should not grow with a garbage request.
        shown = ", ".join(repr(k[:50]) for k in unknown[:SHOWN])
        more = f" and {len(unknown) - SHOWN} more" if len(unknown) > SHOWN else ""
        raise ValidationError(
            f"unknown filters {shown}{more}", field="filters", value=unknown[:SHOWN]
        )
    return AccountQuery.from_params({**filters, "sort": sort}, settings)


def _columns() -> tuple[Any, ...]:
    v, u = saved_views.c, users.c
    return (
        v.id,
        v.page,
        v.name,
        v.filters,
        v.sort,
        v.shared,
        v.user_id,
        sa.func.coalesce(u.name, u.email).label("owner"),
        v.created_at,
        v.updated_at,
    )


def _view(r: Any) -> SavedView:
    filters = r.filters if isinstance(r.filters, dict) else {}
    return SavedView(
        r.id,
        r.page,
        r.name,
        {str(k): str(v) for k, v in filters.items()},
        r.sort,
        bool(r.shared),
        r.user_id,
        r.owner,
        r.created_at,
        r.updated_at,
    )


def list_views(store: Store, principal: Principal, page: str = "accounts") -> list[SavedView]:
    """The caller's views of ``page``, then the team's shared ones, each by name."""
    me = _user(principal)
    _page(page)
    v, u = saved_views.c, users.c
    with store.read() as conn:
        rows = conn.execute(
            sa.select(*_columns())
            .select_from(saved_views.join(users, u.id == v.user_id))
            .where(v.page == page, sa.or_(v.user_id == me, v.shared.is_(True)))
            .order_by(sa.case((v.user_id == me, 0), else_=1), sa.func.lower(v.name), v.id)
        ).all()
    return [_view(r) for r in rows]


def get_view(store: Store, principal: Principal, view_id: uuid.UUID) -> SavedView:
    """One view the caller may open (theirs, or shared); NotFound otherwise."""
    me = _user(principal)
    v, u = saved_views.c, users.c
    with store.read() as conn:
        row = conn.execute(
            sa.select(*_columns())
            .select_from(saved_views.join(users, u.id == v.user_id))
            .where(v.id == view_id, sa.or_(v.user_id == me, v.shared.is_(True)))
        ).first()
    if row is None:
        raise NotFound(f"no saved view {view_id}", view=str(view_id))
    return _view(row)


def create_view(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    name: str,
    filters: Mapping[str, Any],
    sort: str = "-momentum",
    page: str = "accounts",
    shared: bool = False,
    now: datetime | None = None,
) -> SavedView:
    """Save a view for the caller. The filters are checked as the list checks them and
    stored normalised; a second view of the same name on the same page is a Conflict."""
    me = _user(principal)
    clean = name.strip()
    if not clean or len(clean) > MAX_NAME:
        raise ValidationError(f"name must be 1 to {MAX_NAME} characters", field="name", value=name)
    query = _checked(settings, page, filters, sort)
    at = utc_now(now)
    v = saved_views.c
    view_id = new_id()
    values = {
        "id": view_id,
        "user_id": me,
        "page": page,
        "name": clean,
        "filters": query.params(with_sort=False),
        "sort": query.sort,
        "shared": shared,
        "created_at": at,
        "updated_at": at,
    }
    with store.transaction() as conn:
        taken = conn.execute(
            sa.select(v.id).where(v.user_id == me, v.page == page, v.name == clean)
        ).first()
        if taken is not None:
            raise Conflict(
                f"you already have a view named {clean!r}; pick another name", view=str(taken.id)
            )
        conn.execute(saved_views.insert().values(**values))
        audit.record(
            conn,
            principal.actor,
            "view.create",
            entity_kind="saved_view",
            entity_id=view_id,
            after={k: values[k] for k in ("page", "name", "filters", "sort", "shared")},
        )
    return get_view(store, principal, view_id)


def delete_view(store: Store, principal: Principal, view_id: uuid.UUID) -> SavedView:
    """Delete one of the caller's views (a shared view of someone else is Forbidden)."""
    found = get_view(store, principal, view_id)
    if not found.mine(principal):
        raise Forbidden(
            f"the view {found.name!r} is {found.owner}'s; only they delete it", needed="owner"
        )
    with store.transaction() as conn:
        conn.execute(saved_views.delete().where(saved_views.c.id == view_id))
        audit.record(
            conn,
            principal.actor,
            "view.delete",
            entity_kind="saved_view",
            entity_id=view_id,
            before={
                "page": found.page,
                "name": found.name,
                "filters": found.filters,
                "sort": found.sort,
            },
        )
    return found
