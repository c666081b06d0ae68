"""Slowing down password guessing: failed sign-ins counted per email and address.

After ``max_failures`` failures for the same email from the same IP address within
``window``, further attempts are refused without checking the password until the oldest
failure leaves the window; a successful sign-in clears the count. Counts live in the
server's memory: a restart forgets them, and each server process counts on its own
(several processes behind one database each allow ``max_failures``). That bounds guessing
to a handful of tries per quarter hour per address, which is the aim; it is not a defence
against an attacker with many addresses (strong passwords are).
"""

from __future__ import annotations

import math
import threading
from collections import deque
from datetime import UTC, datetime, timedelta

from devfunnel.errors import TooManyAttempts

#: Above this many tracked keys, stale ones are dropped so memory stays bounded.
_MAX_KEYS = 10_000


class LoginThrottle:
    def __init__(self, max_failures: int = 5, window: timedelta = timedelta(minutes=15)) -> None:
        self.max_failures = max_failures
        self.window = window
        self._failures: dict[tuple[str, str], deque[datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(email: str, ip: str | None) -> tuple[str, str]:
        return email.strip().lower(), ip or "unknown"

    def check(self, key: tuple[str, str], now: datetime | None = None) -> None:
        """Raise :class:`TooManyAttempts` while ``key`` is over the limit."""
        now = now or datetime.now(UTC)
        with self._lock:
            recent = self._recent(key, now)
            if len(recent) < self.max_failures:
                return
            wait = recent[0] + self.window - now
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        raise TooManyAttempts(
            f"too many failed sign-ins for this email; try again in {minutes} minute"
            + ("s" if minutes != 1 else ""),
            retry_after_seconds=max(1, math.ceil(wait.total_seconds())),
        )

    def failed(self, key: tuple[str, str], now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        with self._lock:
            if len(self._failures) >= _MAX_KEYS:
                self._forget_stale(now)
            self._recent(key, now).append(now)

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: tuple[str, str], now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def _forget_stale(self, now: datetime) -> None:
        for key in [k for k, t in self._failures.items() if not t or now - t[-1] >= self.window]:
            del self._failures[key]
