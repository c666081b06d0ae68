"""A real server killed with ``kill -9`` mid-traffic keeps everything it acknowledged."""

from __future__ import annotations

import itertools
import threading
from pathlib import Path

import httpx
import sqlalchemy as sa

from devfunnel.store import Store
from devfunnel.store.schema.events import events
from tests.web.intake.conftest import track
from tests.web.intake.serving import new_key, serving

#: Acknowledged requests to wait for before killing the server mid-traffic.
ACKS_BEFORE_KILL = 12


def test_acknowledged_events_survive_kill_9(store_url: str, tmp_path: Path) -> None:
    key, _ = new_key(store_url)
    acked: list[list[str]] = []
    lock = threading.Lock()
    killed = threading.Event()

    with serving(store_url, tmp_path, server_run_worker="false") as server:

        def send(sender: int) -> None:
            with httpx.Client(base_url=server.url, auth=(key, ""), timeout=60) as client:
                for number in itertools.count():
                    ids = [f"s{sender}-{number}-{i}" for i in range(100)]
                    try:
                        response = client.post("/v1/batch", json={"batch": [track(m) for m in ids]})
                    except httpx.TransportError:
                        return  # the server is gone
                    assert response.status_code == 200, response.text
                    with lock:
                        if killed.is_set():
                            return
                        acked.append(ids)
                        if len(acked) == ACKS_BEFORE_KILL:
                            server.process.kill()  # SIGKILL the moment this 200 arrived
                            killed.set()
                            return

        senders = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        for thread in senders:
            thread.start()
        for thread in senders:
            thread.join(120)
        assert killed.is_set()

    with Store(store_url) as store, store.read() as conn:
        stored = {m for (m,) in conn.execute(sa.select(events.c.message_id))}
    assert all(set(ids) <= stored for ids in acked)
    # A request is committed whole or not at all, acknowledged or not.
    requests = {m.rsplit("-", 1)[0] for m in stored}
    assert len(stored) == 100 * len(requests)
