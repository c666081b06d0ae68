"""``devfunnel evaluate`` measures identity quality against the demo's truth."""

from __future__ import annotations

from datetime import date

import pytest

from devfunnel.config import Settings
from devfunnel.demo.load import load_demo
from devfunnel.errors import NotFound
from devfunnel.evaluate.identity import evaluate_identity
from devfunnel.store import Store


def test_evaluation_reports_bounded_figures_on_a_demo(store: Store, settings: Settings) -> None:
    load_demo(store, settings, seed=9, accounts=25, as_of=date(2026, 11, 1))
    quality = evaluate_identity(store)
    assert 0.9 <= quality.precision <= 1.0
    assert 0.0 < quality.recall <= 1.0
    assert 0.0 < quality.account_accuracy <= 1.0
    assert quality.pairs["correct"] <= min(quality.pairs["predicted"], quality.pairs["true"])
    assert quality.people_evaluated > 100


def test_evaluation_needs_ground_truth(store: Store) -> None:
    with pytest.raises(NotFound, match="ground truth"):
        evaluate_identity(store)


def test_accounts_match_by_crm_id_and_unknowable_people_are_left_out(
    store: Store, settings: Settings
) -> None:
    """The product knows Acme only by its CRM id; a GitHub-only developer at Acme and one
    whose only signal names a company the product never saw cannot be placed."""
    from devfunnel.demo import truth
    from devfunnel.identity.resolve import resolve_pending
    from devfunnel.ingest.records.accounts import import_accounts
    from devfunnel.ingest.records.contacts import import_contacts
    from tests.identity.test_resolve import send

    import_accounts(store, settings, [{"external_id": "001", "crm": "hubspot", "name": "Acme"}])
    import_contacts(
        store,
        settings,
        [{"crm": "hubspot", "email": "jane@acme.io", "account_external_id": "001"}],
    )
    send(
        store,
        {"messageId": "1", "type": "track", "event": "GitHub Star", "githubLogin": "octo"},
        {"messageId": "2", "type": "identify", "userId": "u9",
         "traits": {"email": "sam@gmail.com", "company": "Initech"}},
        {"messageId": "3", "type": "identify", "userId": "u7",
         "traits": {"email": "lee@gmail.com"}},
    )  # fmt: skip
    resolve_pending(store, settings)
    truth.create(store)
    people = [
        ("P1", "A1", ["crm"]),
        ("P2", "A1", []),
        ("P3", "A2", ["form"]),
        ("P4", None, []),
    ]
    with store.transaction() as conn:
        truth.write(store, conn, "accounts", [
            {"ref": "A1", "domain": "acme.io", "name": "Acme", "need": 0.5, "fit": 0.5,
             "in_crm": True, "crm_key": "hubspot:001", "churn_hazard": 0.0,
             "subscribed": False},
            {"ref": "A2", "domain": "initech.com", "name": "Initech", "need": 0.5, "fit": 0.5,
             "in_crm": False, "crm_key": None, "churn_hazard": 0.0, "subscribed": False},
        ])  # fmt: skip
        truth.write(store, conn, "people", [
            {"ref": ref, "account_ref": account, "persona": "developer", "name": ref,
             "engagement": 0.5, "stage": "discover", "stage_dates": "{}",
             "account_evidence": evidence}
            for ref, account, evidence in people
        ])  # fmt: skip
        truth.write(store, conn, "identities", [
            {"key": "email:jane@acme.io", "person_ref": "P1"},
            {"key": "github:octo", "person_ref": "P2"},
            {"key": "email:sam@gmail.com", "person_ref": "P3"},
            {"key": "user_id:u9", "person_ref": "P3"},
            {"key": "email:lee@gmail.com", "person_ref": "P4"},
            {"key": "user_id:u7", "person_ref": "P4"},
        ])  # fmt: skip
    quality = evaluate_identity(store)
    assert quality.people_evaluated == 4
    assert quality.account_unknowable == 2
    assert quality.account_accuracy == 1.0
    assert (quality.precision, quality.recall) == (1.0, 1.0)


def test_a_fragment_left_unmerged_counts_against_accounts_once_per_record_not_per_person(
    store: Store, settings: Settings
) -> None:
    """Jane's work address places her at Acme; her GitHub login, never joined to her,
    is a second record with no account. Per record that is one of two wrong; per person,
    judged by the record holding most of her identities, she is right."""
    from devfunnel.demo import truth
    from devfunnel.identity.resolve import resolve_pending
    from tests.identity.test_resolve import send

    send(
        store,
        {"messageId": "1", "type": "identify", "userId": "u1",
         "traits": {"email": "jane@acme.io"}},
        {"messageId": "2", "type": "track", "event": "GitHub Star", "githubLogin": "jdev"},
    )  # fmt: skip
    resolve_pending(store, settings)
    truth.create(store)
    with store.transaction() as conn:
        truth.write(store, conn, "accounts", [
            {"ref": "A1", "domain": "acme.io", "name": "Acme", "need": 0.5, "fit": 0.5,
             "in_crm": False, "crm_key": None, "churn_hazard": 0.0, "subscribed": False},
        ])  # fmt: skip
        truth.write(store, conn, "people", [
            {"ref": "P1", "account_ref": "A1", "persona": "developer", "name": "Jane",
             "engagement": 0.5, "stage": "discover", "stage_dates": "{}",
             "account_evidence": ["email"]},
        ])  # fmt: skip
        truth.write(store, conn, "identities", [
            {"key": "email:jane@acme.io", "person_ref": "P1"},
            {"key": "user_id:u1", "person_ref": "P1"},
            {"key": "github:jdev", "person_ref": "P1"},
        ])  # fmt: skip
    quality = evaluate_identity(store)
    assert quality.recall < 1.0
    assert quality.account_accuracy == 0.5
    assert quality.account_accuracy_by_person == 1.0
