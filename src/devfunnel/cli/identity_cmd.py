"""(being written)"""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Identity resolution: merge suggestions, merges, unmerges, blocks.", no_args_is_help=True
)
