"""The CLI end to end, in process: every command, clean errors with their exit codes."""

from __future__ import annotations

import tomllib
from pathlib import Path

import click
import pytest
import typer

from devfunnel.cli.app import app
from devfunnel.cli.main import run


def invoke(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``devfunnel argv`` and return (exit code, stdout, stderr)."""
    try:
        run(list(argv))
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _clean_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def commands(group: click.Command, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in getattr(group, "commands", {}).items():
        if hasattr(command, "commands"):
            found += commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def test_every_command_takes_db_and_config() -> None:
    root = typer.main.get_command(app)
    names = commands(root)
    assert {("init",), ("demo",), ("serve",), ("config", "show")} <= set(names)
    for path in names:
        command: click.Command = root
        for part in path:
            command = command.commands[part]  # type: ignore[attr-defined]
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {"--db", "--config"} <= options, path


def test_config_show_prints_the_effective_configuration(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEVFUNNEL_SERVER_PORT", "9123")
    monkeypatch.setenv("DEVFUNNEL_GITHUB_WEBHOOK_SECRET", "s3cret")
    code, out, _ = invoke(capsys, "config", "show", "--db", "duckdb:///x.duckdb")
    assert code == 0
    shown = tomllib.loads(out)
    assert shown["server"]["port"] == 9123
    assert shown["database"]["url"] == "duckdb:///x.duckdb"
    assert shown["webhooks"]["github_secret"] == "********"
    assert "s3cret" not in out
    assert len(shown["pipeline"]["stages"]) >= 3


def test_a_bad_configuration_file_is_refused_with_key_value_and_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[scoring]\nhalf_life_dayz = 3\n[server]\nport = "eighty"\n')
    code, out, err = invoke(capsys, "config", "show", "--config", str(bad))
    assert code == 78
    assert out == ""
    assert str(bad) in err
    assert "scoring.half_life_dayz" in err
    assert "did you mean 'half_life_days'" in err
    assert "server.port" in err
    assert "'eighty'" in err
    assert "Traceback" not in err


def test_config_init_writes_the_commented_default_once(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert invoke(capsys, "config", "init")[0] == 0
    written = (tmp_path / "devfunnel.toml").read_text()
    assert written.startswith("# devfunnel.toml")
    code, _, err = invoke(capsys, "config", "init")
    assert code == 75
    assert "--force" in err
    code, out, _ = invoke(capsys, "config", "path")
    assert out.strip() == str((tmp_path / "devfunnel.toml").resolve())


def test_init_creates_then_reports_up_to_date(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    code, out, _ = invoke(capsys, "init", "--db", url)
    assert code == 0
    assert "created" in out
    code, out, _ = invoke(capsys, "init", "--db", url)
    assert code == 0
    assert "up to date" in out


def test_serving_an_uninitialised_database_says_to_run_init(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = invoke(capsys, "serve", "--db", f"duckdb:///{tmp_path / 'none.duckdb'}")
    assert code == 74
    assert "devfunnel init" in err
    assert "Traceback" not in err


def test_unreachable_postgres_is_a_clean_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = invoke(capsys, "init", "--db", "postgresql://nobody@127.0.0.1:1/nothing")
    assert code == 74
    assert "cannot connect to PostgreSQL" in err


def test_demo_refuses_a_database_with_data_unless_replacing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    args = ("demo", "--db", url, "--accounts", "4", "--no-serve", "--as-of", "2026-11-01")
    code, out, err = invoke(capsys, *args)
    assert code == 0, err
    assert "Loaded the demo company" in out
    code, _, err = invoke(capsys, *args)
    assert code == 75
    assert "--replace" in err
    code, out, _ = invoke(capsys, *args, "--replace")
    assert code == 0
    assert "Loaded the demo company" in out


def test_bad_flag_values_are_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'd.duckdb'}"
    code, _, err = invoke(capsys, "demo", "--db", url, "--no-serve", "--as-of", "yesterday")
    assert code == 65
    assert "YYYY-MM-DD" in err
    code, _, _ = invoke(capsys, "demo", "--db", url, "--no-serve", "--accounts", "0")
    assert code == 2


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = invoke(capsys, "--version")
    assert code == 0
    assert out.startswith("devfunnel ")


def test_evaluate_json_is_one_document_on_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import json

    url = f"duckdb:///{tmp_path / 'demo.duckdb'}"
    code, _, err = invoke(
        capsys, "demo", "--db", url, "--accounts", "4", "--no-serve", "--as-of", "2026-11-01"
    )
    assert code == 0, err
    code, out, err = invoke(capsys, "evaluate", "--db", url, "--json")
    assert code == 0, err
    identity = json.loads(out)["identity"]
    for name in ("precision", "recall", "account_accuracy"):
        assert 0.0 <= identity[name] <= 1.0
    assert identity["account_unknowable"] >= 0


def test_starting_the_cli_hashes_no_password() -> None:
    """The dummy hash that evens out sign-in times is made on first use: made at import, it
    cost every command a quarter of a second at start-up (and widened the moment Ctrl+C
    landed in an import)."""
    import subprocess
    import sys

    counting = (
        "import argon2\n"
        "made = []\n"
        "hash_ = argon2.PasswordHasher.hash\n"
        "argon2.PasswordHasher.hash = lambda *a, **k: made.append(1) or hash_(*a, **k)\n"
        "import devfunnel.cli.app, devfunnel.admin.passwords as passwords\n"
        "print(len(made))\n"
        "assert passwords.verify_password(None, 'anything at all') is False\n"
        "print(len(made))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", counting], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["0", "1"]
