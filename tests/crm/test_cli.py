"""``devfunnel crm`` end to end against the local HubSpot, and configuration errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from devfunnel.cli.output import console
from devfunnel.config import load_settings
from devfunnel.errors import ConfigError
from devfunnel.store.schema.pipeline import handoffs
from tests.cli.test_commands import invoke
from tests.crm.conftest import World
from tests.crm.fakes import TOKEN, FakeHubSpot
from tests.helpers.local_http import LocalServer


@pytest.fixture(autouse=True)
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables as a wide terminal shows them, so cells are not cut."""
    monkeypatch.setattr(console, "_width", 240)


@pytest.fixture
def db(
    store_url: str, world: World, hubspot_server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> str:
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEVFUNNEL_CRM_HUBSPOT_TOKEN", TOKEN)
    monkeypatch.setenv("DEVFUNNEL_CRM_HUBSPOT_BASE_URL", hubspot_server.url)
    with world.seed.store.transaction() as conn:  # a handoff of today (the CLI runs now)
        conn.execute(handoffs.update().values(updated_at=datetime.now(UTC)))
    world.seed.store.close()  # the CLI opens the database itself
    return store_url


def test_the_crm_commands(
    capsys: pytest.CaptureFixture[str], db: str, hubspot: FakeHubSpot
) -> None:
    code, out, err = invoke(capsys, "crm", "status", "--db", db)
    assert code == 0, err
    assert "hubspot" in out
    assert "off (no token)" in out  # salesforce
    code, out, _ = invoke(capsys, "crm", "sync", "--db", db)
    assert "hubspot: queued 4 changes." in out
    hubspot.down = True
    code, out, _ = invoke(capsys, "crm", "push", "--db", db)
    assert "hubspot: 0 sent, 4 to retry, 0 dead" in out
    code, out, _ = invoke(capsys, "crm", "outbox", "--status", "pending", "--db", db)
    assert "HTTP 503" in out
    code, out, _ = invoke(capsys, "crm", "dead", "--db", db)
    assert "HTTP 503" not in out
    code, out, err = invoke(capsys, "crm", "retry", "0196a3b4-0000-7000-8000-000000000000",
                            "--db", db)  # fmt: skip
    assert code == 66
    assert "no CRM outbox row" in err
    code, out, _ = invoke(capsys, "config", "show", "--db", db)
    assert TOKEN not in out
    assert 'token = "********"' in out


@pytest.mark.parametrize(
    ("environ", "problem"),
    [
        ({"DEVFUNNEL_CRM_HUBSPOT_PROPERTIES": '{ momentun = "devfunnel_momentum" }'},
         "crm.hubspot.properties = {'momentun': 'devfunnel_momentum'}: unknown devfunnel "
         "field 'momentun'; fields: momentum, fit, grade, journey_stage, active_developers, "
         "pqa, pqa_since, why"),
        ({"DEVFUNNEL_CRM_SALESFORCE_CONTACT_FIELDS": '{ momentum = "Momentum__c" }'},
         "crm.salesforce.contact_fields = {'momentum': 'Momentum__c'}: unknown devfunnel field "
         "'momentum'; fields: engagement, journey_stage, pql, why"),
        ({"DEVFUNNEL_CRM_HUBSPOT_DEAL_PROPERTIES": '{ grade = "Deal Grade" }'},
         "crm.hubspot.deal_properties = {'grade': 'Deal Grade'}: grade = 'Deal Grade' is not a "
         "valid HubSpot field name"),
        ({"DEVFUNNEL_CRM_SALESFORCE_FIELDS": '{ fit = "Score__c", grade = "Score__c" }'},
         "Salesforce field 'Score__c' is mapped from more than one field"),
        ({"DEVFUNNEL_CRM_SALESFORCE_TOKEN": "00Dxx!secret-session"},
         "crm.salesforce: instance_url is required when crm.salesforce.token is set"),
        ({"DEVFUNNEL_CRM_HUBSPOT_BASE_URL": "api.hubapi.com"},
         "crm.hubspot.base_url = 'api.hubapi.com': 'api.hubapi.com' is not an http(s) URL"),
    ],
)  # fmt: skip
def test_bad_crm_configuration_names_the_key(
    environ: dict[str, str], problem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ=environ)
    assert any(problem in line for line in caught.value.problems), caught.value.problems
    assert "00Dxx!secret-session" not in str(caught.value)


def test_a_token_in_a_bad_section_is_never_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("devfunnel.toml").write_text(
        '[crm.hubspot]\ntoken = "pat-na1-very-secret"\nbase_url = 42\n', "utf-8"
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(Path("devfunnel.toml"), environ={})
    assert "pat-na1-very-secret" not in str(caught.value)
