"""``devfunnel people export`` and ``devfunnel people delete`` end to end, on both backends."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.admin import audit_log
from tests.cli.test_commands import invoke
from tests.identity.test_privacy import BOB, JANE, JANE_KEYS, seed_people


@pytest.fixture
def db(store_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database holding Jane and Bob (closed again, as the CLI opens its own)."""
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with Store(store_url) as store:
        seed_people(store, settings, records=False)
    return store_url


class Terminal(io.StringIO):
    """Standard input as a person at a terminal types it."""

    def isatty(self) -> bool:
        return True


def answer(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", Terminal(text))


def test_export_to_stdout_and_to_a_private_file(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    code, out, err = invoke(capsys, "people", "export", "Jane.Doe@ACME.io", "--db", db)
    assert code == 0, err
    doc = orjson.loads(out)
    assert doc["person"]["name"] == "Jane Doe"
    assert {i["key"] for i in doc["identities"]} == JANE_KEYS

    target = tmp_path / "jane.json"
    code, out, err = invoke(capsys, "people", "export", JANE, "--db", db, "-o", str(target))
    assert code == 0, err
    written = orjson.loads(target.read_bytes())
    assert written["person"]["id"] == doc["person"]["id"]
    assert len(written["events"]) == len(doc["events"]) == 7
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert f"Wrote person {doc['person']['id']}" in out


def test_an_unknown_email_is_a_clean_not_found(capsys: pytest.CaptureFixture[str], db: str) -> None:
    for command in (("export",), ("delete", "--yes")):
        code, out, err = invoke(capsys, "people", *command, "nobody@acme.io", "--db", db)
        assert code == 66
        assert out == ""
        assert "error: no person has the email nobody@acme.io" in err
        assert "Traceback" not in err


def test_delete_asks_first_and_prints_what_it_erased(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    answer(monkeypatch, "n\n")
    code, out, _ = invoke(capsys, "people", "delete", JANE, "--db", db)
    assert code == 1
    said = " ".join(out.split())  # as one line, however the console wrapped it
    assert "This erases Jane Doe" in said
    assert "5 identities and 7 events" in said
    assert invoke(capsys, "people", "export", JANE, "--db", db)[0] == 0  # still there

    answer(monkeypatch, "y\n")
    code, out, err = invoke(capsys, "people", "delete", JANE, "--db", db)
    assert code == 0, err
    assert "Erased (erasure" in out
    assert "events" in out
    assert "identities" in out
    code, _, err = invoke(capsys, "people", "export", JANE, "--db", db)
    assert code == 66
    assert "erased on" in err

    # --yes never reads the terminal.
    answer(monkeypatch, "")
    code, out, err = invoke(capsys, "people", "delete", BOB, "--yes", "--db", db)
    assert code == 0, err
    assert "This erases" not in out
    assert "people" in out


def test_delete_without_a_terminal_to_confirm_is_refused_naming_yes(
    capsys: pytest.CaptureFixture[str], db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))  # piped: nobody at a terminal
    code, out, err = invoke(capsys, "people", "delete", JANE, "--db", db)
    assert code == 65
    assert out == ""
    assert "not a terminal" in err
    assert "--yes" in err
    assert "Aborted" not in err
    assert invoke(capsys, "people", "export", JANE, "--db", db)[0] == 0  # still there


def test_export_to_a_folder_that_does_not_exist_is_refused_before_exporting(
    capsys: pytest.CaptureFixture[str], db: str, tmp_path: Path
) -> None:
    target = tmp_path / "missing" / "jane.json"
    code, out, err = invoke(capsys, "people", "export", JANE, "--db", db, "-o", str(target))
    assert code == 66
    assert out == ""
    assert err.count("error:") == 1
    assert f"the folder {target.parent} does not exist" in err
    assert "Traceback" not in err
    assert not target.parent.exists()
    with Store(db) as store, store.read() as conn:
        exports = conn.execute(
            sa.select(sa.func.count())
            .select_from(audit_log)
            .where(audit_log.c.action.like("%export%"))
        ).scalar_one()
    assert exports == 0  # nothing was exported, so nothing is audited as exported
