"""Handoffs between teams: created with a packet assembled from the data, then accepted,
rejected (with a reason) or returned for more (with a reason) by the receiver; a returned
handoff is re-sent by the sender with a refreshed packet.

States: ``pending`` → ``accepted`` | ``rejected`` | ``returned``; ``returned`` →
``pending`` (re-sent). The receiver's clock starts when it is sent (``sent_at``) and is
due ``accept_within_hours`` later (``due_at``). Every change is audited with the acting
principal. The receiver must have the kind's ``to_role``; the sender the kind's
``from_role`` (or be an admin or sales manager handing off for someone). Without a named
receiver, the opportunity's owner, then the account's owner, then the least-loaded user
of the role (fewest pending handoffs, not away) receives it.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any, Required, TypedDict, Unpack

import sqlalchemy as sa

from devfunnel.admin import audit
from devfunnel.admin.permissions import EDIT_ANY_ROLES, Principal, require_edit
from devfunnel.config import Settings
from devfunnel.config.sales import HandoffKind
from devfunnel.errors import Conflict, ValidationError
from devfunnel.ids import new_id
from devfunnel.pipeline import packets
from devfunnel.pipeline.common import jsonable, utc_now
from devfunnel.pipeline.directory import UserRef, find_user, group_of, users_by_id
from devfunnel.pipeline.facts import account_row, find_account
from devfunnel.pipeline.handoff_records import HandoffView, handoff_row, handoff_view, kind_of
from devfunnel.pipeline.opportunity_records import opportunity_row
from devfunnel.pipeline.packet_developers import DeveloperSide
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.pipeline import handoffs


class HandoffRequest(TypedDict, total=False):
    """What a new handoff is: its kind, the account and/or opportunity, optionally who
    receives and who sends it, and what triggered it (``manual`` unless said);
    ``prefetched`` is the developer side read in advance, for many accounts at once."""

    kind: Required[str]
    account: str | None
    opportunity: uuid.UUID | str | None
    to_user: str | None
    from_user: str | None
    trigger: str
    prefetched: DeveloperSide | None


def create_handoff(
    store: Store,
    settings: Settings,
    principal: Principal,
    *,
    now: datetime | None = None,
    **request: Unpack[HandoffRequest],
) -> HandoffView:
    """Hand an account (and opportunity) to another team with a packet from the data."""
    at = utc_now(now)
    with store.transaction() as conn:
        handoff_id = insert_handoff(conn, settings, principal, now=at, **request)
        return handoff_view(conn, handoff_id, at)


def insert_handoff(
    conn: sa.Connection,
    settings: Settings,
    principal: Principal,
    *,
    now: datetime,
    **request: Unpack[HandoffRequest],
) -> uuid.UUID:
    """``create_handoff`` in the caller's transaction (the worker creates many in one).
    Every refusal is raised before anything is written, so a caller may go on after one."""
    unknown = sorted(set(request) - set(HandoffRequest.__annotations__))
    if unknown:  # the type checker catches these; callers that are not checked get told
        raise TypeError(f"insert_handoff got unknown fields: {', '.join(unknown)}")
    kind = request["kind"]
    account = request.get("account")
    opportunity = request.get("opportunity")
    to_user = request.get("to_user")
    from_user = request.get("from_user")
    trigger = request.get("trigger", "manual")
    prefetched = request.get("prefetched")
    at = now
    handoff_kind = kind_of(settings, kind)
    if account is None and opportunity is None:
        raise ValidationError("a handoff needs an account or an opportunity", field="account")
    opp = opportunity_row(conn, opportunity) if opportunity is not None else None
    account_id = find_account(conn, account) if account is not None else opp["account_id"]  # type: ignore[index]
    if opp is not None and opp["account_id"] != account_id:
        raise ValidationError(
            f"opportunity {opp['id']} is not at account {account}", field="opportunity"
        )
    sender = _sender(conn, handoff_kind, principal, from_user)
    receiver = (
        _named_receiver(conn, handoff_kind, to_user)
        if to_user is not None
        else choose_receiver(conn, handoff_kind, account_id, opp, sender, at)
    )
    # Handing off is the sender's act: only they (or someone who edits anything) may.
    require_edit(
        principal,
        [sender.id if sender else principal.user_id],
        what=f"a {handoff_kind.id} handoff from {sender.email if sender else 'you'}",
    )
    _refuse_duplicate(conn, handoff_kind.id, account_id, opp["id"] if opp else None)
    packet = packets.assemble(
        conn,
        settings,
        handoff_kind,
        account_id,
        opp["id"] if opp else None,
        at,
        prefetched=prefetched,
    )
    handoff_id = new_id()
    row: dict[str, Any] = {
        "id": handoff_id,
        "kind": handoff_kind.id,
        "account_id": account_id,
        "opportunity_id": opp["id"] if opp else None,
        "from_user_id": sender.id if sender else None,
        "to_user_id": receiver.id,
        "to_team": group_of(settings, receiver),
        "state": "pending",
        "packet": packet,
        "completeness": packets.completeness(handoff_kind, packet),
        "due_at": at + timedelta(hours=handoff_kind.accept_within_hours),
        "sent_at": at,
        "trigger": trigger,
        "created_by": principal.user_id,
        "created_at": at,
        "updated_at": at,
    }
    conn.execute(handoffs.insert().values(**row))
    audit.record(
        conn,
        principal.actor,
        "handoff.create",
        entity_kind="handoff",
        entity_id=handoff_id,
        after=jsonable(
            {
                "kind": row["kind"],
                "account_id": account_id,
                "to": receiver.email,
                "from": sender.email if sender else None,
                "completeness": row["completeness"],
                "trigger": trigger,
            }
        ),
    )
    return handoff_id


def _sender(
    conn: sa.Connection, kind: HandoffKind, principal: Principal, given: str | None
) -> UserRef | None:
    if given is not None:
        sender = find_user(conn, given, field="from_user")
    elif principal.user_id is not None:
        sender = users_by_id(conn, [principal.user_id])[principal.user_id]
    else:
        return None
    if sender.role != kind.from_role and sender.role not in EDIT_ANY_ROLES:
        raise ValidationError(
            f"from_user: a {kind.id} handoff comes from a {kind.from_role}; {sender.email} is "
            f"a {sender.role}",
            field="from_user",
            value=sender.email,
        )
    return sender


def _named_receiver(conn: sa.Connection, kind: HandoffKind, ref: str) -> UserRef:
    receiver = find_user(conn, ref, field="to_user")
    if receiver.role != kind.to_role:
        raise ValidationError(
            f"to_user: a {kind.id} handoff goes to a {kind.to_role}; {receiver.email} is a "
            f"{receiver.role}",
            field="to_user",
            value=receiver.email,
        )
    if not receiver.active:
        raise ValidationError(
            f"to_user: {receiver.email} is inactive", field="to_user", value=receiver.email
        )
    return receiver


def choose_receiver(
    conn: sa.Connection,
    kind: HandoffKind,
    account_id: uuid.UUID,
    opp: dict[str, Any] | None,
    sender: UserRef | None,
    now: datetime,
) -> UserRef:
    """The opportunity's owner, the account's owner, else the least-loaded user of the
    kind's role; never the sender, never someone away."""
    account = account_row(conn, account_id) or {}
    owners = [opp["owner_id"] if opp else None, account.get("owner_id")]
    known = users_by_id(conn, owners)
    for owner_id in owners:
        user = known.get(owner_id) if owner_id else None
        if user and user.role == kind.to_role and not user.away(now) and user != sender:
            return user
    h, u = handoffs.c, users.c
    load = (
        sa.select(sa.func.count())
        .where(h.to_user_id == u.id, h.state == "pending")
        .scalar_subquery()
    )
    candidates = (
        conn.execute(
            sa.select(u.id)
            .where(u.role == kind.to_role, u.active.is_(True))
            .order_by(load, u.email)
        )
        .scalars()
        .all()
    )
    for user in (users_by_id(conn, candidates)[c] for c in candidates):
        if not user.away(now) and user != sender:
            return user
    raise ValidationError(
        f"nobody can receive a {kind.id} handoff: no active {kind.to_role} is available; "
        "name one with to_user",
        field="to_user",
    )


def _refuse_duplicate(
    conn: sa.Connection, kind: str, account_id: uuid.UUID, opportunity_id: uuid.UUID | None
) -> None:
    h = handoffs.c
    found = conn.execute(
        sa.select(h.id).where(
            h.kind == kind,
            h.account_id == account_id,
            h.state.in_(("pending", "returned")),
            h.opportunity_id == opportunity_id if opportunity_id else h.opportunity_id.is_(None),
        )
    ).first()
    if found is not None:
        raise Conflict(
            f"a {kind} handoff of this account is already open ({found.id}); accept, reject "
            "or re-send that one",
            handoff=str(found.id),
        )


def _transition(
    store: Store,
    handoff_id: uuid.UUID | str,
    principal: Principal,
    *,
    action: str,
    new_state: str,
    allowed_from: tuple[str, ...],
    reason: str | None,
    at: datetime,
    extra: dict[str, Any],
    by_sender: bool = False,
) -> HandoffView:
    with store.transaction() as conn:
        row = handoff_row(conn, handoff_id)
        party = row["from_user_id"] if by_sender else row["to_user_id"]
        require_edit(principal, [party], what=f"handoff {row['id']}")
        if row["state"] not in allowed_from:
            raise Conflict(
                f"handoff {row['id']} is {row['state']}; only {' or '.join(allowed_from)} "
                f"handoffs can be {new_state if new_state != 'pending' else 're-sent'}",
                handoff=str(row["id"]),
                state=row["state"],
            )
        values = {"state": new_state, "updated_at": at, **extra}
        conn.execute(handoffs.update().where(handoffs.c.id == row["id"]).values(**values))
        audit.record(
            conn,
            principal.actor,
            f"handoff.{action}",
            entity_kind="handoff",
            entity_id=row["id"],
            before={"state": row["state"]},
            after={"state": new_state},
            reason=reason,
        )
        return handoff_view(conn, row["id"], at)


def _reason(reason: str | None, action: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationError(
            f"a reason is required to {action} a handoff: say what is wrong or missing "
            "(--reason TEXT)",
            field="reason",
        )
    if len(text) > 2000:
        raise ValidationError("reason must have at most 2000 characters", field="reason")
    return text


def accept_handoff(
    store: Store,
    handoff_id: uuid.UUID | str,
    principal: Principal,
    *,
    now: datetime | None = None,
) -> HandoffView:
    at = utc_now(now)
    return _transition(
        store,
        handoff_id,
        principal,
        action="accept",
        new_state="accepted",
        allowed_from=("pending",),
        reason=None,
        at=at,
        extra={"accepted_at": at},
    )


def reject_handoff(
    store: Store,
    handoff_id: uuid.UUID | str,
    principal: Principal,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> HandoffView:
    at = utc_now(now)
    text = _reason(reason, "reject")
    return _transition(
        store,
        handoff_id,
        principal,
        action="reject",
        new_state="rejected",
        allowed_from=("pending",),
        reason=text,
        at=at,
        extra={"rejected_at": at, "reason": text},
    )


def return_handoff(
    store: Store,
    handoff_id: uuid.UUID | str,
    principal: Principal,
    reason: str | None,
    *,
    now: datetime | None = None,
) -> HandoffView:
    at = utc_now(now)
    text = _reason(reason, "return")
    return _transition(
        store,
        handoff_id,
        principal,
        action="return",
        new_state="returned",
        allowed_from=("pending",),
        reason=text,
        at=at,
        extra={"returned_at": at, "reason": text},
    )


def resend_handoff(
    store: Store,
    settings: Settings,
    handoff_id: uuid.UUID | str,
    principal: Principal,
    *,
    now: datetime | None = None,
) -> HandoffView:
    """Send a returned handoff again with its packet assembled afresh and a new clock."""
    at = utc_now(now)
    with store.read() as conn:
        row = handoff_row(conn, handoff_id)
        kind = kind_of(settings, row["kind"])
        packet = packets.assemble(
            conn, settings, kind, row["account_id"], row["opportunity_id"], at
        )
    return _transition(
        store,
        handoff_id,
        principal,
        action="resend",
        new_state="pending",
        allowed_from=("returned",),
        reason=None,
        at=at,
        by_sender=True,
        extra={
            "packet": packet,
            "completeness": packets.completeness(kind, packet),
            "sent_at": at,
            "due_at": at + timedelta(hours=kind.accept_within_hours),
            "last_reminded_at": None,
        },
    )
