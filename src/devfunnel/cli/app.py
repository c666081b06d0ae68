"""The ``devfunnel`` application: every command registered on one Typer app.

Importing this module imports every command's module (about a second and a half), which
is why the entry point (:mod:`devfunnel.cli.main`) imports it only once Ctrl+C is handled.
"""

from __future__ import annotations

import typer

from devfunnel import __version__
from devfunnel.cli import (
    accounts_cmd,
    alerts_cmd,
    config_cmd,
    crm_cmd,
    evaluate,
    handoffs_cmd,
    identity_cmd,
    imports,
    keys,
    leads_cmd,
    model_cmd,
    opportunities_cmd,
    people,
    qualification_cmd,
    setup,
)
from devfunnel.cli.users_cmd import app as users_app

app = typer.Typer(
    name="devfunnel",
    help="Developer signals and sales, joined account by account.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
app.command()(setup.init)
app.command()(setup.demo)
app.command()(setup.serve)
app.command()(evaluate.evaluate)
app.add_typer(config_cmd.app, name="config")
app.add_typer(keys.app, name="keys")
app.add_typer(imports.app, name="import")
app.add_typer(people.app, name="people")
app.add_typer(identity_cmd.app, name="identity")
app.add_typer(users_app, name="users")
app.add_typer(alerts_cmd.app, name="alerts")
app.add_typer(crm_cmd.app, name="crm")
app.add_typer(leads_cmd.app, name="leads")
app.add_typer(opportunities_cmd.app, name="opportunities")
app.add_typer(handoffs_cmd.app, name="handoffs")
app.add_typer(accounts_cmd.app, name="accounts")
app.add_typer(qualification_cmd.app, name="qualification")
app.add_typer(model_cmd.app, name="model")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"devfunnel {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Developer signals and sales, joined account by account."""
