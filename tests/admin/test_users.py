"""Users who sign in: created with a hashed password, roles changed, passwords reset,
deactivated; every change audited; the last admin is kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from devfunnel.admin import users
from devfunnel.admin.audit import CLI
from devfunnel.admin.passwords import verify_password
from devfunnel.errors import Conflict, NotFound, ValidationError
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.admin import users as users_table
from tests.helpers.web import PASSWORD, make_user


def _hash(store: Store, email: str) -> str:
    with store.read() as conn:
        query = sa.select(users_table.c.password_hash).where(users_table.c.email == email)
        return str(conn.execute(query).scalar_one())


def _actions(store: Store) -> list[str]:
    with store.read() as conn:
        query = sa.select(audit_log.c.action).order_by(audit_log.c.occurred_at)
        return list(conn.execute(query).scalars())


def test_a_created_user_has_an_argon2_hash_not_the_password(store: Store) -> None:
    user = users.create_user(store, " Ana@Acme.dev ", "seller", PASSWORD, CLI, name="Ana")
    assert (user.email, user.role, user.name, user.can_sign_in) == (
        "ana@acme.dev", "seller", "Ana", True)  # fmt: skip
    stored = _hash(store, "ana@acme.dev")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "!")
    assert _actions(store) == ["user.create"]


@pytest.mark.parametrize(
    ("email", "role", "password", "field"),
    [
        ("not-an-email", "seller", PASSWORD, "email"),
        ("a@acme.dev", "boss", PASSWORD, "role"),
        ("a@acme.dev", "seller", "short", "password"),
        ("anna.long@acme.dev", "seller", "anna.long@acme.dev", "password"),
    ],
)
def test_bad_input_names_the_field(
    store: Store, email: str, role: str, password: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        users.create_user(store, email, role, password, CLI)
    assert caught.value.context["field"] == field
    assert users.list_users(store) == []


def test_an_email_is_held_once(store: Store) -> None:
    make_user(store, "seller", "ana@acme.dev")
    with pytest.raises(Conflict, match="exists"):
        users.create_user(store, "ANA@acme.dev", "viewer", PASSWORD, CLI)


def test_role_password_and_deactivation_are_audited(store: Store) -> None:
    make_user(store, "admin")
    ana = make_user(store, "viewer", "ana@acme.dev")
    assert users.set_role(store, "ana@acme.dev", "seller", CLI).role == "seller"
    before = _hash(store, "ana@acme.dev")
    users.set_password(store, ana.id, "another long passphrase", CLI)
    assert _hash(store, "ana@acme.dev") != before
    off = users.set_active(store, "ana@acme.dev", False, CLI)
    assert (off.active, off.can_sign_in) == (False, False)
    assert users.set_active(store, ana.id, True, CLI).active
    assert _actions(store)[2:] == [
        "user.set_role", "user.set_password", "user.deactivate", "user.activate"]  # fmt: skip
    with store.read() as conn:
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "user.set_role")
        ).one()
    assert (entry.before, entry.after, entry.actor_kind) == (
        {"role": "viewer"}, {"role": "seller"}, "cli")  # fmt: skip
    with store.read() as conn:
        logged = conn.execute(
            sa.select(audit_log.c.after).where(audit_log.c.action == "user.set_password")
        ).scalar_one()
    assert logged == {"password": "changed"}


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(store: Store) -> None:
    make_user(store, "admin", "root@acme.dev")
    with pytest.raises(Conflict, match="last active admin"):
        users.set_role(store, "root@acme.dev", "viewer", CLI)
    with pytest.raises(Conflict, match="last active admin"):
        users.set_active(store, "root@acme.dev", False, CLI)
    make_user(store, "admin", "second@acme.dev")
    assert users.set_role(store, "root@acme.dev", "viewer", CLI).role == "viewer"


def test_unknown_users_are_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match=r"nobody@acme\.dev"):
        users.set_role(store, "nobody@acme.dev", "seller", CLI)
