"""``devfunnel users``: people who sign in to the dashboard, their roles and passwords."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from devfunnel.admin import users
from devfunnel.admin.audit import CLI
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.errors import ValidationError
from devfunnel.vocabulary import ROLES

app = typer.Typer(help="Create users, change their roles and passwords.", no_args_is_help=True)

EmailArg = Annotated[str, typer.Argument(help="The user's email address (their sign-in).")]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="Read the password from the first line of standard input instead of a prompt.",
    ),
]
_ROLES = ", ".join(ROLES)


def _password(from_stdin: bool) -> str:
    """The new password: one line of standard input, or typed twice at a hidden prompt."""
    if from_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise ValidationError("no password on standard input", field="password")
        return line
    if not sys.stdin.isatty():
        raise ValidationError(
            "standard input is not a terminal; pass --password-stdin to read the password from it",
            field="password",
        )
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


@app.command("create")
def create(
    email: EmailArg,
    role: Annotated[str, typer.Option(help=f"One of: {_ROLES}.")],
    name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a user who can sign in, with a password typed twice (or from stdin)."""
    settings = settings_for(db, config)
    password = _password(password_stdin)
    with open_store(settings) as store:
        user = users.create_user(store, email, role, password, CLI, name=name)
    console.print(f"Created {user.role} {user.email} (id {user.id}); they can sign in now.")


@app.command("list")
def list_(db: DbOption = None, config: ConfigOption = None) -> None:
    """List users: role, whether they can sign in, last sign-in."""
    with open_store(settings_for(db, config)) as store:
        found = users.list_users(store)
    table = Table("email", "name", "role", "status", "last sign-in", "id")
    for user in found:
        status = "active" if user.active else "deactivated"
        if user.active and not user.can_sign_in:
            status = "no password"
        table.add_row(
            user.email,
            user.name or "",
            user.role,
            status,
            f"{user.last_login_at:%Y-%m-%d %H:%M}" if user.last_login_at else "never",
            str(user.id),
        )
    console.print(table)


@app.command("set-role")
def set_role(
    email: EmailArg,
    role: Annotated[str, typer.Argument(help=f"One of: {_ROLES}.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Change a user's role; it applies at their next request."""
    with open_store(settings_for(db, config)) as store:
        user = users.set_role(store, email, role, CLI)
    console.print(f"{user.email} is now {user.role}.")


@app.command("set-password")
def set_password(
    email: EmailArg,
    password_stdin: PasswordStdin = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Set or reset a password; the user's open sessions end."""
    settings = settings_for(db, config)
    password = _password(password_stdin)
    with open_store(settings) as store:
        user = users.set_password(store, email, password, CLI)
    console.print(f"Password of {user.email} changed; their sessions were ended.")


@app.command("deactivate")
def deactivate(email: EmailArg, db: DbOption = None, config: ConfigOption = None) -> None:
    """Stop a user from signing in (their sessions end; their records stay theirs)."""
    with open_store(settings_for(db, config)) as store:
        user = users.set_active(store, email, False, CLI)
    console.print(f"{user.email} is deactivated.")


@app.command("activate")
def activate(email: EmailArg, db: DbOption = None, config: ConfigOption = None) -> None:
    """Let a deactivated user sign in again."""
    with open_store(settings_for(db, config)) as store:
        user = users.set_active(store, email, True, CLI)
    console.print(f"{user.email} is active again.")
