"""(being written)"""

from __future__ import annotations

import typer

app = typer.Typer(help="People: export and erase.", no_args_is_help=True)
