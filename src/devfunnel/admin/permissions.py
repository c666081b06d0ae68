"""Who may do what: one policy for the JSON API, the pages and anything else that acts
on behalf of a caller.

A caller is a :class:`Principal`: a signed-in user (with a role) or an API key (with a
scope). Routes and pages ask three questions and nothing else:

- :func:`require_read`: may it read the company's data? Every user and every key of
  scope read, write or admin (an ingest key only sends events).
- :func:`require_edit`: may it change *this* record? Admins, sales managers and keys of
  scope write or admin change any record; sellers, DevRel and customer success change the
  records they own (the record's owner, or either side of a handoff); product and viewers
  change nothing.
- :func:`require_manage`: may it manage users, keys, alert destinations, CRM connections
  and settings? Admins and admin-scope keys only.

Each refusal is a :class:`~devfunnel.errors.Forbidden` that says what the caller lacks.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from devfunnel.admin.audit import Actor
from devfunnel.errors import Forbidden

#: Roles that change any record of the sales process.
EDIT_ANY_ROLES = frozenset({"admin", "sales_manager"})
#: Roles that change the records they own.
EDIT_OWN_ROLES = frozenset({"seller", "devrel", "customer_success"})
#: Key scopes that change any record (programs acting for the company).
EDIT_ANY_SCOPES = frozenset({"write", "admin"})
READ_SCOPES = frozenset({"read", "write", "admin"})


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: a user (``user_id`` and ``role``) or an API key
    (``scope``). ``actor`` is what the audit log records for its changes."""

    actor: Actor
    user_id: uuid.UUID | None = None
    role: str | None = None
    scope: str | None = None

    @property
    def label(self) -> str:
        return self.actor.label or self.actor.kind

    @property
    def is_user(self) -> bool:
        return self.user_id is not None


def can_read(principal: Principal) -> bool:
    if principal.is_user:
        return principal.role is not None
    return principal.scope in READ_SCOPES


def can_edit(principal: Principal, owners: Iterable[uuid.UUID | None] = ()) -> bool:
    """Whether ``principal`` may change a record owned by any of ``owners``."""
    if principal.is_user:
        if principal.role in EDIT_ANY_ROLES:
            return True
        if principal.role in EDIT_OWN_ROLES:
            return principal.user_id in {o for o in owners if o is not None}
        return False
    return principal.scope in EDIT_ANY_SCOPES


def can_edit_something(principal: Principal) -> bool:
    """Whether ``principal`` may change any record at all (to offer edit controls)."""
    if principal.is_user:
        return principal.role in EDIT_ANY_ROLES | EDIT_OWN_ROLES
    return principal.scope in EDIT_ANY_SCOPES


def can_manage(principal: Principal) -> bool:
    if principal.is_user:
        return principal.role == "admin"
    return principal.scope == "admin"


def require_read(principal: Principal) -> None:
    if not can_read(principal):
        raise Forbidden(f"{principal.label} may not read data", needed="read")


def require_edit(
    principal: Principal, owners: Iterable[uuid.UUID | None] = (), *, what: str = "this record"
) -> None:
    """Refuse unless ``principal`` may change ``what``, owned by ``owners``."""
    owners = list(owners)
    if can_edit(principal, owners):
        return
    if principal.is_user and principal.role in EDIT_OWN_ROLES:
        raise Forbidden(
            f"a {principal.role} may change only their own records, and {what} is not theirs",
            needed="owner",
        )
    who = f"a {principal.role}" if principal.is_user else f"a {principal.scope} key"
    raise Forbidden(f"{who} may not change {what}", needed="write")


def require_manage(principal: Principal, *, what: str = "settings") -> None:
    if not can_manage(principal):
        who = f"a {principal.role}" if principal.is_user else f"a {principal.scope} key"
        raise Forbidden(f"only admins manage {what}; {who} may not", needed="admin")
