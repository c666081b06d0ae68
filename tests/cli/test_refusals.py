"""What the CLI refuses with one ``error:`` line and the exit code of its kind, where it
used to print a traceback, accept a value silently, or answer an empty table."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.ingest.records.accounts import import_accounts
from devfunnel.store import Store
from devfunnel.store.schema.admin import alert_destinations, audit_log
from devfunnel.store.schema.pipeline import opportunities
from tests.cli.test_commands import invoke
from tests.pipeline.world import build

# --- files -------------------------------------------------------------------------------


def test_config_init_where_it_cannot_write_is_one_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    missing = tmp_path / "nonexistent" / "x.toml"
    code, out, err = invoke(capsys, "config", "init", str(missing))
    assert (code, out) == (66, "")
    assert f"cannot write {missing}: the folder {missing.parent} does not exist" in err
    folder = tmp_path / "adir"
    folder.mkdir()
    for force in ((), ("--force",)):
        code, out, err = invoke(capsys, "config", "init", str(folder), *force)
        assert (code, out) == (66, "")
        assert f"cannot write {folder}: it is a folder" in err
        assert "Traceback" not in err
    assert not missing.parent.exists()
    assert list(folder.iterdir()) == []


def test_a_configuration_path_naming_a_folder_says_so(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVFUNNEL_CONFIG", str(tmp_path))
    code, _, err = invoke(capsys, "config", "show")
    assert code == 78
    assert f"configuration file {tmp_path} is a folder, not a file (from DEVFUNNEL_CONFIG)" in err


def test_a_configuration_file_starting_with_a_byte_order_mark_is_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "devfunnel.toml"
    path.write_bytes(b"\xef\xbb\xbf[server]\nport = 9123\n")  # as Windows editors save it
    code, out, err = invoke(capsys, "config", "show", "--config", str(path), "--json")
    assert code == 0, err
    assert '"port": 9123' in out


# --- opportunities: the currency is checked on its own --------------------------------------


def test_a_currency_that_is_not_one_is_refused_naming_currency(
    capsys: pytest.CaptureFixture[str], store: Store, settings: Settings,
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    build(store, settings)
    create = ("opportunities", "create", "--account", "acme.io", "--name", "Expansion",
              "--db", store.url)  # fmt: skip
    for amount in ((), ("--amount", "100")):
        for currency in ("not a currency", "XX"):
            code, out, err = invoke(capsys, *create, *amount, "--currency", currency)
            assert (code, out) == (65, ""), err
            assert f"error: currency: {currency!r} is not an ISO 4217 currency code" in err
    code, out, err = invoke(capsys, *create, "--currency", " eur ")
    assert code == 0, err
    with store.read() as conn:
        stored = conn.execute(
            sa.select(opportunities.c.currency).where(opportunities.c.name == "Expansion")
        ).scalars()
        assert list(stored) == ["EUR"]


# --- filters refuse what no row can have ---------------------------------------------------


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (("identity", "suggestions", "--status", "bogus"),
         "unknown status 'bogus'; use one of: pending, accepted, rejected, auto_merged, stale"),
        (("crm", "outbox", "--status", "bogus"),
         "unknown outbox status 'bogus'; use one of: pending, sent, dead"),
        (("crm", "outbox", "--system", "bogus"),
         "unknown CRM 'bogus'; use one of: hubspot, salesforce"),
        (("leads", "list", "--team", "bogus"),
         "unknown routing team 'bogus'; use one of: sdr, ae_enterprise, ae_emea"),
        (("accounts", "top", "--segment", "bogus"),
         "unknown segment 'bogus'; use one of: enterprise, mid_market, smb"),
    ],
)  # fmt: skip
def test_an_unknown_filter_value_is_refused_listing_the_known_ones(
    capsys: pytest.CaptureFixture[str], db: str, command: tuple[str, ...], said: str
) -> None:
    code, out, err = invoke(capsys, *command, "--db", db)
    assert (code, out) == (65, "")
    assert said in " ".join(err.split())


def test_a_segment_an_account_carries_is_a_known_one(
    capsys: pytest.CaptureFixture[str], db: str, settings: Settings
) -> None:
    with Store(db) as store:
        import_accounts(store, settings, [{"domain": "umbrella.io", "name": "Umbrella",
                                           "segment": "Public"}])  # fmt: skip
    code, _, err = invoke(capsys, "accounts", "top", "--segment", "public", "--db", db)
    assert code == 0, err
    code, _, err = invoke(capsys, "accounts", "top", "--segment", "bogus", "--db", db)
    assert code == 65
    assert "enterprise, mid_market, public, smb" in err


# --- smaller ones ----------------------------------------------------------------------------


def test_a_secret_and_generate_secret_together_are_refused(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    add = ("alerts", "destinations", "add", "crm-sync", "--kind", "webhook", "--url",
           "https://hooks.acme.dev/x", "--db", db)  # fmt: skip
    code, out, err = invoke(
        capsys, *add, "--secret", "a-secret-of-sixteen-plus", "--generate-secret"
    )
    assert (code, out) == (65, "")
    assert "--secret or --generate-secret, not both" in err
    with Store(db) as store, store.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(alert_destinations)).scalar() == 0
        )


def test_revoking_a_revoked_key_says_it_already_was(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, err = invoke(capsys, "keys", "create", "ci", "--scope", "read", "--db", db)
    assert code == 0, err
    prefix = out.strip().splitlines()[-1][:16]
    code, out, err = invoke(capsys, "keys", "revoke", prefix, "--db", db)
    assert code == 0, err
    assert out.startswith("Revoked read key 'ci'")
    code, out, err = invoke(capsys, "keys", "revoke", prefix, "--db", db)
    assert code == 0, err
    said = " ".join(out.split())
    assert "Revoked" not in said
    assert "Read key 'ci'" in said
    assert "was already revoked on" in said
    assert "nothing changed" in said
    with Store(db) as store, store.read() as conn:
        revocations = conn.execute(
            sa.select(sa.func.count())
            .select_from(audit_log)
            .where(audit_log.c.action == "api_key.revoke")
        ).scalar()
    assert revocations == 1
