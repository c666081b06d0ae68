"""CRM contacts enter as identify events; refused rows are reported, dry runs are exact."""

from __future__ import annotations

from devfunnel.config import Settings
from devfunnel.ingest.records.contacts import import_contacts
from devfunnel.store import Store


def test_contacts_refused_by_intake_are_row_errors_with_their_line(
    store: Store, settings: Settings
) -> None:
    # Valid as a record, but over the intake's (here lowered) size limit for one event.
    small = settings.model_copy(
        update={"ingest": settings.ingest.model_copy(update={"max_event_bytes": 1024})}
    )
    big = {"first_name": "f" * 150, "last_name": "l" * 150, "title": "t" * 300, "phone": "1" * 64}
    rows = [
        {"email": "ok@acme.io", "crm": "hubspot", "external_id": "1"},
        {"email": "big@acme.io", "crm": "hubspot", "external_id": "2", **big},
    ]
    result = import_contacts(store, small, rows, first_line=2)
    assert result.created == 1
    assert [(e.line, "larger than 1024 bytes" in e.reason) for e in result.errors] == [(3, True)]


def test_dry_run_tells_new_from_unchanged_contacts(store: Store, settings: Settings) -> None:
    rows = [{"email": "a@acme.io", "crm": "hubspot", "external_id": "1", "name": "A"}]
    assert import_contacts(store, settings, rows).created == 1
    again = import_contacts(store, settings, [*rows, {"email": "b@acme.io"}], dry_run=True)
    assert (again.created, again.unchanged) == (1, 1)
