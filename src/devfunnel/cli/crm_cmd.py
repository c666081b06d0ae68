"""``devfunnel crm``: write-back to HubSpot and Salesforce through the outbox."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from devfunnel.admin.audit import CLI
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.crm import outbox
from devfunnel.crm.changes import enabled_systems, enqueue_changes
from devfunnel.crm.mapping import SYSTEMS
from devfunnel.crm.push import push_pending

app = typer.Typer(help="CRM write-back: status, sync, push, dead changes.", no_args_is_help=True)


@app.command("status")
def status(db: DbOption = None, config: ConfigOption = None) -> None:
    """Which CRM connections are on, and the outbox by status."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        counts = outbox.counts(store)
    enabled = enabled_systems(settings)
    table = Table("system", "connection", "pending", "sent", "dead")
    for system in SYSTEMS:
        table.add_row(
            system,
            "on" if system in enabled else "off (no token)",
            *(f"{counts.get((system, s), 0):,}" for s in ("pending", "sent", "dead")),
        )
    console.print(table)


@app.command("sync")
def sync(db: DbOption = None, config: ConfigOption = None) -> None:
    """Queue every change not queued yet (the worker does this every crm.sync_every_seconds)."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        queued = enqueue_changes(store, settings)
    if not queued:
        console.print(
            "No CRM connection is configured (set crm.hubspot.token or "
            "crm.salesforce.token and instance_url)."
        )
    for system, n in queued.items():
        console.print(f"{system}: queued {n:,} change{'s' * (n != 1)}.")


@app.command("push")
def push(db: DbOption = None, config: ConfigOption = None) -> None:
    """Send due changes now, once."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        report = push_pending(store, settings)
    if not report.counts:
        console.print("No CRM connection is configured.")
    for system, c in report.counts.items():
        console.print(
            f"{system}: {c['sent']:,} sent, {c['retrying']:,} to retry, "
            f"{c['dead']:,} dead, {c['rate_limited']:,} waiting for a rate limit."
        )


@app.command("outbox")
def list_outbox(
    status: Annotated[str | None, typer.Option(help="pending, sent or dead.")] = None,
    system: Annotated[str | None, typer.Option(help="hubspot or salesforce.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The newest outbox rows."""
    with open_store(settings_for(db, config)) as store:
        rows = outbox.list_outbox(store, status=status, system=system, limit=limit)
    _table(rows)


@app.command("dead")
def dead(
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Changes that gave up, with their last error."""
    with open_store(settings_for(db, config)) as store:
        rows = outbox.list_outbox(store, status="dead", limit=limit)
    _table(rows)
    if rows:
        console.print("Send one again with `devfunnel crm retry ID`.")


@app.command("retry")
def retry(
    id_: Annotated[str, typer.Argument(metavar="ID", help="A dead outbox row's id.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Queue a dead change again; the next push sends it."""
    with open_store(settings_for(db, config)) as store:
        row = outbox.retry(store, id_, CLI)
    console.print(f"Queued {row.system} {row.object} change {row.id} again.")


def _table(rows: list[outbox.OutboxRow]) -> None:
    table = Table("id", "system", "object", "record", "status", "attempts", "CRM id", "last error")
    for row in rows:
        table.add_row(
            str(row.id),
            row.system,
            row.object,
            str(row.record_id),
            row.status,
            str(row.attempts),
            row.crm_object_id or "",
            escape(row.last_error or ""),
        )
    console.print(table)
