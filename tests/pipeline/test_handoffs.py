"""The handoff state machine, its permissions and errors, reminders, next-stage tracking
and the handoffs devfunnel creates by itself."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import Conflict, Forbidden, NotFound, ValidationError
from devfunnel.pipeline.auto_handoffs import run_auto_handoffs
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.handoff_progress import mark_next_stages, remind_pending
from devfunnel.pipeline.handoff_records import get_handoff, list_handoffs
from devfunnel.pipeline.handoffs import (
    accept_handoff,
    create_handoff,
    reject_handoff,
    resend_handoff,
    return_handoff,
)
from devfunnel.pipeline.opportunities import create_opportunity
from devfunnel.pipeline.stages import move_opportunity
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.pipeline import handoffs
from tests.pipeline.seed import T0, add_account, add_people, as_user, score_account

HOUR = timedelta(hours=1)


@pytest.fixture
def acme(team_store: Store, settings: Settings) -> uuid.UUID:
    account = add_account(team_store, settings, "Acme", "acme.io", owner="sam.sdr@acme.dev")
    add_people(team_store, settings, {"email": "jane@acme.io", "account_domain": "acme.io"})
    return account


def new_handoff(store: Store, settings: Settings) -> uuid.UUID:
    dana = as_user(store, "dana.devrel@acme.dev")
    return create_handoff(
        store, settings, dana, kind="devrel_to_sales", account="acme.io", now=T0
    ).id


def test_create_names_sender_receiver_clock_and_audits(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    view = get_handoff(team_store, new_handoff(team_store, settings), now=T0)
    assert (view.kind, view.state, view.trigger) == ("devrel_to_sales", "pending", "manual")
    assert (view.from_email, view.to_email, view.to_team) == (
        "dana.devrel@acme.dev",
        "sam.sdr@acme.dev",
        "sdr",
    )
    assert (view.sent_at, view.due_at, view.overdue) == (T0, T0 + 24 * HOUR, False)
    assert get_handoff(team_store, view.id, now=T0 + 25 * HOUR).overdue
    with team_store.read() as conn:
        entry = conn.execute(
            sa.select(audit_log).where(audit_log.c.action == "handoff.create")
        ).one()
    assert entry.actor_label == "dana.devrel@acme.dev"
    assert entry.after["to"] == "sam.sdr@acme.dev"


def test_the_receiver_accepts_once(team_store: Store, settings: Settings, acme: uuid.UUID) -> None:
    handoff = new_handoff(team_store, settings)
    with pytest.raises(Forbidden, match="only their own records"):
        accept_handoff(team_store, handoff, as_user(team_store, "ana.sdr@acme.dev"), now=T0)
    accepted = accept_handoff(
        team_store, handoff, as_user(team_store, "sam.sdr@acme.dev"), now=T0 + 2 * HOUR
    )
    assert (accepted.state, accepted.accepted_at) == ("accepted", T0 + 2 * HOUR)
    with pytest.raises(Conflict, match="is accepted; only pending handoffs can be accepted"):
        accept_handoff(team_store, handoff, OPERATOR, now=T0)
    with pytest.raises(Conflict, match="only pending handoffs can be rejected"):
        reject_handoff(team_store, handoff, OPERATOR, "late", now=T0)


def test_reject_and_return_need_a_reason_and_a_return_is_re_sent_refreshed(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    sam = as_user(team_store, "sam.sdr@acme.dev")
    handoff = new_handoff(team_store, settings)
    for act in (reject_handoff, return_handoff):
        with pytest.raises(ValidationError, match="a reason is required"):
            act(team_store, handoff, sam, "  ", now=T0)
    with pytest.raises(Conflict, match="only returned handoffs can be re-sent"):
        resend_handoff(team_store, settings, handoff, OPERATOR, now=T0)
    returned = return_handoff(team_store, handoff, sam, "No momentum yet", now=T0 + HOUR)
    assert (returned.state, returned.reason, returned.returned_at) == (
        "returned",
        "No momentum yet",
        T0 + HOUR,
    )
    score_account(team_store, acme)  # the data improved since
    with pytest.raises(Forbidden):
        resend_handoff(team_store, settings, handoff, sam, now=T0 + 3 * HOUR)
    again = resend_handoff(
        team_store,
        settings,
        handoff,
        as_user(team_store, "dana.devrel@acme.dev"),
        now=T0 + 3 * HOUR,
    )
    assert (again.state, again.sent_at, again.due_at) == ("pending", T0 + 3 * HOUR, T0 + 27 * HOUR)
    assert returned.completeness < again.completeness == pytest.approx(2 / 3)
    assert again.packet is not None
    assert again.packet["assembled_at"] == (T0 + 3 * HOUR).isoformat()
    rejected = reject_handoff(team_store, handoff, sam, "Account is a competitor", now=T0)
    assert (rejected.state, rejected.reason) == ("rejected", "Account is a competitor")
    with team_store.read() as conn:
        actions = [
            r.action
            for r in conn.execute(
                sa.select(audit_log.c.action)
                .where(audit_log.c.entity_id == handoff)
                .order_by(audit_log.c.occurred_at)
            )
        ]
    assert actions == ["handoff.create", "handoff.return", "handoff.resend", "handoff.reject"]


def test_bad_input_is_refused_naming_what_to_fix(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    with pytest.raises(
        ValidationError,
        match="unknown handoff kind 'dev_to_sales'; valid kinds: "
        "devrel_to_sales, sdr_to_ae, sales_to_onboarding, sales_to_success",
    ):
        create_handoff(team_store, settings, OPERATOR, kind="dev_to_sales", account="acme.io")
    with pytest.raises(
        ValidationError,
        match=r"to_user: a devrel_to_sales handoff goes to a "
        r"seller; carl\.success@acme\.dev is a customer_success",
    ):
        create_handoff(
            team_store,
            settings,
            OPERATOR,
            kind="devrel_to_sales",
            account="acme.io",
            to_user="carl.success@acme.dev",
        )
    with pytest.raises(
        ValidationError,
        match=r"from_user: a devrel_to_sales handoff comes from "
        r"a devrel; carl\.success@acme\.dev is a customer_success",
    ):
        create_handoff(
            team_store,
            settings,
            OPERATOR,
            kind="devrel_to_sales",
            account="acme.io",
            from_user="carl.success@acme.dev",
        )
    with pytest.raises(ValidationError, match="needs an account or an opportunity"):
        create_handoff(team_store, settings, OPERATOR, kind="devrel_to_sales")
    # A misspelt field is refused, not ignored (callers the type checker does not see).
    misspelt: dict[str, Any] = {"kind": "devrel_to_sales", "account_id": "acme.io"}
    with pytest.raises(TypeError, match="unknown fields: account_id"):
        create_handoff(team_store, settings, OPERATOR, **misspelt)
    missing = uuid.uuid4()
    with pytest.raises(NotFound, match=f"no handoff with id {missing}"):
        accept_handoff(team_store, missing, OPERATOR)
    new_handoff(team_store, settings)
    with pytest.raises(Conflict, match="a devrel_to_sales handoff of this account is already open"):
        new_handoff(team_store, settings)
    with pytest.raises(ValidationError, match="unknown state 'open'"):
        list_handoffs(team_store, settings, state="open")


def test_lists_filter_by_state_receiver_and_overdue(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    first = new_handoff(team_store, settings)
    add_account(team_store, settings, "Beta", "beta.io", owner="ana.sdr@acme.dev")
    create_handoff(
        team_store,
        settings,
        OPERATOR,
        kind="devrel_to_sales",
        account="beta.io",
        now=T0 + 10 * HOUR,
    )
    later = T0 + 30 * HOUR
    overdue = list_handoffs(team_store, settings, state="pending", overdue=True, now=later)
    assert [h.id for h in overdue.items] == [first]
    mine = list_handoffs(team_store, settings, to_user="ana.sdr@acme.dev")
    assert [h.account_name for h in mine.items] == ["Beta"]
    assert all(h.packet is None for h in mine.items)
    assert list_handoffs(team_store, settings, kind="devrel_to_sales", limit=1).next_offset == 1


def test_reminders_follow_the_interval(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    handoff = new_handoff(team_store, settings)
    assert remind_pending(team_store, settings, now=T0 + 7 * HOUR) == 0
    assert remind_pending(team_store, settings, now=T0 + 8 * HOUR) == 1
    assert remind_pending(team_store, settings, now=T0 + 15 * HOUR) == 0
    assert remind_pending(team_store, settings, now=T0 + 16 * HOUR) == 1
    assert get_handoff(team_store, handoff).last_reminded_at == T0 + 16 * HOUR
    accept_handoff(team_store, handoff, OPERATOR, now=T0 + 17 * HOUR)
    assert remind_pending(team_store, settings, now=T0 + 40 * HOUR) == 0


def test_next_stage_reached_when_sales_opens_and_onboarding_progresses(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    handoff = new_handoff(team_store, settings)
    accept_handoff(team_store, handoff, OPERATOR, now=T0 + HOUR)
    assert mark_next_stages(team_store, settings, now=T0 + 2 * HOUR) == 0
    create_opportunity(
        team_store, settings, OPERATOR, account="acme.io", name="Acme", now=T0 + 5 * HOUR
    )
    assert mark_next_stages(team_store, settings, now=T0 + 6 * HOUR) == 1
    assert get_handoff(team_store, handoff).next_stage_reached_at == T0 + 5 * HOUR


def test_automatic_handoffs_for_pqa_accounts_and_wins(
    team_store: Store, settings: Settings, acme: uuid.UUID
) -> None:
    add_account(team_store, settings, "NoOwner", "noowner.io")
    score_account(team_store, acme, pqa_since=T0 - HOUR)
    score_account(team_store, add_account(team_store, settings, "X", "x.io"), pqa_since=T0)
    first = run_auto_handoffs(team_store, settings, now=T0)
    assert len(first.created) == 1
    view = get_handoff(team_store, first.created[0])
    assert (view.kind, view.trigger, view.to_email, view.from_email) == (
        "devrel_to_sales",
        "pqa",
        "sam.sdr@acme.dev",
        None,
    )
    # Once per PQA episode.
    assert run_auto_handoffs(team_store, settings, now=T0 + HOUR).created == []
    # A win in the last 30 days is handed to onboarding once.
    opp = create_opportunity(
        team_store,
        settings,
        OPERATOR,
        account="acme.io",
        name="Deal",
        owner="erin.ae@acme.dev",
        now=T0,
    ).id
    with team_store.transaction() as conn:
        conn.execute(
            sa.text(
                "UPDATE opportunities SET status = 'won', stage = 'closed_won', closed_at = :at"
            ),
            {"at": T0 - 40 * 24 * HOUR},
        )
    assert run_auto_handoffs(team_store, settings, now=T0).created == []
    move_opportunity(team_store, settings, opp, "negotiation", OPERATOR, now=T0)
    won = move_opportunity(
        team_store, settings, opp, "closed_won", OPERATOR, override_reason="signed", now=T0 + HOUR
    )
    assert won.handoff_id is not None
    assert run_auto_handoffs(team_store, settings, now=T0 + 2 * HOUR).created == []
    with team_store.read() as conn:
        kinds = sorted(
            conn.execute(sa.select(handoffs.c.kind, handoffs.c.from_user_id)).all(), key=str
        )
    assert [k for k, _ in kinds] == ["devrel_to_sales", "sales_to_onboarding"]
