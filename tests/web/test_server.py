"""One real server: ``devfunnel serve`` in its own process answers over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from devfunnel.store import Store, migrate


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_answers_health_over_http(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'served.duckdb'}"
    with Store(url) as store:
        migrate.upgrade(store)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVFUNNEL_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "devfunnel", "serve", "--db", url, "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "server did not start within 60 s"
                time.sleep(0.2)
        assert response.status_code == 200
        assert response.json()["backend"] == "duckdb"
    finally:
        process.terminate()
        process.communicate(timeout=30)
