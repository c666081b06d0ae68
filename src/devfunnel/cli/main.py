"""The ``devfunnel`` entry point: errors and Ctrl+C are handled here, once, for every command.

This module imports almost nothing, so that the interrupt handler is in place before the
commands' modules load (:mod:`devfunnel.cli.app`); Ctrl+C during that second and a half
is reported like any other (:mod:`devfunnel.cli.interrupts`).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from devfunnel.cli import interrupts
from devfunnel.errors import DevfunnelError

if TYPE_CHECKING:
    import typer


def run(argv: Sequence[str] | None = None) -> None:
    """Run a command; an expected error prints one ``error:`` line and sets its exit code,
    and Ctrl+C prints ``interrupted`` with exit code 130."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    with interrupts.reported() as watch:
        try:
            from devfunnel.cli.app import app

            app(args=list(argv) if argv is not None else None, prog_name="devfunnel")
        except DevfunnelError as exc:
            if watch.interrupted:
                raise  # the interrupt's consequence (say, a query it cut short)
            from devfunnel.cli.errors import report

            sys.exit(report(exc))


def __getattr__(name: str) -> Any:
    """``app``, for callers that walk the commands (the docs tests), imported on first use."""
    if name == "app":
        from devfunnel.cli.app import app

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    app: typer.Typer
