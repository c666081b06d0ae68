"""Destinations: bad input refused naming the field, URLs masked, secrets never shown,
every change audited."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.admin.audit import CLI
from devfunnel.alerts.destinations import add_destination, list_destinations, remove_destination
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log

SLACK = "https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnop"


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "hooks.slack.com/services/x"}, "url", "url must be an http or https URL"),
        ({"url": "ftp://files.acme.dev/in"}, "url", "url must be an http or https URL"),
        ({"url": "https://"}, "url", "url must be an http or https URL with a host"),
        ({"url": "https://acme.dev/a b"}, "url", "without spaces"),
        ({"kind": "email"}, "kind", "unknown destination kind 'email'; use one of: slack, webhook"),
        ({"kind": "webhook", "secret": None}, "secret", "secret is required for webhook"),
        ({"kind": "webhook", "secret": "short"}, "secret", "at least 16 characters"),
        ({"secret": "s" * 20}, "secret", "slack destinations are not signed"),
        (
            {"alert_kinds": ["became_pqa", "deal_lost"]},
            "alert_kinds",
            "unknown alert kind 'deal_lost'",
        ),
        ({"name": "  "}, "name", "name must have 1 to 100 characters"),
    ],
)
def test_bad_input_names_the_field(
    store: Store, fields: dict[str, Any], field: str, message: str
) -> None:
    values: dict[str, Any] = {"name": "#sales", "kind": "slack", "url": SLACK, **fields}
    with pytest.raises(ValidationError, match=message) as caught:
        add_destination(store, CLI, **values)
    assert caught.value.context["field"] == field
    assert list_destinations(store) == []


def test_names_are_unique_among_active_destinations(store: Store) -> None:
    first = add_destination(store, CLI, name="#sales", kind="slack", url=SLACK)
    with pytest.raises(Conflict, match="an alert destination named '#sales' exists"):
        add_destination(store, CLI, name="#sales", kind="slack", url=SLACK)
    removed = remove_destination(store, "#sales", CLI)
    assert removed.id == first.id
    assert removed.active is False
    assert list_destinations(store) == []
    assert [d.id for d in list_destinations(store, include_removed=True)] == [first.id]
    add_destination(store, CLI, name="#sales", kind="slack", url=SLACK)  # the name is free again


def test_urls_are_masked_and_secrets_never_shown(store: Store) -> None:
    slack = add_destination(store, CLI, name="#sales", kind="slack", url=SLACK)
    hook = add_destination(
        store,
        CLI,
        name="crm",
        kind="webhook",
        url="https://hooks.acme.dev:8443/in?token=abc",
        secret="0123456789abcdef-secret",
        alert_kinds=["deal_quiet", "became_pqa"],
        digest=True,
    )
    assert slack.url == "https://hooks.slack.com/…"
    assert hook.url == "https://hooks.acme.dev:8443/in?…"
    assert hook.has_secret
    assert not slack.has_secret
    assert hook.alert_kinds == ["became_pqa", "deal_quiet"]
    assert [d.name for d in list_destinations(store)] == ["#sales", "crm"]
    with store.read() as conn:
        entries = conn.execute(sa.select(audit_log).order_by(audit_log.c.occurred_at)).all()
    assert [e.action for e in entries] == ["alert_destination.create"] * 2
    assert entries[1].actor_kind == "cli"
    assert "0123456789abcdef-secret" not in repr(entries)
    assert "abcdefghijklmnop" not in repr(entries)
    assert "token=abc" not in repr(entries)


def test_removing_an_unknown_destination(store: Store) -> None:
    with pytest.raises(NotFound, match="no alert destination 'ops'"):
        remove_destination(store, "ops", CLI)
    with pytest.raises(NotFound, match="no alert destination"):
        remove_destination(store, "0196a3b4-0000-7000-8000-000000000000", CLI)
