"""The embedded worker: a thread inside ``devfunnel serve`` that drains pending work."""

from __future__ import annotations

import logging
import threading

from devfunnel.config import Settings
from devfunnel.errors import DevfunnelError
from devfunnel.store import Store
from devfunnel.worker.jobs import run_pending

log = logging.getLogger(__name__)


class InProcessWorker:
    """Polls for pending work every ``worker.poll_seconds`` until stopped."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store, self.settings = store, settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="devfunnel-worker", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                busy = run_pending(self.store, self.settings).busy
            except DevfunnelError as exc:
                log.error("background work failed and will be retried: %s", exc.detail)
                busy = False
            except Exception:  # a bug must not stop the follow-up work intake relies on
                log.exception("background work crashed; it will be retried")
                busy = False
            if not busy:
                self._stop.wait(self.settings.worker.poll_seconds)
