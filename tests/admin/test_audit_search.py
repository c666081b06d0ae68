"""Searching the audit log by actor, action, entity and dates."""

from __future__ import annotations

from datetime import date, timedelta

from devfunnel.admin import api_keys, audit, users
from devfunnel.admin.audit import CLI, Actor, AuditFilter
from devfunnel.store import Store
from tests.helpers.web import make_user


def test_filters_narrow_the_log(store: Store) -> None:
    admin = make_user(store, "admin", "root@acme.dev")
    as_admin = Actor("user", id=admin.id, label=admin.email)
    ana = make_user(store, "viewer", "ana@acme.dev")
    users.set_role(store, ana.id, "seller", as_admin)
    api_keys.create_key(store, "web_app", "ingest", as_admin)

    def actions(**where: object) -> list[str]:
        return [e.action for e in audit.search(store, AuditFilter(**where))]  # type: ignore[arg-type]

    assert actions() == ["api_key.create", "user.set_role", "user.create", "user.create"]
    assert actions(actor="ROOT@") == ["api_key.create", "user.set_role"]
    assert actions(actor="cli") == ["user.create", "user.create"]
    assert actions(action="user.") == ["user.set_role", "user.create", "user.create"]
    assert actions(action="user.set_%") == []  # wildcards are literal
    assert actions(entity="api_key") == ["api_key.create"]
    assert actions(entity=str(ana.id)) == ["user.set_role", "user.create"]
    today = date.today()
    assert len(actions(since=today - timedelta(days=1), until=today + timedelta(days=1))) == 4
    assert actions(until=today - timedelta(days=2)) == []
    assert audit.actions(store) == ["api_key.create", "user.create", "user.set_role"]
    assert [e.action for e in audit.search(store, AuditFilter(), limit=1, offset=1)] == [
        "user.set_role"
    ]
    assert CLI.kind == "cli"
