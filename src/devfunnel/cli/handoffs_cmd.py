"""``devfunnel handoffs``: the queue of handoffs, their packets, accepting, rejecting,
returning and re-sending them, and their quality."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.cli.pipeline_options import (
    AsOption,
    JsonOption,
    LimitOption,
    OffsetOption,
    acting,
    print_json,
    when,
)
from devfunnel.pipeline import handoff_quality, handoff_records, handoffs
from devfunnel.pipeline.handoff_records import HandoffView

app = typer.Typer(
    help="Handoffs: queue, packets, accept, reject, return, quality.", no_args_is_help=True
)
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The handoff's id.")]
ReasonOption = Annotated[str | None, typer.Option(help="Why (required).")]


def _said(view: HandoffView, what: str) -> None:
    console.print(f"Handoff {view.id} ({view.kind}, {escape(view.account_name or '')}) {what}.")


@app.command("list")
def list_(
    state: Annotated[
        str | None, typer.Option(help="pending, accepted, rejected or returned.")
    ] = None,
    kind: Annotated[str | None, typer.Option(help="A configured handoff kind.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="The receiver's email or id.")] = None,
    overdue: Annotated[
        bool | None,
        typer.Option("--overdue/--on-time", help="Only pending handoffs past due (or not)."),
    ] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List handoffs, the earliest due first."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        page = handoff_records.list_handoffs(
            store,
            settings,
            state=state,
            kind=kind,
            to_user=to,
            overdue=overdue,
            limit=limit,
            offset=offset,
        )
    if json:
        print_json({"handoffs": page.items, "total": page.total, "next_offset": page.next_offset})
        return
    table = Table(
        "id",
        "kind",
        "state",
        "account",
        "from",
        "to",
        "complete",
        "due",
        "overdue",
        title=f"{page.total:,} handoffs",
    )
    for h in page.items:
        table.add_row(
            str(h.id),
            h.kind,
            h.state,
            escape(h.account_name or ""),
            h.from_email or "",
            h.to_email or "",
            f"{h.completeness:.0%}",
            when(h.due_at),
            "yes" if h.overdue else "",
        )
    console.print(table)
    if page.next_offset is not None:
        console.print(f"More: --offset {page.next_offset}")


@app.command("show")
def show(handoff_id: IdArgument, db: DbOption = None, config: ConfigOption = None) -> None:
    """A handoff with its whole packet, as JSON."""
    with open_store(settings_for(db, config)) as store:
        print_json(handoff_records.get_handoff(store, handoff_id))


@app.command("create")
def create(
    kind: Annotated[str, typer.Argument(help="A configured handoff kind, e.g. sdr_to_ae.")],
    account: Annotated[str | None, typer.Option(help="Account id or domain.")] = None,
    opportunity: Annotated[str | None, typer.Option(help="Opportunity id.")] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to", help="Receiver's email (default: the owner, else the least-loaded of the role)."
        ),
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Sender's email (default: the user acting).")
    ] = None,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Hand an account or opportunity to another team, with a packet from the data."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        view = handoffs.create_handoff(
            store,
            settings,
            acting(store, as_user),
            kind=kind,
            account=account,
            opportunity=opportunity,
            to_user=to,
            from_user=from_,
        )
    _said(
        view,
        f"sent to {view.to_email}, due {when(view.due_at)} UTC, packet "
        f"{view.completeness:.0%} complete",
    )
    if view.missing:
        console.print(f"Missing from the packet: {', '.join(view.missing)}")


@app.command("accept")
def accept(
    handoff_id: IdArgument,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Accept a pending handoff."""
    with open_store(settings_for(db, config)) as store:
        _said(handoffs.accept_handoff(store, handoff_id, acting(store, as_user)), "accepted")


@app.command("reject")
def reject(
    handoff_id: IdArgument,
    reason: ReasonOption = None,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Reject a pending handoff, saying why."""
    with open_store(settings_for(db, config)) as store:
        _said(
            handoffs.reject_handoff(store, handoff_id, acting(store, as_user), reason), "rejected"
        )


@app.command("return")
def return_(
    handoff_id: IdArgument,
    reason: ReasonOption = None,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Return a pending handoff to its sender for more, saying what is missing."""
    with open_store(settings_for(db, config)) as store:
        _said(
            handoffs.return_handoff(store, handoff_id, acting(store, as_user), reason),
            "returned to its sender",
        )


@app.command("resend")
def resend(
    handoff_id: IdArgument,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Send a returned handoff again, with its packet assembled afresh."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        view = handoffs.resend_handoff(store, settings, handoff_id, acting(store, as_user))
    _said(view, f"re-sent, packet {view.completeness:.0%} complete")


@app.command("quality")
def quality(
    side: Annotated[
        str, typer.Option(help="sender or receiver: whose handoffs to group.")
    ] = "sender",
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Handoff quality per team and person against the target (kpis.handoff_quality)."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        report = handoff_quality.handoff_quality(store, settings, side=side)
    if json:
        print_json(report)
        return

    def pct(value: float | None) -> str:
        return f"{value:.0%}" if value is not None else ""

    for title, groups in (
        ("team", [*report.by_team, report.overall]),
        ("person", report.by_person),
    ):
        table = Table(
            title,
            "handoffs",
            "complete",
            "time to accept",
            "accepted",
            "rejected",
            "next stage",
            "quality",
            "met",
            title=f"Handoff quality by {title} (target {report.target:.0%})",
        )
        for g in groups:
            table.add_row(
                g.group,
                f"{g.handoffs:,}",
                pct(g.completeness),
                pct(g.time_to_accept),
                pct(g.acceptance),
                pct(g.rejection_rate),
                pct(g.next_stage_reached),
                pct(g.score),
                "" if g.met is None else ("yes" if g.met else "no"),
            )
        console.print(table)
