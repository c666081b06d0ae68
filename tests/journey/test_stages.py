"""Journey stages from milestones, on both backends, through real intake and resolution."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.config.engagement import JourneySettings, JourneyStage, Milestone
from devfunnel.scoring.recompute import recompute
from devfunnel.store import Store
from devfunnel.store.schema.revenue import mrr_movements
from devfunnel.store.schema.scores import journey_transitions
from tests.helpers.activity import AS_OF, account, at, page, person, send, track


def reached(store: Store, kind: str, subject: uuid.UUID) -> dict[str, tuple[datetime, str | None]]:
    t = journey_transitions.c
    with store.read() as conn:
        rows = conn.execute(
            sa.select(t.stage, t.reached_at, t.milestone).where(
                t.subject_kind == kind, t.subject_id == subject
            )
        )
        return {stage: (when, milestone) for stage, when, milestone in rows}


def test_stages_follow_the_default_milestones(store: Store, settings: Settings) -> None:
    jane = "jane@acme.io"
    send(store, settings,
         page(jane, "Docs", 60), track(jane, "Signed Up", 50), track(jane, "First API Call", 40),
         *[track(jane, "API Usage", d, calls=10) for d in (20, 13, 6)])  # fmt: skip
    recompute(store, settings, as_of=AS_OF)
    stages = reached(store, "person", person(store, jane))
    assert stages == {
        "discover": (at(60), "first_touch"), "evaluate": (at(50), "signed_up"),
        "learn": (at(40), "first_api_call"), "build": (at(6), "sustained_usage"),
    }  # fmt: skip
    # The account is where its furthest developer is.
    assert reached(store, "account", account(store, "acme.io")) == stages


def test_sustained_usage_needs_weeks_within_the_window(store: Store, settings: Settings) -> None:
    # Three active weeks, but spread over ten weeks: never 3 of any 4.
    send(store, settings, *[track("bo@beta.io", "API Usage", d, calls=5) for d in (70, 40, 10)])
    recompute(store, settings, as_of=AS_OF)
    assert "build" not in reached(store, "person", person(store, "bo@beta.io"))


def test_production_volume_needs_min_value_within_window(store: Store, settings: Settings) -> None:
    # 60,000 calls 45 days apart (not 100,000 in 30 days), then 50,000 + 60,000 in a week.
    send(store, settings,
         track("al@gamma.io", "API Usage", 80, calls=60_000),
         track("al@gamma.io", "API Usage", 35, calls=50_000),
         track("al@gamma.io", "API Usage", 28, calls=60_000))  # fmt: skip
    recompute(store, settings, as_of=AS_OF)
    stages = reached(store, "person", person(store, "al@gamma.io"))
    assert stages["scale"] == (at(28), "production_volume")
    # Earlier stages are implied by the later one, with no milestone of their own.
    assert stages["evaluate"] == (at(28), None)


def test_min_count_and_match_all(store: Store, settings: Settings) -> None:
    journey = JourneySettings(stages=[
        JourneyStage(id="discover", label="D", devrel_goal="awareness", funnel_stage="account",
                     milestones=[Milestone(id="docs", label="3 docs visits",
                                           activities=["docs_visit"], min_count=3)]),
        JourneyStage(id="learn", label="L", devrel_goal="activation",
                     funnel_stage="product_qualified", match="all",
                     milestones=[Milestone(id="signup", label="s", activities=["signed_up"]),
                                 Milestone(id="call", label="c", activities=["first_api_call"])]),
    ])  # fmt: skip
    custom = settings.model_copy(update={"journey": journey})
    send(store, custom,
         page("cy@delta.io", "Docs", 30), page("cy@delta.io", "Docs", 20),
         track("cy@delta.io", "Signed Up", 15), page("cy@delta.io", "Docs", 10),
         page("dee@delta.io", "Docs", 9), track("dee@delta.io", "Signed Up", 8))  # fmt: skip
    recompute(store, custom, as_of=AS_OF)
    assert reached(store, "person", person(store, "cy@delta.io")) == {
        "discover": (at(10), "docs")}  # fmt: skip
    send(store, custom, track("cy@delta.io", "First API Call", 5))
    recompute(store, custom, as_of=AS_OF)
    # "all": dated when the last of its milestones was met.
    assert reached(store, "person", person(store, "cy@delta.io"))["learn"] == (at(5), "call")
    # One docs visit is not three; a sign-up alone is not both milestones.
    assert reached(store, "person", person(store, "dee@delta.io")) == {}


def test_events_after_as_of_do_not_count(store: Store, settings: Settings) -> None:
    send(store, settings, page("ed@eps.io", "Docs", 10), track("ed@eps.io", "Signed Up", 3))
    recompute(store, settings, as_of=AS_OF - timedelta(days=5))
    assert set(reached(store, "person", person(store, "ed@eps.io"))) == {"discover"}


def test_paid_plan_puts_the_account_at_scale(store: Store, settings: Settings) -> None:
    send(store, settings, page("fa@zeta.io", "Docs", 10))
    zeta = account(store, "zeta.io")
    with store.transaction() as conn:
        conn.execute(mrr_movements.insert().values(
            id=uuid.uuid4(), account_id=zeta, kind="new", mrr_delta_minor=9900, currency="USD",
            occurred_at=at(4), created_at=AS_OF))  # fmt: skip
    recompute(store, settings, as_of=AS_OF)
    account_stages = reached(store, "account", zeta)
    assert account_stages["scale"] == (at(4), "paid_plan")
    assert account_stages["discover"] == (at(10), "first_touch")
    # The person's own journey does not include the account's plan.
    assert set(reached(store, "person", person(store, "fa@zeta.io"))) == {"discover"}
