"""``devfunnel users``: create (password from stdin), list, set-role, set-password,
deactivate and activate, with clean errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from devfunnel.admin import users
from devfunnel.admin.passwords import verify_password
from devfunnel.store import Store
from tests.cli.test_commands import invoke
from tests.helpers.web import PASSWORD


@pytest.fixture
def db(store_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEVFUNNEL_DATABASE_URL", raising=False)
    return store_url


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))


def test_the_users_commands(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, PASSWORD + "\n")
    code, out, err = invoke(capsys, "users", "create", "Ana@Acme.dev", "--role", "admin",
                            "--name", "Ana", "--password-stdin", "--db", db)  # fmt: skip
    assert code == 0, err
    assert "Created admin ana@acme.dev" in out
    stdin(monkeypatch, PASSWORD + "\n")
    assert invoke(capsys, "users", "create", "bo@acme.dev", "--role", "viewer",
                  "--password-stdin", "--db", db)[0] == 0  # fmt: skip
    code, out, _ = invoke(capsys, "users", "set-role", "bo@acme.dev", "seller", "--db", db)
    assert "bo@acme.dev is now seller." in out
    stdin(monkeypatch, "another long passphrase\n")
    assert invoke(capsys, "users", "set-password", "bo@acme.dev", "--password-stdin",
                  "--db", db)[0] == 0  # fmt: skip
    assert invoke(capsys, "users", "deactivate", "bo@acme.dev", "--db", db)[0] == 0
    code, out, _ = invoke(capsys, "users", "list", "--db", db)
    assert "ana@acme.dev" in out
    assert "deactivated" in out
    with Store(db) as store:
        bo = users.get_user(store, "bo@acme.dev")
        assert (bo.role, bo.active) == ("seller", False)
        from devfunnel.admin.users import _find  # the stored hash, to check the new password

        with store.read() as conn:
            assert verify_password(_find(conn, "bo@acme.dev").password_hash,
                                   "another long passphrase")  # fmt: skip
    assert invoke(capsys, "users", "activate", "bo@acme.dev", "--db", db)[0] == 0


def test_errors_are_one_line_with_exit_codes(
    db: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, "short\n")
    code, _, err = invoke(capsys, "users", "create", "a@acme.dev", "--role", "admin",
                          "--password-stdin", "--db", db)  # fmt: skip
    assert code == 65
    assert err.startswith("error: a password must have at least 12 characters")
    code, _, err = invoke(capsys, "users", "set-role", "nobody@acme.dev", "admin", "--db", db)
    assert code == 66
    stdin(monkeypatch, "")
    code, _, err = invoke(capsys, "users", "set-password", "nobody@acme.dev", "--db", db)
    assert code == 65
    assert "--password-stdin" in err
