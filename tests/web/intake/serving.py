"""``devfunnel serve`` in a process of its own, for tests that need a real server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import httpx

from devfunnel.admin.api_keys import create_key
from devfunnel.admin.audit import CLI
from devfunnel.store import Store
from tests.web.test_server import free_port

T = TypeVar("T")


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[str]


def new_key(url: str, scope: str = "ingest") -> tuple[str, str]:
    """A key created (and the database closed again) before the server opens it."""
    with Store(url) as store:
        created = create_key(store, f"{scope} test key", scope, CLI)
    return created.secret, str(created.key.id)


@contextmanager
def serving(url: str, workdir: Path, **settings: str) -> Iterator[Server]:
    """A server on a free port; ``settings`` become ``DEVFUNNEL_*`` variables."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVFUNNEL_")}
    env.update({f"DEVFUNNEL_{name.upper()}": value for name, value in settings.items()})
    process = subprocess.Popen(
        [sys.executable, "-m", "devfunnel", "serve", "--db", url, "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        eventually(lambda: _healthy(base, process), timeout=90, what="the server to start")
        yield Server(base, port, process)
    finally:
        if process.poll() is None:
            process.terminate()
        process.communicate(timeout=60)


def _healthy(base: str, process: subprocess.Popen[str]) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the server exited:\n{process.communicate()[0]}")
    try:
        return httpx.get(f"{base}/api/v1/health", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def eventually(check: Callable[[], T], *, timeout: float, what: str) -> T:
    """Poll ``check`` until it returns something truthy, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)
