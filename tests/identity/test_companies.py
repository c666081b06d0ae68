"""Stated companies (forms, GitHub profiles) place people at the one account they name."""

from __future__ import annotations

import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.identity.companies import company_key, stated_company
from devfunnel.identity.resolve import resolve_pending
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from tests.identity.test_resolve import person_of, person_row, send


def test_company_keys_ignore_case_punctuation_legal_forms_and_org_handles() -> None:
    assert company_key("Acme, Inc.") == "acme"
    assert company_key("@acme") == "acme"
    assert company_key("Nova Labs GmbH") == company_key("novalabs") == "novalabs"
    assert company_key("Freelance") is None
    assert company_key("Self-employed") is None
    assert company_key("io") is None
    assert stated_company('{"company": {"name": "Acme Corp"}}') == "Acme Corp"
    assert stated_company({"name": "Jane"}) is None


def test_a_free_mail_developer_stating_a_company_joins_that_account(
    store: Store, settings: Settings
) -> None:
    import_accounts(
        store,
        settings,
        [{"external_id": "001", "crm": "hubspot", "name": "Peak Data", "domain": "peakdata.io"}],
    )
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "jane.doe1987@gmail.com", "company": "@peakdata"}},
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "bob@gmail.com", "company": "Peak Data, Inc."}},
    )  # fmt: skip
    resolve_pending(store, settings)
    for key in ("email:jane.doe1987@gmail.com", "email:bob@gmail.com"):
        row = person_row(store, person_of(store, key))
        assert row["account_domain"] == "peakdata.io"
        assert row["account_source"] == "company_name"


def test_a_company_email_outranks_a_stated_company(store: Store, settings: Settings) -> None:
    import_accounts(
        store,
        settings,
        [{"external_id": "1", "crm": "hubspot", "name": "Acme", "domain": "acme.io"}],
    )
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "jane@globex.com", "company": "Acme"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    row = person_row(store, person_of(store, "user_id:u1"))
    assert (row["account_domain"], row["account_source"]) == ("globex.com", "email_domain")


def test_an_ambiguous_or_unknown_company_is_never_guessed_or_created(
    store: Store, settings: Settings
) -> None:
    import_accounts(
        store,
        settings,
        [
            {"external_id": "1", "crm": "hubspot", "name": "Nova Labs", "domain": "novalabs.com"},
            {"external_id": "2", "crm": "hubspot", "name": "Nova Labs", "domain": "novalabs7.io"},
            {"external_id": "3", "crm": "hubspot", "name": "Nexa Bank", "domain": "nexabank6.com"},
            {"external_id": "4", "crm": "hubspot", "name": "Nexabank", "domain": "nexabank.com"},
        ],
    )
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "a@gmail.com", "company": "Nova Labs"}},
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "b@gmail.com", "company": "Initech"}},
        {"messageId": "3", "type": "identify", "userId": "u3",
         "traits": {"email": "c@gmail.com", "company": "NexaBank"}},
        {"messageId": "4", "type": "identify", "userId": "u4",
         "traits": {"email": "d@gmail.com", "company": "@nexabank"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    for user in ("u1", "u2"):
        assert person_row(store, person_of(store, f"user_id:{user}"))["account_id"] is None
    # Spelled as one account spells itself, it names that one; a GitHub handle is read
    # as a domain name: @nexabank is nexabank.com, not Nexa Bank at nexabank6.com.
    assert person_row(store, person_of(store, "user_id:u3"))["account_domain"] == "nexabank.com"
    assert person_row(store, person_of(store, "user_id:u4"))["account_domain"] == "nexabank.com"
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one() == 4


def test_an_account_a_group_call_creates_in_the_same_run_is_found_by_name(
    store: Store, settings: Settings
) -> None:
    send(
        store,
        {"messageId": "1", "type": "group", "userId": "u1", "groupId": "org_1",
         "traits": {"name": "Globex", "website": "https://globex.com"}},
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "c@gmail.com", "company": "Globex Corporation"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    row = person_row(store, person_of(store, "user_id:u2"))
    assert (row["account_domain"], row["account_source"]) == ("globex.com", "company_name")


def test_an_org_handle_two_domains_share_is_not_guessed(store: Store, settings: Settings) -> None:
    import_accounts(
        store,
        settings,
        [
            {"external_id": "1", "crm": "hubspot", "name": "Vertex", "domain": "vertex.com"},
            {"external_id": "2", "crm": "hubspot", "name": "Vertex IO", "domain": "vertex.io"},
        ],
    )
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "a@gmail.com", "company": "@vertex"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "user_id:u1"))["account_id"] is None


def _two_titan_energies(store: Store, settings: Settings) -> None:
    import_accounts(
        store,
        settings,
        [
            {"external_id": "1", "crm": "hubspot", "name": "Titan Energy",
             "domain": "titanenergy.com"},
            {"external_id": "2", "crm": "hubspot", "name": "Titanenergy60",
             "domain": "titanenergy60.com"},
        ],
    )  # fmt: skip


def test_colleagues_stating_a_company_say_which_account_it_names(
    store: Store, settings: Settings
) -> None:
    _two_titan_energies(store, settings)
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "ann@titanenergy60.com", "company": "Titan Energy"}},
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "bo@titanenergy60.com", "company": "Titan Energy, Inc."}},
    )  # fmt: skip
    resolve_pending(store, settings)
    send(
        store,
        {"messageId": "3", "type": "identify", "userId": "u3",
         "traits": {"email": "cy1990@gmail.com", "company": "Titan Energy"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    row = person_row(store, person_of(store, "user_id:u3"))
    # By its name alone "Titan Energy" is titanenergy.com; the two people who write it
    # and work at titanenergy60.com say what it means here.
    assert (row["account_domain"], row["account_source"]) == ("titanenergy60.com", "company_name")


def test_one_colleague_is_not_enough_to_outvote_the_name(store: Store, settings: Settings) -> None:
    _two_titan_energies(store, settings)
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "ann@titanenergy60.com", "company": "Titan Energy"}},
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "cy1990@gmail.com", "company": "Titan Energy"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    row = person_row(store, person_of(store, "user_id:u2"))
    assert row["account_domain"] == "titanenergy.com"


def test_people_stating_a_company_join_its_account_when_it_appears_later(
    store: Store, settings: Settings
) -> None:
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "dee1987@gmail.com", "company": "Globex"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "user_id:u1"))["account_id"] is None
    send(
        store,
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "eve@globex.com"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    row = person_row(store, person_of(store, "user_id:u1"))
    assert (row["account_domain"], row["account_source"]) == ("globex.com", "company_name")


def test_a_name_spelled_otherwise_than_an_account_spells_itself_is_not_that_account(
    store: Store, settings: Settings
) -> None:
    import_accounts(
        store,
        settings,
        [{"external_id": "1", "crm": "hubspot", "name": "Magnadata", "domain": "magnadata.io"}],
    )
    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "a1990@gmail.com", "company": "Magna Data"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    assert person_row(store, person_of(store, "user_id:u1"))["account_id"] is None
    # An account known only by a colleague's email domain has no spelling of its own: its
    # name was made from the domain, so "Magna Data" may be it.
    send(
        store,
        {"messageId": "2", "type": "identify", "userId": "u2",
         "traits": {"email": "bo@magnadata.fr"}},
        {"messageId": "3", "type": "identify", "userId": "u3",
         "traits": {"email": "cy1991@gmail.com", "company": "Magna Data, Inc."}},
    )  # fmt: skip
    resolve_pending(store, settings)
    for user in ("u1", "u3"):
        row = person_row(store, person_of(store, f"user_id:{user}"))
        assert (row["account_domain"], row["account_source"]) == ("magnadata.fr", "company_name")
