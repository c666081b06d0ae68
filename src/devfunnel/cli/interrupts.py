"""Ctrl+C, handled once for every command: one line ``interrupted``, exit code 130.

Python raises the interrupt wherever the main thread happens to be, so what would reach
the entry point depends on where that was: DuckDB answers a query it was running with
``RuntimeError: Query interrupted`` (which the store reports as a database error, or which
escapes a commit as a traceback), SQLAlchemy logs a traceback of its own when it closes the
connection that was cut short, Click turns it into "Aborted." at a prompt, and in the first
second it lands in a module import. None of that is a fault to report. So the handler
notes that an interrupt came, and :func:`reported` reports whatever failure follows one as
the interrupt. What was committed stays committed; the rest rolls back as on any error.

The handler raises :class:`Interrupted`, not ``KeyboardInterrupt``: Click's prompts and
Typer catch ``KeyboardInterrupt`` and print "Aborted." or exit on their own before the
entry point could say anything.

A second Ctrl+C ends the process at once, for cleanup that hangs (a worker thread stuck
behind a lock the interrupt left taken). Both databases are safe with that: DuckDB's
write-ahead log and PostgreSQL drop the open transaction of a process that is gone.
Processes forked from the command (the demo's generator workers) inherit the handler;
there it does nothing, and the command stops them as it unwinds.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: The shell's code for a command ended by SIGINT (128 + 2).
EXIT_INTERRUPTED = 130
#: Loggers whose errors after an interrupt are the interrupt itself (closing or resetting
#: the pooled connection it cut short), not something to show.
_QUIETED = "sqlalchemy"


class Interrupted(BaseException):
    """Ctrl+C, raised in the main thread by the handler :func:`reported` installs.

    A ``BaseException`` like ``KeyboardInterrupt``: ``except Exception`` does not swallow it.
    """


class Watch:
    """Counts the interrupts of one command run, in the process that started it."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.count = 0

    @property
    def interrupted(self) -> bool:
        return self.count > 0

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() != self.pid:
            return  # a forked worker: the command it works for stops it
        self.count += 1
        if self.count > 1:
            say_interrupted()
            os._exit(EXIT_INTERRUPTED)
        logging.getLogger(_QUIETED).setLevel(logging.CRITICAL + 1)
        raise Interrupted


def say_interrupted() -> None:
    """The one line an interrupted command prints (and a cursor a progress bar hid)."""
    if sys.stdout.isatty():
        sys.stdout.write("\x1b[?25h")
        sys.stdout.flush()
    sys.stderr.write("interrupted\n")
    sys.stderr.flush()


@contextmanager
def reported() -> Iterator[Watch]:
    """Run a command under the interrupt handler: any failure after Ctrl+C becomes the line
    ``interrupted`` and exit code 130. A command that finishes anyway keeps its outcome."""
    watch = Watch()
    if threading.current_thread() is not threading.main_thread():
        yield watch  # signal handlers belong to the main thread; leave them alone
        return
    quieted = logging.getLogger(_QUIETED)
    level = quieted.level
    previous = signal.signal(signal.SIGINT, watch.handle)
    try:
        yield watch
    except BaseException as exc:
        succeeded = isinstance(exc, SystemExit) and exc.code in (0, None)
        if not watch.interrupted or succeeded:
            raise
        say_interrupted()
        raise SystemExit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        quieted.setLevel(level)
