"""Notes on accounts: what people learned that no system records (a champion's worry,
the budget cycle, a promise made on a call).

Anyone who reads may read them. Writing follows the edit policy of the account itself
(``admin.permissions.require_edit`` with the account's owner): admins and sales managers
on any account, sellers, DevRel and customer success on the accounts they own, product
and viewers never. Adding and deleting are audited in the same transaction.

Notes imported from a CRM stay where they are (``conversations`` of kind ``note``); these
are the ones written in devfunnel.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import Principal, can_edit, require_edit
from devfunnel.errors import NotFound, ValidationError
from devfunnel.identity.lookup import surviving
from devfunnel.ids import new_id
from devfunnel.pipeline.common import utc_now
from devfunnel.store import Store
from devfunnel.store.schema.dashboard import account_notes
from devfunnel.store.schema.identity import accounts

MAX_BODY = 5000


@dataclass(frozen=True)
class AccountNote:
    id: uuid.UUID
    account_id: uuid.UUID
    author_id: uuid.UUID | None
    author: str | None
    body: str
    created_at: datetime


def live_account(conn: sa.Connection, account_id: uuid.UUID) -> uuid.UUID:
    """The surviving account of ``account_id``; NotFound when there is none."""
    live = surviving(conn, accounts, account_id)
    if live is None:
        raise NotFound(f"no account with the id {account_id}", account=str(account_id))
    return live


def _account(conn: sa.Connection, account_id: uuid.UUID) -> Any:
    live = live_account(conn, account_id)
    return conn.execute(
        sa.select(accounts.c.id, accounts.c.name, accounts.c.owner_id).where(accounts.c.id == live)
    ).one()


def may_write(principal: Principal, owner_id: uuid.UUID | None) -> bool:
    """Whether to offer the note form on an account owned by ``owner_id``."""
    return can_edit(principal, [owner_id])


def list_notes(store: Store, account_id: uuid.UUID, *, limit: int = 100) -> list[AccountNote]:
    """The account's notes, newest first."""
    with store.read() as conn:
        return read_notes(conn, account_id, limit=limit)


def read_notes(
    conn: sa.Connection, account_id: uuid.UUID, *, limit: int = 100
) -> list[AccountNote]:
    """:func:`list_notes` on the caller's connection."""
    n = account_notes.c
    rows = conn.execute(
        sa.select(n.id, n.account_id, n.author_id, n.author_label, n.body, n.created_at)
        .where(n.account_id == account_id)
        .order_by(n.created_at.desc(), n.id.desc())
        .limit(limit)
    ).all()
    return [AccountNote(*r) for r in rows]


def add_note(
    store: Store,
    principal: Principal,
    account_id: uuid.UUID,
    body: str,
    *,
    now: datetime | None = None,
) -> AccountNote:
    text = body.strip()
    if not text:
        raise ValidationError("the note is empty", field="body", value=body)
    if len(text) > MAX_BODY:
        raise ValidationError(
            f"the note is longer than {MAX_BODY} characters", field="body", value=len(text)
        )
    at = utc_now(now)
    note_id = new_id()
    with store.transaction() as conn:
        account = _account(conn, account_id)
        require_edit(principal, [account.owner_id], what=f"the account {account.name!r}")
        conn.execute(
            account_notes.insert().values(
                id=note_id,
                account_id=account.id,
                author_id=principal.user_id,
                author_label=principal.label,
                body=text,
                created_at=at,
                updated_at=at,
            )
        )
        audit.record(
            conn,
            principal.actor,
            "account_note.create",
            entity_kind="account",
            entity_id=account.id,
            after={"note_id": str(note_id), "body": text},
        )
    return AccountNote(note_id, account.id, principal.user_id, principal.label, text, at)


def delete_note(store: Store, principal: Principal, note_id: uuid.UUID) -> AccountNote:
    """Delete a note; allowed to whoever may edit its account, and to its author."""
    n = account_notes.c
    with store.transaction() as conn:
        row = conn.execute(
            sa.select(n.id, n.account_id, n.author_id, n.author_label, n.body, n.created_at).where(
                n.id == note_id
            )
        ).first()
        if row is None:
            raise NotFound(f"no note {note_id}", note=str(note_id))
        note = AccountNote(*row)
        account = _account(conn, note.account_id)
        if not (
            principal.user_id is not None
            and principal.user_id == note.author_id
            and can_edit(principal, [principal.user_id])
        ):
            require_edit(principal, [account.owner_id], what=f"the account {account.name!r}")
        conn.execute(account_notes.delete().where(n.id == note_id))
        audit.record(
            conn,
            principal.actor,
            "account_note.delete",
            entity_kind="account",
            entity_id=account.id,
            before={"note_id": str(note_id), "body": note.body},
        )
    return note
