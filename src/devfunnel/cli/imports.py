"""(being written)"""

from __future__ import annotations

import typer

app = typer.Typer(help="Import files.", no_args_is_help=True)
