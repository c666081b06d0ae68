"""``devfunnel alerts``: destinations, recent alerts, delivery now, the dead-letter list."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from devfunnel.admin.audit import CLI
from devfunnel.alerts import destinations as destinations_service
from devfunnel.alerts import history
from devfunnel.alerts.deliver import deliver_due
from devfunnel.alerts.detect import detect_alerts
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.errors import ValidationError

app = typer.Typer(
    help="Alerts: destinations, recent alerts, delivery, dead letters.", no_args_is_help=True
)
destinations_app = typer.Typer(
    help="Where alerts are delivered (Slack, signed webhooks).", no_args_is_help=True
)
app.add_typer(destinations_app, name="destinations")


@destinations_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="A unique name, e.g. '#sales' or 'crm-sync'.")],
    kind: Annotated[str, typer.Option(help="slack (incoming webhook) or webhook (signed JSON).")],
    url: Annotated[str, typer.Option(help="The http(s) URL to POST to.")],
    secret: Annotated[
        str | None,
        typer.Option(
            help="Signing secret for webhooks (16+ characters); '-' reads it from standard input."
        ),
    ] = None,
    generate_secret: Annotated[
        bool, typer.Option("--generate-secret", help="Make a random secret and print it once.")
    ] = False,
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Deliver only this alert kind (repeatable): became_pqa, "
            "lead_sla_breached, handoff_waiting, deal_quiet.",
        ),
    ] = None,
    digest: Annotated[
        bool, typer.Option("--digest", help="One summary per alerts.digest_minutes instead.")
    ] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Add a destination. Webhook deliveries are signed with the secret (see the docs'
    "Receiving alerts")."""
    if generate_secret and secret is not None:
        raise ValidationError(
            "pass --secret or --generate-secret, not both (the given secret would be ignored)",
            field="secret",
        )
    if secret == "-":
        secret = sys.stdin.readline().strip()
    if generate_secret:
        secret = secrets.token_urlsafe(32)
    with open_store(settings_for(db, config)) as store:
        added = destinations_service.add_destination(
            store,
            CLI,
            name=name,
            kind=kind,
            url=url,
            secret=secret,
            alert_kinds=only,
            digest=digest,
        )
    what = "every alert" if added.alert_kinds is None else " and ".join(added.alert_kinds)
    when = "in a digest per alerts.digest_minutes" if added.digest else "as it happens"
    console.print(
        f"Added {added.kind} destination {escape(added.name)!r} ({added.url}, id {added.id}): "
        f"{what}, {when}."
    )
    if generate_secret and secret:
        console.print("Its signing secret, shown once:")
        typer.echo(secret)


@destinations_app.command("list")
def list_destinations(
    all_: Annotated[bool, typer.Option("--all", help="Include removed destinations.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List destinations (URLs masked, never secrets)."""
    with open_store(settings_for(db, config)) as store:
        found = destinations_service.list_destinations(store, include_removed=all_)
    table = Table("name", "kind", "url", "alerts", "mode", "active", "id")
    for d in found:
        table.add_row(
            escape(d.name),
            d.kind,
            d.url,
            ", ".join(d.alert_kinds or ["all"]),
            "digest" if d.digest else "each",
            "yes" if d.active else "removed",
            str(d.id),
        )
    console.print(table)


@destinations_app.command("remove")
def remove(
    destination: Annotated[str, typer.Argument(help="The destination's id or name.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Remove a destination: it receives nothing more; its history stays."""
    with open_store(settings_for(db, config)) as store:
        removed = destinations_service.remove_destination(store, destination, CLI)
    console.print(f"Removed destination {escape(removed.name)!r} ({removed.id}).")


@app.command("list")
def list_alerts(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    kind: Annotated[str | None, typer.Option(help="Only this alert kind.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only alerts with a delivery in this status.")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Recent alerts, newest first, with the status of each delivery."""
    with open_store(settings_for(db, config)) as store:
        found = history.list_alerts(store, limit=limit, kind=kind, status=status)
    table = Table("when", "kind", "alert", "deliveries", "id")
    for alert in found:
        deliveries = (
            "\n".join(
                f"{escape(d.destination)}: {d.status}"
                + (f" ({d.attempts} attempt{'s' * (d.attempts > 1)})" if d.attempts else "")
                for d in alert.deliveries
            )
            or "none"
        )
        table.add_row(
            f"{alert.created_at:%Y-%m-%d %H:%M}",
            alert.kind,
            escape(alert.title),
            deliveries,
            str(alert.id),
        )
    console.print(table)


@app.command("detect")
def detect(db: DbOption = None, config: ConfigOption = None) -> None:
    """Look for new alert conditions now (the background worker does this every
    alerts.detect_every_seconds)."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        report = detect_alerts(store, settings)
    kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.raised.items()))
    console.print(
        f"Raised {report.total} alert{'s' * (report.total != 1)}"
        + (f" ({kinds})" if kinds else "")
        + f"; {report.deliveries} deliveries queued."
    )


@app.command("deliver")
def deliver(db: DbOption = None, config: ConfigOption = None) -> None:
    """Run a delivery pass now: due digests, then every due delivery once."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        report = deliver_due(store, settings)
    console.print(
        f"Delivered {report.delivered}, {report.retrying} to retry, {report.dead} "
        f"dead; {report.digests} digest{'s' * (report.digests != 1)} formed."
    )


@app.command("dead")
def dead(
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 100,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """The dead-letter list: deliveries that gave up, with their last error."""
    with open_store(settings_for(db, config)) as store:
        found = history.dead_deliveries(store, limit=limit)
    table = Table("delivery", "alert", "destination", "attempts", "last error")
    for delivery, alert in found:
        table.add_row(
            str(delivery.id),
            f"{alert.kind}: {escape(alert.title)}",
            escape(delivery.destination),
            str(delivery.attempts),
            escape(delivery.last_error or ""),
        )
    console.print(table)
    if found:
        console.print("Send one again with `devfunnel alerts retry DELIVERY`.")


@app.command("retry")
def retry(
    id_: Annotated[
        str, typer.Argument(metavar="ID", help="A dead delivery's id, or an alert's id.")
    ],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Queue dead deliveries again (same delivery id); the next pass sends them."""
    with open_store(settings_for(db, config)) as store:
        requeued = history.retry(store, id_, CLI)
    for delivery in requeued:
        console.print(f"Queued delivery {delivery.id} to {escape(delivery.destination)!r} again.")
    console.print("They go out with the next pass (`devfunnel alerts deliver`, or the worker).")
