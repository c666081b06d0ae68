"""The role and scope policy every route and page asks."""

from __future__ import annotations

import uuid

import pytest

from devfunnel.admin.audit import Actor
from devfunnel.admin.permissions import (
    Principal,
    can_edit,
    can_manage,
    can_read,
    require_edit,
    require_manage,
)
from devfunnel.errors import Forbidden

ME, OTHER = uuid.uuid4(), uuid.uuid4()


def user(role: str) -> Principal:
    return Principal(actor=Actor("user", id=ME, label="me@acme.dev"), user_id=ME, role=role)


def key(scope: str) -> Principal:
    return Principal(actor=Actor("api_key", label="key"), scope=scope)


@pytest.mark.parametrize(
    ("principal", "mine", "theirs"),
    [
        (user("admin"), True, True),
        (user("sales_manager"), True, True),
        (user("seller"), True, False),
        (user("devrel"), True, False),
        (user("customer_success"), True, False),
        (user("product"), False, False),
        (user("viewer"), False, False),
        (key("write"), True, True),
        (key("admin"), True, True),
        (key("read"), False, False),
        (key("ingest"), False, False),
    ],
    ids=lambda p: getattr(p, "role", None) or getattr(p, "scope", None) or str(p),
)
def test_who_edits_what(principal: Principal, mine: bool, theirs: bool) -> None:
    assert can_edit(principal, [ME, None]) is mine
    assert can_edit(principal, [OTHER]) is theirs


def test_only_admins_manage() -> None:
    assert [r for r in ("admin", "sales_manager", "seller", "viewer") if can_manage(user(r))] == [
        "admin"
    ]
    assert can_manage(key("admin"))
    assert not can_manage(key("write"))
    with pytest.raises(Forbidden, match="only admins manage users"):
        require_manage(user("sales_manager"), what="users")


def test_every_role_reads_but_an_ingest_key_does_not() -> None:
    assert all(can_read(user(r)) for r in ("viewer", "product", "seller"))
    assert not can_read(key("ingest"))


def test_refusals_say_what_is_lacking() -> None:
    with pytest.raises(Forbidden, match="only their own records, and opportunity X is not"):
        require_edit(user("seller"), [OTHER], what="opportunity X")
    with pytest.raises(Forbidden, match="a viewer may not change"):
        require_edit(user("viewer"), [ME])
    with pytest.raises(Forbidden, match="a read key may not change"):
        require_edit(key("read"))
