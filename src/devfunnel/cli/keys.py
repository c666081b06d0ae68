"""``devfunnel keys``: create, list and revoke API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from devfunnel.admin import api_keys
from devfunnel.admin.audit import CLI
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console

app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Argument(help="What the key is for, e.g. 'web app'.")],
    scope: Annotated[str, typer.Option(help="ingest (send events), read, write or admin.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Create a key. It is shown once, alone on the last line; store it safely."""
    with open_store(settings_for(db, config)) as store:
        created = api_keys.create_key(store, name, scope, CLI)
    console.print(
        f"Created {created.key.scope} key {created.key.name!r} "
        f"({created.key.prefix}…, id {created.key.id}). It will not be shown again:"
    )
    typer.echo(created.secret)


@app.command("list")
def list_(
    all_keys: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List keys (never their secrets)."""
    with open_store(settings_for(db, config)) as store:
        keys = api_keys.list_keys(store, include_revoked=all_keys)
    table = Table("prefix", "name", "scope", "created", "last used", "revoked", "id")
    for key in keys:
        table.add_row(
            f"{key.prefix}…",
            key.name,
            key.scope,
            f"{key.created_at:%Y-%m-%d %H:%M}",
            f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never",
            f"{key.revoked_at:%Y-%m-%d %H:%M}" if key.revoked_at else "",
            str(key.id),
        )
    console.print(table)


@app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key's id or the prefix `keys list` shows.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Revoke a key; requests with it are refused from then on."""
    asked = datetime.now(UTC)
    with open_store(settings_for(db, config)) as store:
        revoked = api_keys.revoke_key(store, key, CLI)
    # Revoking is idempotent: a key revoked before keeps its revocation time (and its
    # audit entry); say so rather than report a revocation that did not happen now.
    if revoked.revoked_at is not None and revoked.revoked_at < asked:
        console.print(
            f"{revoked.scope.capitalize()} key {revoked.name!r} ({revoked.prefix}…) was already "
            f"revoked on {revoked.revoked_at:%Y-%m-%d %H:%M} UTC; nothing changed."
        )
        return
    console.print(f"Revoked {revoked.scope} key {revoked.name!r} ({revoked.prefix}…).")
