"""Ctrl+C during any command: one line ``interrupted`` and exit code 130, wherever the
interrupt lands (a DuckDB query, a prompt, the start-up imports, a running server), with no
traceback and no log of the connection it cut short."""

from __future__ import annotations

import importlib.abc
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from devfunnel.cli import interrupts
from devfunnel.config import Settings
from devfunnel.store import Store
from tests.cli.test_commands import invoke
from tests.cli.test_people import JANE, Terminal
from tests.identity.test_privacy import seed_people

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def people_db(store_url: str, settings: Settings) -> str:
    """A database holding Jane (and Bob), to be asked whether to erase her."""
    with Store(store_url) as store:
        seed_people(store, settings, records=False)
    return store_url


def interrupt_soon(seconds: float = 0.3) -> None:
    """Ctrl+C from the terminal, ``seconds`` from now."""
    threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT)).start()


def _as_from_a_terminal() -> None:
    """A child as a shell starts it: Ctrl+C neither ignored nor blocked. A test worker may
    ignore or block SIGINT (pytest-xdist's do), and a child inherits both."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_ctrl_c_at_a_prompt_is_the_interrupt_not_aborted(
    capsys: pytest.CaptureFixture[str], people_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Interrupting(Terminal):
        def readline(self, *args: Any) -> str:
            signal.raise_signal(signal.SIGINT)
            return "y\n"

    monkeypatch.setattr("sys.stdin", Interrupting())
    code, _, err = invoke(capsys, "people", "delete", JANE, "--db", people_db)
    assert (code, err) == (130, "interrupted\n")
    assert invoke(capsys, "people", "export", JANE, "--db", people_db)[0] == 0  # not erased


class _InterruptedImport(importlib.abc.MetaPathFinder):
    """Ctrl+C pressed while the commands' modules are being imported."""

    def find_spec(self, name: str, *args: Any) -> None:
        if name == "devfunnel.cli.app":
            signal.raise_signal(signal.SIGINT)


def test_ctrl_c_while_the_commands_import_is_the_interrupt(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "devfunnel.cli.app")
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    code, out, err = invoke(capsys, "--version")
    assert (code, out, err) == (130, "", "interrupted\n")


def test_the_connection_the_interrupt_cut_short_logs_nothing(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, db: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    pool_log = logging.getLogger("sqlalchemy.pool.impl.QueuePool")

    def closing_fails(*args: Any, **kwargs: Any) -> None:
        try:
            signal.raise_signal(signal.SIGINT)
        finally:
            # What SQLAlchemy's pool logs when closing the interrupted connection fails.
            pool_log.error("Exception closing connection %r", "<duckdb>", exc_info=True)

    monkeypatch.setattr("devfunnel.cli.accounts_cmd.list_accounts", closing_fails)
    with caplog.at_level(logging.INFO):
        code, _, err = invoke(capsys, "accounts", "top", "--db", db)
        assert (code, err) == (130, "interrupted\n")
        assert not [r for r in caplog.records if r.name.startswith("sqlalchemy")]
        pool_log.error("after the command, errors are logged again")
    assert "logged again" in caplog.text


def test_a_second_ctrl_c_exits_at_once_and_a_forked_worker_ignores_both(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logging.getLogger("sqlalchemy"), "level", logging.NOTSET)
    watch = interrupts.Watch()
    with pytest.raises(interrupts.Interrupted):
        watch.handle(signal.SIGINT, None)

    def exit_now(code: int) -> None:
        raise SystemExit(f"os._exit({code})")

    monkeypatch.setattr(interrupts.os, "_exit", exit_now)
    with pytest.raises(SystemExit, match=r"os\._exit\(130\)"):
        watch.handle(signal.SIGINT, None)  # cleanup hangs; the person presses Ctrl+C again
    assert capsys.readouterr().err == "interrupted\n"

    worker = interrupts.Watch()
    worker.pid = -1  # as in a generator process forked from the command
    worker.handle(signal.SIGINT, None)
    assert worker.count == 0


def test_ctrl_c_stops_a_running_server_with_one_line(tmp_path: Path, db: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVFUNNEL_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "devfunnel", "serve", "--db", db, "--port", str(port)],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_as_from_a_terminal,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        server.send_signal(signal.SIGINT)
        out, err = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode == 130
    assert f"at http://127.0.0.1:{port}/" in out
    assert err.splitlines()[-1] == "interrupted"
    assert "Traceback" not in err
    assert "ERROR" not in err
