"""Notes follow the account's edit policy and are audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import Principal
from devfunnel.admin.users import get_user
from devfunnel.dashboard.account_notes import add_note, delete_note, list_notes
from devfunnel.errors import Forbidden, NotFound, ValidationError
from devfunnel.ids import new_id
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from tests.helpers.web import make_user


def actions_of(store: Store, prefix: str) -> list[str]:
    from devfunnel.store.schema.admin import audit_log

    with store.read() as conn:
        rows = conn.execute(sa.select(audit_log.c.action)).scalars()
        return [a for a in rows if a.startswith(prefix)]


def person(store: Store, role: str) -> Principal:
    user = get_user(store, make_user(store, role).email)
    return Principal(Actor("user", user.id, user.email), user_id=user.id, role=role)


def test_sellers_note_their_own_accounts_only(demo: Store) -> None:
    seller, viewer, manager = (person(demo, r) for r in ("seller", "viewer", "sales_manager"))
    with demo.transaction() as conn:
        ours, theirs = conn.execute(sa.select(accounts.c.id).limit(2)).scalars().all()
        conn.execute(accounts.update().where(accounts.c.id == ours)
                     .values(owner_id=seller.user_id))  # fmt: skip
    note = add_note(demo, seller, ours, "  Champion is Jane.  ")
    assert note.body == "Champion is Jane."
    with pytest.raises(Forbidden, match="only their own"):
        add_note(demo, seller, theirs, "not mine")
    with pytest.raises(Forbidden):
        add_note(demo, viewer, ours, "viewers change nothing")
    with pytest.raises(ValidationError, match="empty"):
        add_note(demo, seller, ours, "   ")
    add_note(demo, manager, theirs, "managers note any account")
    assert [n.body for n in list_notes(demo, ours)] == ["Champion is Jane."]
    with pytest.raises(Forbidden):
        delete_note(demo, viewer, note.id)
    delete_note(demo, seller, note.id)
    assert list_notes(demo, ours) == []
    actions = actions_of(demo, "account_note")
    assert sorted(actions) == ["account_note.create", "account_note.create",
                               "account_note.delete"]  # fmt: skip


def test_an_unknown_account_is_not_found(demo: Store) -> None:
    with pytest.raises(NotFound):
        add_note(demo, person(demo, "admin"), new_id(), "hello")
