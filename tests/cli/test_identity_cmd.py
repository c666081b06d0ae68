"""``devfunnel identity accept``, ``reject`` and ``unmerge`` run the same review service
as the People page and the API: the same audit entries, with the command line as actor."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from devfunnel.store.schema.identity import merge_suggestions, people
from tests.cli.test_commands import invoke
from tests.helpers.web import make_user
from tests.helpers.work import WorkWorld, seed_work


@pytest.fixture
def world(store_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> WorkWorld:
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with Store(store_url) as store:
        for role in ("seller", "devrel", "customer_success"):
            make_user(store, role)
        return seed_work(store, settings)


def test_accept_reject_and_unmerge_from_the_command_line(
    capsys: pytest.CaptureFixture[str], store_url: str, world: WorkWorld
) -> None:
    code, out, err = invoke(capsys, "identity", "accept", str(world.suggestions["jane"]),
                            "--db", store_url)  # fmt: skip
    assert code == 0, err
    found = re.search(r"merge ([0-9a-f-]{36})", "".join(out.split()).replace("merge", "merge "))
    assert found, out
    merge = found.group(1)
    code, out, err = invoke(capsys, "identity", "reject", str(world.suggestions["bob"]),
                            "--reason", "Father and son", "--db", store_url)  # fmt: skip
    assert code == 0, err
    code, out, err = invoke(capsys, "identity", "unmerge", merge, "--db", store_url)
    assert code == 0, err
    with Store(store_url) as store, store.read() as conn:
        statuses = dict(
            conn.execute(sa.select(merge_suggestions.c.id, merge_suggestions.c.status)).all()
        )
        restored = conn.execute(
            sa.select(people.c.merged_into, people.c.event_count).where(
                people.c.id == max(world.people["jane"], world.people["jane.doe"])
            )
        ).one()
        entries = conn.execute(
            sa.select(audit_log.c.action, audit_log.c.actor_kind).where(
                audit_log.c.action.like("merge_suggestion.%")
            )
        ).all()
    assert statuses[world.suggestions["jane"]] == "accepted"
    assert statuses[world.suggestions["bob"]] == "rejected"
    assert restored.merged_into is None
    assert sorted(entries) == [
        ("merge_suggestion.accept", "cli"),
        ("merge_suggestion.reject", "cli"),
    ]
