"""The one place expected errors become CLI messages and exit codes."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from devfunnel.errors import ConfigError, DevfunnelError

stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def report(exc: DevfunnelError) -> int:
    """Print ``exc`` for a person (no traceback) and return its exit code."""
    stderr.print(f"[bold red]error:[/] {escape(exc.detail)}")
    if isinstance(exc, ConfigError):
        for problem in exc.problems:
            stderr.print(f"  - {escape(problem)}")
    for item in getattr(exc, "errors", [])[:20]:
        stderr.print(f"  - {escape(str(item))}")
    return exc.exit_code
