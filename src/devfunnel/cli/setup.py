"""``init``, ``demo`` and ``serve``: create the database, fill it, serve it."""

from __future__ import annotations

from contextlib import ExitStack, closing
from datetime import date
from typing import Annotated

import typer

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console, stage_progress
from devfunnel.cli.serving import bind, serve_on
from devfunnel.demo.load import MAX_SEED
from devfunnel.errors import Conflict, ValidationError
from devfunnel.store import Store


def init(db: DbOption = None, config: ConfigOption = None) -> None:
    """Create the database schema, or migrate it to this version's."""
    from devfunnel.comp.plans import sync_plans
    from devfunnel.store import migrate

    settings = settings_for(db, config)
    with open_store(settings, migrated=False, create=True) as store:
        before, after = migrate.upgrade(store)
        sync_plans(store, settings)
        if before == after:
            console.print(f"{store.describe()} is up to date (schema {after}).")
        else:
            state = "created" if before is None else f"migrated from {before}"
            console.print(f"{store.describe()}: schema {state} to {after}.")


def demo(
    db: DbOption = None,
    config: ConfigOption = None,
    seed: Annotated[
        int,
        typer.Option(
            min=0, max=MAX_SEED, help="Random seed; the same seed gives the same company."
        ),
    ] = 1,
    accounts: Annotated[
        int,
        typer.Option(
            min=1, max=1_000_000, help="Number of accounts (about 10 people and 500 events each)."
        ),
    ] = 2000,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="YYYY-MM-DD",
            help="Last day of the 12 months of history (default: today).",
        ),
    ] = None,
    replace: Annotated[
        bool, typer.Option(help="Delete everything already in the database first.")
    ] = False,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the app when loaded.")
    ] = True,
    host: Annotated[str | None, typer.Option(help="Host to serve on.")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port to serve on.")] = None,
    admin_password: Annotated[
        str | None,
        typer.Option(
            "--admin-password",
            help="Password for the demo's admin (default: a random one, printed once).",
        ),
    ] = None,
) -> None:
    """Generate the demo company into the database and serve the app."""
    from devfunnel.admin.passwords import check_password_rules
    from devfunnel.demo.load import admin_email, check_options, load_demo
    from devfunnel.store import migrate
    from devfunnel.store.reset import drop_everything, has_data

    settings = settings_for(db, config)
    # Every option is checked before the database is touched: a refusal half-way through
    # would leave a half-loaded database that the next run refuses as holding data.
    as_of_date = _parse_date(as_of) if as_of else None
    check_options(settings, seed=seed, accounts=accounts, as_of=as_of_date)
    email = admin_email(settings)
    if admin_password is not None:
        try:
            check_password_rules(admin_password, email=email)
        except ValidationError as exc:
            raise ValidationError(f"--admin-password: {exc.detail}", field="password") from None
    bind_host, bind_port = host or settings.server.host, port or settings.server.port
    with ExitStack() as held:
        sock = held.enter_context(closing(bind(bind_host, bind_port))) if serve_after else None
        with open_store(settings, migrated=False, create=True) as store:
            if has_data(store):
                if not replace:
                    raise Conflict(
                        f"{store.describe()} already holds data; load the demo into a "
                        "new database, or pass --replace to delete what is there"
                    )
                drop_everything(store)
            migrate.upgrade(store)
            with stage_progress() as tick:
                report = load_demo(
                    store, settings, seed=seed, accounts=accounts, as_of=as_of_date, progress=tick
                )
            total = sum(report.seconds.values())
            console.print(
                f"Loaded the demo company (seed {report.seed}, history to "
                f"{report.as_of}) into {store.describe()} in {total:.1f} s: "
                f"{report.accounts:,} accounts generated; {report.stored_accounts:,} accounts, "
                f"{report.people:,} people and {report.events:,} events stored."
            )
            password = demo_admin(store, email, admin_password)
        console.print(
            f"Sign in at http://{bind_host}:{bind_port}/login as [bold]{email}[/bold] with the "
            f"password [bold]{password}[/bold] (set for this demo database only; "
            "`devfunnel users set-password` changes it)."
        )
        if sock is not None:
            serve_on(settings, sock, bind_host)


def serve(
    db: DbOption = None,
    config: ConfigOption = None,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (default: server.host).")
    ] = None,
    port: Annotated[
        int | None, typer.Option(min=1, max=65535, help="Port (default: server.port).")
    ] = None,
) -> None:
    """Serve the dashboard, the JSON API and event intake."""
    settings = settings_for(db, config)
    bind_host = host or settings.server.host
    with closing(bind(bind_host, port or settings.server.port)) as sock:
        serve_on(settings, sock, bind_host)


def demo_admin(store: Store, email: str, password: str | None) -> str:
    """Give the demo company's admin (``email``, from ``demo.load.admin_email``) a password:
    ``password``, else a random one, so that the freshly loaded demo can be signed in to;
    return it. Only ``devfunnel demo`` calls this, on the database it has just filled;
    nothing gives any other database a default."""
    import secrets

    from devfunnel.admin import users
    from devfunnel.admin.audit import CLI
    from devfunnel.errors import NotFound

    password = password or secrets.token_urlsafe(12)
    try:
        users.set_password(store, email, password, CLI)
    except NotFound:
        users.create_user(store, email, "admin", password, CLI, name="Admin")
    return password


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"--as-of {text!r} is not a date (use YYYY-MM-DD)") from None
