"""Saved views: personal, checked like the list, shared read-only, audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from devfunnel.admin.permissions import Principal
from devfunnel.admin.users import get_user
from devfunnel.config import Settings
from devfunnel.dashboard.account_list import AccountQuery, list_accounts
from devfunnel.dashboard.saved_views import create_view, delete_view, get_view, list_views
from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.store import Store
from tests.helpers.web import make_user


def actions_of(store: Store, prefix: str) -> list[str]:
    from devfunnel.store.schema.admin import audit_log

    with store.read() as conn:
        rows = conn.execute(sa.select(audit_log.c.action)).scalars()
        return [a for a in rows if a.startswith(prefix)]


def principal(store: Store, role: str) -> Principal:
    user = get_user(store, make_user(store, role).email)
    from devfunnel.admin.audit import Actor

    return Principal(Actor("user", user.id, user.email), user_id=user.id, role=role)


def test_a_view_saves_normalised_filters_and_reopens_the_same_list(
    store: Store, settings: Settings
) -> None:
    viewer = principal(store, "viewer")
    view = create_view(store, settings, viewer, name=" A in build ",
                       filters={"grade": "a", "stage": "BUILD", "q": ""}, sort="fit")  # fmt: skip
    assert (view.name, view.filters, view.sort) == ("A in build", {"grade": "A", "stage": "build"},
                                                   "fit")  # fmt: skip
    again = AccountQuery.from_params({**view.filters, "sort": view.sort}, settings)
    assert again == AccountQuery(grade="A", stage="build", sort="fit")
    assert [v.id for v in list_views(store, viewer)] == [view.id]
    assert "view=" in view.query_string()
    assert actions_of(store, "view.") == ["view.create"]


@pytest.mark.parametrize(
    ("filters", "sort", "named"),
    [({"grade": "Z"}, "-momentum", "grade"), ({"colour": "red"}, "-momentum", "colour"),
     ({}, "vibes", "sort"), ({"cohort": "spring"}, "-momentum", "cohort")],
)  # fmt: skip
def test_bad_filters_are_refused_naming_them(
    store: Store, settings: Settings, filters: dict[str, str], sort: str, named: str
) -> None:
    with pytest.raises(ValidationError, match=named):
        create_view(store, settings, principal(store, "seller"), name="x", filters=filters,
                    sort=sort)  # fmt: skip


def test_views_are_personal_unless_shared(store: Store, settings: Settings) -> None:
    seller, devrel = principal(store, "seller"), principal(store, "devrel")
    private = create_view(store, settings, seller, name="mine", filters={"owner": "me"})
    shared = create_view(store, settings, seller, name="team", filters={"pqa": "true"},
                         shared=True)  # fmt: skip
    assert [v.name for v in list_views(store, devrel)] == ["team"]
    with pytest.raises(NotFound):
        get_view(store, devrel, private.id)
    with pytest.raises(Forbidden, match="only they delete it"):
        delete_view(store, devrel, shared.id)
    with pytest.raises(Conflict):
        create_view(store, settings, seller, name="mine", filters={})
    delete_view(store, seller, private.id)
    assert [v.name for v in list_views(store, seller)] == ["team"]


def test_keys_have_no_views(store: Store, settings: Settings) -> None:
    from devfunnel.admin.audit import CLI

    with pytest.raises(Forbidden, match="signed-in users"):
        list_views(store, Principal(CLI, scope="admin"))


def test_the_list_filters_sorts_and_pages(demo: Store, settings: Settings) -> None:
    everyone = list_accounts(demo, settings, AccountQuery(), limit=100)
    assert everyone.total == len(everyone.items) > 10
    momenta = [a.momentum for a in everyone.items if a.momentum is not None]
    assert momenta == sorted(momenta, reverse=True)
    by_name = list_accounts(demo, settings, AccountQuery(sort="name"), limit=5, offset=5)
    names = sorted(a.name.lower() for a in everyone.items)
    assert [a.name.lower() for a in by_name.items] == names[5:10]
    some = everyone.items[3]
    found = list_accounts(demo, settings, AccountQuery(q=(some.domain or some.name)[:6].upper()))
    assert some.id in [a.id for a in found.items]
    owner = next(a.owner_id for a in everyone.items if a.owner_id)
    mine = list_accounts(demo, settings, AccountQuery(owner="me"), me=owner, limit=100)
    assert mine.total == sum(a.owner_id == owner for a in everyone.items) > 0
    graded = list_accounts(demo, settings, AccountQuery(grade="A", min_fit=1), limit=100)
    assert all(a.grade == "A" and (a.fit or 0) >= 1 for a in graded.items)
    reached = list_accounts(demo, settings, AccountQuery(reached="build"), limit=100)
    at_least = {"build", "scale"}
    assert {a.journey_stage for a in reached.items} <= at_least | {None}
