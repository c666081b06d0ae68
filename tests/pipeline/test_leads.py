"""Leads from forms, by hand and from scores: linked to person and account, de-duplicated
against open leads and opportunities (saying which), routed at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.metrics.summary import summarise
from devfunnel.pipeline.common import OPERATOR
from devfunnel.pipeline.lead_records import get_lead, list_leads
from devfunnel.pipeline.leads import create_lead
from devfunnel.pipeline.opportunities import create_opportunity
from devfunnel.pipeline.scored_leads import leads_from_scores
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import people
from devfunnel.store.schema.pipeline import leads
from devfunnel.web.app import create_app
from tests.pipeline.seed import T0, add_account, add_people, score_account, score_person


def test_a_form_lead_resolves_its_person_and_account_and_is_routed(
    team_store: Store, settings: Settings
) -> None:
    account = add_account(team_store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
    outcome = create_lead(
        team_store,
        settings,
        OPERATOR,
        source="form",
        email="Jane@ACME.io",
        name="Jane Doe",
        title="CTO",
        now=T0,
    )
    assert outcome.created
    lead = outcome.lead
    assert lead is not None
    assert (lead.person_email, lead.person_name, lead.account_id) == (
        "jane@acme.io",
        "Jane Doe",
        account,
    )
    assert (lead.source, lead.owner_email, lead.routed_by) == (
        "form",
        "erin.ae@acme.dev",
        "account_owner",
    )
    assert outcome.routing is not None
    with team_store.read() as conn:
        sources = conn.execute(sa.select(events.c.source).where(events.c.type == "identify"))
        assert set(sources.scalars()) == {"form"}
        title = conn.execute(sa.select(people.c.title).where(people.c.id == lead.person_id))
        assert title.scalar_one() == "CTO"


def test_duplicates_are_not_created_and_the_match_is_named(
    team_store: Store, settings: Settings
) -> None:
    add_account(team_store, settings, "Acme", "acme.io")
    first = create_lead(
        team_store, settings, OPERATOR, source="form", email="jane@acme.io", now=T0
    ).lead
    assert first is not None
    again = create_lead(
        team_store, settings, OPERATOR, source="manual", email="jane@acme.io", now=T0
    )
    assert not again.created
    assert again.duplicate_of is not None
    assert (again.duplicate_of.kind, again.duplicate_of.on, again.duplicate_of.id) == (
        "lead",
        "person",
        first.id,
    )
    assert again.lead is not None
    assert again.lead.id == first.id
    colleague = create_lead(
        team_store, settings, OPERATOR, source="form", email="bob@acme.io", now=T0
    )
    assert colleague.duplicate_of is not None
    assert (colleague.duplicate_of.kind, colleague.duplicate_of.on) == ("lead", "account")
    opp = create_opportunity(team_store, settings, OPERATOR, account="acme.io", name="Deal", now=T0)
    with team_store.transaction() as conn:
        conn.execute(leads.update().values(status="disqualified"))
    third = create_lead(
        team_store, settings, OPERATOR, source="referral", email="eve@acme.io", now=T0
    )
    assert third.duplicate_of is not None
    assert (third.duplicate_of.kind, third.duplicate_of.id) == ("opportunity", opp.id)
    assert "an open opportunity of the same account already exists" in (third.duplicate_of.sentence)
    with team_store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(leads)).scalar_one() == 1


def test_bad_input_is_refused_naming_what_to_fix(team_store: Store, settings: Settings) -> None:
    with pytest.raises(
        ValidationError,
        match="source 'pql' cannot be entered; use one of: form, manual, event, referral",
    ):
        create_lead(team_store, settings, OPERATOR, source="pql", email="a@b.io")
    with pytest.raises(ValidationError, match="needs a person"):
        create_lead(team_store, settings, OPERATOR, source="manual")
    with pytest.raises(ValidationError, match="email: 'not-an-email' is not an email address"):
        create_lead(team_store, settings, OPERATOR, source="manual", email="not-an-email")
    with pytest.raises(NotFound, match=r"account: no account 'nowhere\.io'"):
        create_lead(team_store, settings, OPERATOR, source="manual", account="nowhere.io")
    with pytest.raises(ValidationError, match="unknown lead status 'hot'"):
        list_leads(team_store, status="hot")


def test_a_refused_lead_writes_nothing(team_store: Store, settings: Settings) -> None:
    """The form's person is written through intake, outside the lead's transaction, so
    every refusal must come before it: no person, identity, account or event is left."""
    (jane,) = add_people(team_store, settings, {"email": "jane@acme.io"})
    before = summarise(team_store).counts
    unknown = "01963a4e-7c10-7000-8000-0000000000a1"
    with pytest.raises(NotFound, match=r"account: no account 'does-not-exist\.zz'"):
        create_lead(
            team_store,
            settings,
            OPERATOR,
            source="form",
            email="zed@fresh3-probe.io",
            name="Zed",
            account="does-not-exist.zz",
            route=False,
        )
    assert summarise(team_store).counts == before
    for person_id in (unknown, jane):
        with pytest.raises(ValidationError, match="give email or person_id, not both"):
            create_lead(
                team_store,
                settings,
                OPERATOR,
                source="form",
                email="zed@fresh3-probe.io",
                person_id=person_id,
            )
    with pytest.raises(NotFound, match=f"no person with id {unknown}"):
        create_lead(team_store, settings, OPERATOR, source="manual", person_id=unknown)
    assert summarise(team_store).counts == before


def test_the_api_refuses_a_lead_without_writing(team_store: Store, settings: Settings) -> None:
    add_people(team_store, settings, {"email": "jane@acme.io"})
    key = create_key(team_store, "forms", "write", CLI).secret
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(settings, team_store, run_worker=False)) as client:
        counts = client.get("/api/v1/summary", headers=auth).json()["counts"]
        refused = client.post(
            "/api/v1/leads",
            json={
                "email": "zed@fresh3-probe.io",
                "name": "Zed",
                "account": "does-not-exist.zz",
                "route": False,
            },
            headers=auth,
        )
        assert refused.status_code == 404, refused.text
        assert refused.json()["account"] == "does-not-exist.zz"
        assert client.get("/api/v1/summary", headers=auth).json()["counts"] == counts
        both = client.post(
            "/api/v1/leads",
            json={
                "email": "zed@fresh3-probe.io",
                "person_id": "01963a4e-7c10-7000-8000-0000000000a1",
            },
            headers=auth,
        )
        assert both.status_code == 422, both.text
        assert (both.json()["detail"], both.json()["field"]) == (
            "give email or person_id, not both",
            "person_id",
        )
        assert client.get("/api/v1/summary", headers=auth).json()["counts"] == counts


def test_a_lead_nobody_can_take_stays_unrouted_with_the_reason(
    team_store: Store, settings: Settings
) -> None:
    with team_store.transaction() as conn:
        conn.execute(users.update().values(active=False))
    outcome = create_lead(
        team_store, settings, OPERATOR, source="form", email="x@gmail.com", now=T0
    )
    assert outcome.created
    assert outcome.routing_problem is not None
    assert "nobody in team sdr can take it" in outcome.routing_problem
    assert outcome.lead is not None
    assert outcome.lead.owner_id is None


def test_leads_from_scores(team_store: Store, settings: Settings) -> None:
    assert leads_from_scores(team_store, settings, now=T0).created == []  # no scores: no-op
    acme = add_account(team_store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
    beta = add_account(team_store, settings, "Beta", "beta.io")
    jane, joe, staff = add_people(
        team_store,
        settings,
        {"email": "jane@acme.io", "account_domain": "acme.io"},
        {"email": "joe@beta.io", "account_domain": "beta.io"},
        {"email": "ops@acme.dev"},
    )
    score_person(team_store, jane, engagement=90)
    score_person(team_store, joe, engagement=55)
    score_person(team_store, staff, engagement=99)  # internal: never a lead
    score_account(team_store, beta, pqa_since=T0 - timedelta(days=2))
    score_account(team_store, acme, pqa=False)
    made = leads_from_scores(team_store, settings, now=T0)
    assert len(made.created) == 2
    # Beta's PQA lead would name Joe, its top developer, whose PQL lead covers it.
    assert made.duplicates == {"lead:person": 1}
    rows = {r.person_id: r for r in list_leads(team_store).items}
    assert set(rows) == {jane, joe}
    snapshot = rows[jane].snapshot
    assert snapshot is not None
    assert snapshot["reason"] == "pql"
    assert snapshot["person"]["engagement"] == 90
    assert snapshot["person"]["why"][0]["signal"] == "first_api_call"
    assert rows[jane].account_id == acme
    assert rows[jane].owner_id is None  # routing is the next step, not this one
    again = leads_from_scores(team_store, settings, now=T0 + timedelta(days=1))
    assert again.created == []
    # A disqualified PQL lead does not come straight back.
    with team_store.transaction() as conn:
        conn.execute(leads.update().values(status="disqualified"))
    later = leads_from_scores(team_store, settings, now=T0 + timedelta(days=2))
    assert [get_lead(team_store, i).source for i in later.created] == ["pqa"]
    assert get_lead(team_store, later.created[0]).person_id == joe


def test_list_filters(team_store: Store, settings: Settings) -> None:
    for i, source in enumerate(["form", "manual", "form"]):
        create_lead(
            team_store,
            settings,
            OPERATOR,
            source=source,
            email=f"p{i}@gmail.com",
            now=T0 + timedelta(minutes=i),
        )
    forms = list_leads(team_store, source="form")
    assert [lead.person_email for lead in forms.items] == ["p2@gmail.com", "p0@gmail.com"]
    assert [list_leads(team_store, owner=f"{n}.sdr@acme.dev").total for n in ("sam", "lee")] == [
        1,
        1,
    ]
    assert list_leads(team_store, team="sdr", status="open", limit=2).next_offset == 2
    assert list_leads(team_store, breached=True).total == 0
