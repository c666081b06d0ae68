"""``config show``, ``config init`` and ``config path``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import tomli_w
import typer

from devfunnel.admin.effective_config import masked
from devfunnel.cli.files import cannot_write, check_writable
from devfunnel.cli.options import ConfigOption, DbOption, settings_for
from devfunnel.cli.output import console
from devfunnel.config import default_config_text
from devfunnel.config.loader import find_config_file
from devfunnel.errors import Conflict

app = typer.Typer(help="Inspect and create the configuration.", no_args_is_help=True)


@app.command("show")
def show(
    db: DbOption = None,
    config: ConfigOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of TOML.")] = False,
) -> None:
    """Print the effective configuration (defaults, file, environment and flags merged)."""
    settings = settings_for(db, config)
    data = masked(settings)
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
    else:
        typer.echo(tomli_w.dumps(data), nl=False)


@app.command("init")
def init(
    path: Annotated[Path, typer.Argument(help="Where to write it.")] = Path("devfunnel.toml"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing file.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the complete, commented default configuration to start from."""
    check_writable(path)
    if path.exists() and not force:
        raise Conflict(f"{path} already exists; pass --force to overwrite it")
    try:
        path.write_text(default_config_text(), encoding="utf-8")
    except OSError as exc:
        raise cannot_write(path, exc) from None
    console.print(f"Wrote {path}; edit it, then check it with `devfunnel config show`.")


@app.command("path")
def where(db: DbOption = None, config: ConfigOption = None) -> None:
    """Print which configuration file is used (if any)."""
    found = find_config_file(config, os.environ)
    typer.echo(str(found.resolve()) if found else "(none: built-in defaults)")
