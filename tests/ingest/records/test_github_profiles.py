"""GitHub profiles: a login's public name, company and verified email as signals."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.ingest.records.github_profiles import import_github_profiles
from devfunnel.store import Store
from devfunnel.store.schema.events import events
from tests.identity.test_resolve import person_of, person_row

PROFILE = {
    "login": "JaneDoe1987",
    "id": 583231,
    "type": "User",
    "avatar_url": "https://avatars.githubusercontent.com/u/583231",
    "name": "Jane Doe",
    "company": "@peakdata",
    "blog": "",
    "email": "jane.doe1987@gmail.com",
    "updated_at": "2026-03-01T10:00:00Z",
}


def test_a_profile_joins_its_login_and_public_email_and_names_the_person(
    store: Store, settings: Settings
) -> None:
    import_accounts(
        store,
        settings,
        [{"external_id": "1", "crm": "hubspot", "name": "PeakData", "domain": "peakdata.io"}],
    )
    result = import_github_profiles(store, settings, [PROFILE])
    assert (result.created, result.errors) == (1, [])
    resolve_pending(store, settings)
    person = person_of(store, "github:janedoe1987")
    assert person_of(store, "email:jane.doe1987@gmail.com") == person
    row = person_row(store, person)
    assert row["name"] == "Jane Doe"
    assert (row["account_domain"], row["account_source"]) == ("peakdata.io", "company_name")


def test_an_unchanged_profile_is_stored_once_and_a_bad_one_is_reported(
    store: Store, settings: Settings
) -> None:
    import_github_profiles(store, settings, [PROFILE])
    again = import_github_profiles(
        store, settings, [PROFILE, {"login": "not a login!", "name": "X"}], first_line=1
    )
    assert (again.created, again.unchanged) == (0, 1)
    assert [e.line for e in again.errors] == [2]
    dry = import_github_profiles(store, settings, [{**PROFILE, "name": "Jane D."}], dry_run=True)
    assert (dry.created, dry.unchanged) == (1, 0)
    with store.read() as conn:
        stored = conn.execute(
            sa.select(sa.func.count()).select_from(events).where(events.c.source == "github")
        ).scalar_one()
    assert stored == 1
