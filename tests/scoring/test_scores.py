"""Engagement, momentum, fit, PQA/PQL and grades on both backends."""

from __future__ import annotations

import math
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.scoring import formulas
from devfunnel.scoring.grades import grade_for
from devfunnel.scoring.recompute import history_day, recompute
from devfunnel.scoring.signals import SubjectSignals
from devfunnel.store import Store
from devfunnel.store.schema.scores import account_score_history, account_scores, person_scores
from tests.helpers.activity import AS_OF, account, person, send, track


def person_row(store: Store, email: str) -> Any:
    with store.read() as conn:
        return conn.execute(
            sa.select(person_scores).where(person_scores.c.person_id == person(store, email))
        ).one_or_none()


def account_row(store: Store, domain: str) -> Any:
    with store.read() as conn:
        return conn.execute(
            sa.select(account_scores).where(account_scores.c.account_id == account(store, domain))
        ).one()


def test_engagement_decays_with_half_life(store: Store, settings: Settings) -> None:
    send(store, settings, track("new@a.io", "Signed Up", 0.5), track("old@b.io", "Signed Up", 21.5))
    recompute(store, settings, as_of=AS_OF)
    weight, scale = settings.activity("signed_up").weight, settings.scoring.engagement_scale
    for email, age in (("new@a.io", 0.5), ("old@b.io", 21.5)):
        points = weight * 0.5 ** (age / settings.scoring.half_life_days)
        assert person_row(store, email).engagement == pytest.approx(
            100 * (1 - math.exp(-points / scale))
        )
    assert person_row(store, "old@b.io").engagement < person_row(store, "new@a.io").engagement


def test_activity_outside_the_window_does_not_count(store: Store, settings: Settings) -> None:
    send(store, settings, track("gone@c.io", "Signed Up", settings.scoring.window_days + 2))
    recompute(store, settings, as_of=AS_OF)
    assert person_row(store, "gone@c.io").engagement == 0
    assert account_row(store, "c.io").momentum == 0


def test_team_members_and_bots_are_not_scored(store: Store, settings: Settings) -> None:
    send(store, settings,
         track("dev@d.io", "Signed Up", 1),
         track("staff@acme.dev", "Signed Up", 1),
         {**track("ci@d.io", "GitHub Pull Request", 1),
          "githubLogin": "renovate[bot]"})  # fmt: skip
    recompute(store, settings, as_of=AS_OF)
    assert person_row(store, "staff@acme.dev") is None
    assert person_row(store, "ci@d.io") is None
    row = account_row(store, "d.io")
    assert row.active_developers == 1
    assert [w["signal"] for w in row.why["momentum"] if w["signal"].startswith("activity")] == [
        "activity:signed_up"
    ]


def test_why_shares_sum_to_each_score(store: Store, settings: Settings) -> None:
    events = [track(f"{n}@e.io", name, d, calls=5)
              for n in ("a", "b", "c")
              for name, d in (("Signed Up", 40), ("API Usage", 10), ("API Usage", 3),
                              ("GitHub Star", 2), ("SDK Installed", 20), ("Meeting Held", 1),
                              ("Community Post", 5), ("Form Submitted", 6))]  # fmt: skip
    send(store, settings, *events)
    import_accounts(store, settings, [{"domain": "e.io", "name": "E", "employees": 500,
                                       "industry": "Software", "region": "NA"}])  # fmt: skip
    recompute(store, settings, as_of=AS_OF)
    row = account_row(store, "e.io")
    assert row.momentum > 0
    assert row.fit == 8 + 6 + 3
    assert sum(w["share"] for w in row.why["momentum"]) == pytest.approx(row.momentum)
    assert sum(w["share"] for w in row.why["fit"]) == pytest.approx(row.fit)
    assert len(row.why["momentum"]) <= formulas.TOP_SIGNALS + 1
    engaged = person_row(store, "a@e.io")
    assert sum(w["share"] for w in engaged.why) == pytest.approx(engaged.engagement)


def test_pqa_and_pql_follow_thresholds(store: Store, settings: Settings) -> None:
    busy = [track(f"{n}@f.io", name, d, calls=5)
            for n in ("a", "b", "c")
            for name, d in (("Signed Up", 30), ("First API Call", 25), ("API Usage", 10),
                            ("API Usage", 3), ("API Key Created", 8), ("SDK Installed", 7),
                            ("GitHub Star", 2), ("Community Post", 4), ("Integration Enabled", 1),
                            ("Tutorial Completed", 2), ("Event Attended", 5))]  # fmt: skip
    send(store, settings, *busy, track("solo@g.io", "Signed Up", 1))
    recompute(store, settings, as_of=AS_OF)
    f, g = account_row(store, "f.io"), account_row(store, "g.io")
    assert f.momentum >= settings.scoring.pqa.min_momentum
    assert f.pqa
    assert f.pqa_since == AS_OF
    assert not g.pqa
    assert g.pqa_since is None
    assert g.why["pqa"]["active_developers"] is False
    assert person_row(store, "a@f.io").pql
    assert not person_row(store, "solo@g.io").pql  # engaged a little, and only at evaluate
    pqa = settings.scoring.pqa.model_copy(update={"min_active_developers": 4})
    scoring = settings.scoring.model_copy(update={"pqa": pqa})
    stricter = settings.model_copy(update={"scoring": scoring})
    recompute(store, stricter, as_of=AS_OF)
    assert not account_row(store, "f.io").pqa


def test_pqa_since_is_kept_across_recomputes(store: Store, settings: Settings) -> None:
    events = [track(f"{n}@h.io", name, d, calls=5)
              for n in ("a", "b", "c")
              for name, d in (("Signed Up", 30), ("First API Call", 25), ("API Usage", 10),
                              ("API Key Created", 8), ("SDK Installed", 7), ("GitHub Star", 2),
                              ("Community Post", 4), ("Integration Enabled", 1),
                              ("Tutorial Completed", 2), ("Event Attended", 5))]  # fmt: skip
    send(store, settings, *events)
    recompute(store, settings, as_of=AS_OF)
    assert account_row(store, "h.io").pqa_since == AS_OF
    later = AS_OF.replace(hour=6)
    recompute(store, settings, as_of=later)
    row = account_row(store, "h.io")
    assert row.pqa
    assert row.pqa_since == AS_OF
    assert row.computed_at == later


@pytest.mark.parametrize(
    ("momentum", "percentile", "grade"),
    [(50, 0.95, "A"), (50, 0.90, "A"), (50, 0.89, "B"), (50, 0.70, "B"), (50, 0.5, "C"),
     (50, 0.2, "D"), (50, 0.1, "F"), (0, 1.0, "F")],
)  # fmt: skip
def test_grade_bands(settings: Settings, momentum: float, percentile: float, grade: str) -> None:
    assert grade_for(settings, momentum, percentile) == grade


def test_grades_rank_within_the_peer_group(store: Store, settings: Settings) -> None:
    # Ten small accounts with rising activity, and one enterprise with a little.
    events = [track(f"dev@s{i}.io", "API Usage", d, calls=1) for i in range(10)
              for d in range(1, i + 2)]  # fmt: skip
    send(store, settings, *events)
    import_accounts(store, settings,
                    [{"domain": f"s{i}.io", "name": f"S{i}", "segment": "smb"} for i in range(10)]
                    + [{"domain": "big.io", "name": "Big", "segment": "enterprise"}])  # fmt: skip
    send(store, settings, track("dev@big.io", "Signed Up", 1))
    recompute(store, settings, as_of=AS_OF)
    grades = {f"s{i}.io": account_row(store, f"s{i}.io").grade for i in range(10)}
    assert grades["s9.io"] == "A"
    assert grades["s0.io"] == "F"
    assert [grades[f"s{i}.io"] for i in range(10)] == sorted(grades.values(), reverse=True)
    # Alone in its peer group, the enterprise is at the top of it.
    assert account_row(store, "big.io").grade == "A"


def test_trend_compares_this_period_with_the_last() -> None:
    assert formulas.trend(SubjectSignals(this_period=10, last_period=0)) == 1.0
    assert formulas.trend(SubjectSignals(this_period=0, last_period=10)) == 0.0
    assert formulas.trend(SubjectSignals(this_period=5, last_period=5)) == 0.5
    assert formulas.trend(SubjectSignals()) == 0.0


def test_pqa_since_goes_back_through_history_points(store: Store, settings: Settings) -> None:
    events = [track(f"{n}@k.io", name, d + 12, calls=5)
              for n in ("a", "b", "c")
              for name, d in (("Signed Up", 30), ("First API Call", 25), ("API Usage", 10),
                              ("API Key Created", 8), ("SDK Installed", 7), ("GitHub Star", 2),
                              ("Community Post", 4), ("Integration Enabled", 1),
                              ("Tutorial Completed", 2), ("Event Attended", 5))]  # fmt: skip
    send(store, settings, *events)
    recompute(store, settings, as_of=AS_OF, history_weeks=4)
    row = account_row(store, "k.io")
    assert row.pqa
    weeks_back = (AS_OF - row.pqa_since).days / 7
    assert weeks_back in (1, 2, 3, 4)
    h = account_score_history.c
    query = sa.select(h.day, h.momentum).where(h.account_id == account(store, "k.io"))
    with store.read() as conn:
        history = {day: momentum for day, momentum in conn.execute(query)}
    assert len(history) == 5
    # The latest point, computed in SQL, is the score computed with its why.
    assert history[history_day(AS_OF)] == pytest.approx(row.momentum)
    qualifying_day = history_day(AS_OF, int(weeks_back) * 7)
    assert history[qualifying_day] >= settings.scoring.pqa.min_momentum
