"""GitHub organisations: their websites say which account an ``@org`` is."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.github_orgs import import_github_orgs
from devfunnel.ingest.records.github_profiles import import_github_profiles
from devfunnel.store import Store
from devfunnel.store.schema.identity import github_orgs
from tests.identity.test_resolve import person_of, person_row

ORG = {
    "login": "NobleInsights",
    "id": 90210,
    "type": "Organization",
    "avatar_url": "https://avatars.githubusercontent.com/u/90210",
    "name": "Noble Insights",
    "blog": "https://www.nobleinsights.io/",
    "updated_at": "2026-03-01T10:00:00Z",
}


def _orgs(store: Store) -> dict[str, tuple[str | None, str | None]]:
    with store.read() as conn:
        g = github_orgs.c
        rows = conn.execute(sa.select(g.login, g.name, g.domain))
        return {login: (name, domain) for login, name, domain in rows}


def test_organisations_are_kept_by_login_with_their_website_domain(
    store: Store, settings: Settings
) -> None:
    result = import_github_orgs(
        store,
        settings,
        [
            ORG,
            {"login": "peakdata", "blog": "https://github.com/peakdata", "name": "Peak"},
            {"login": "not an org!", "name": "X"},
        ],
    )
    assert (result.created, result.updated) == (2, 0)
    assert [(e.line, e.reason.split(":")[0]) for e in result.errors] == [(3, "login")]
    # A page on a shared host is nobody's company domain.
    assert _orgs(store) == {
        "nobleinsights": ("Noble Insights", "nobleinsights.io"),
        "peakdata": ("Peak", None),
    }
    dry = import_github_orgs(store, settings, [{**ORG, "name": "Noble"}], dry_run=True)
    assert (dry.created, dry.updated) == (0, 1)
    assert _orgs(store)["nobleinsights"][0] == "Noble Insights"
    again = import_github_orgs(store, settings, [{**ORG, "blog": "nobleinsights.com"}])
    assert (again.created, again.updated) == (0, 1)
    assert _orgs(store)["nobleinsights"] == ("Noble Insights", "nobleinsights.com")


def _two_noble_insights(store: Store, settings: Settings) -> None:
    import_accounts(
        store,
        settings,
        [
            {"external_id": "1", "crm": "hubspot", "name": "Nobleinsights",
             "domain": "nobleinsights.com"},
            {"external_id": "2", "crm": "hubspot", "name": "Noble Insights",
             "domain": "nobleinsights.io"},
        ],
    )  # fmt: skip


def _developer(store: Store, settings: Settings, company: str) -> dict[str, object]:
    import_github_profiles(
        store, settings, [{"login": "eva6004", "name": "Eva Thalby", "company": company}]
    )
    resolve_pending(store, settings)
    return person_row(store, person_of(store, "github:eva6004"))


def test_an_org_handle_two_domains_spell_is_placed_by_its_website(
    store: Store, settings: Settings
) -> None:
    _two_noble_insights(store, settings)
    import_github_orgs(store, settings, [ORG])
    row = _developer(store, settings, "@nobleinsights")
    assert (row["account_domain"], row["account_source"]) == ("nobleinsights.io", "company_name")


def test_without_a_website_the_organisation_name_places_it(
    store: Store, settings: Settings
) -> None:
    _two_noble_insights(store, settings)
    import_github_orgs(store, settings, [{**ORG, "blog": ""}])
    assert _developer(store, settings, "@nobleinsights")["account_domain"] == "nobleinsights.io"


def test_without_the_organisation_the_handle_is_not_guessed(
    store: Store, settings: Settings
) -> None:
    _two_noble_insights(store, settings)
    assert _developer(store, settings, "@nobleinsights")["account_id"] is None


def test_people_who_named_an_organisation_are_placed_when_it_is_imported(
    store: Store, settings: Settings
) -> None:
    _two_noble_insights(store, settings)
    assert _developer(store, settings, "@nobleinsights")["account_id"] is None
    import_github_orgs(store, settings, [ORG])
    row = person_row(store, person_of(store, "github:eva6004"))
    assert (row["account_domain"], row["account_source"]) == ("nobleinsights.io", "company_name")
