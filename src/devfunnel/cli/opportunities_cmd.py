"""``devfunnel opportunities``: list, show, create, and move through stages under their
exit criteria."""

from __future__ import annotations

from typing import Annotated, Any

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
    money,
    print_json,
    when,
)
from devfunnel.pipeline import opportunities, opportunity_records, stages

app = typer.Typer(help="Opportunities: list, show, create, move.", no_args_is_help=True)
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The opportunity's id.")]


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(help="open, won or lost.")] = None,
    stage: Annotated[str | None, typer.Option(help="A configured stage id.")] = None,
    owner: Annotated[str | None, typer.Option(help="The owner's email or id.")] = None,
    type_: Annotated[str | None, typer.Option("--type", help="new, expansion or renewal.")] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List opportunities, latest first."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        page = opportunity_records.list_opportunities(
            store,
            settings,
            status=status,
            stage=stage,
            owner=owner,
            type=type_,
            limit=limit,
            offset=offset,
        )
    if json:
        print_json(
            {"opportunities": page.items, "total": page.total, "next_offset": page.next_offset}
        )
        return
    table = Table(
        "id",
        "name",
        "account",
        "type",
        "stage",
        "amount",
        "close",
        "owner",
        "probability",
        title=f"{page.total:,} opportunities",
    )
    for o in page.items:
        table.add_row(
            str(o.id),
            escape(o.name),
            escape(o.account_name or ""),
            o.type,
            o.stage,
            money(o.amount, o.currency),
            str(o.close_date or ""),
            o.owner_email or "",
            f"{o.probability:.0%}",
        )
    console.print(table)
    if page.next_offset is not None:
        console.print(f"More: --offset {page.next_offset}")


@app.command("show")
def show(
    opportunity_id: IdArgument,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """An opportunity with its stage history, changes, and what its next stage needs."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        detail = opportunity_records.get_opportunity(store, settings, opportunity_id)
    if json:
        print_json(detail)
        return
    o = detail.opportunity
    console.print(
        f"[bold]{escape(o.name)}[/] ({o.type}) at {escape(o.account_name or '')}: "
        f"{o.stage}, {o.status}, {money(o.amount, o.currency)}, owner "
        f"{o.owner_email or 'none'}, {o.probability:.0%} {o.forecast_category}"
    )
    history = Table("when", "from", "to", "override reason", title="Stage history")
    for move in detail.stage_history:
        history.add_row(
            when(move.changed_at),
            move.from_stage or "",
            move.to_stage,
            escape(move.override_reason or ""),
        )
    console.print(history)
    gate = detail.gate
    if gate.next_stage:
        state = "ready" if gate.ready else "not ready"
        console.print(f"Next stage {gate.next_stage}: {state}.")
        for unmet in gate.missing:
            console.print(f"  - {escape(unmet.message)}")


@app.command("create")
def create(
    account: Annotated[str, typer.Option(help="Account id or domain.")],
    name: Annotated[str, typer.Option(help="What the opportunity is called.")],
    type_: Annotated[str, typer.Option("--type", help="new, expansion or renewal.")] = "new",
    stage: Annotated[str | None, typer.Option(help="Starting stage (default: the first).")] = None,
    amount: Annotated[str | None, typer.Option(help="Amount in major units, e.g. 24000.")] = None,
    currency: Annotated[
        str | None, typer.Option(help="ISO currency (default: the company's).")
    ] = None,
    close_date: Annotated[str | None, typer.Option(help="YYYY-MM-DD.")] = None,
    owner: Annotated[str | None, typer.Option(help="Owner's email or id.")] = None,
    primary_contact: Annotated[str | None, typer.Option(help="Person's email or id.")] = None,
    use_case: Annotated[str | None, typer.Option(help="What they will build.")] = None,
    commitment: Annotated[
        list[str] | None,
        typer.Option(help="Something promised to the customer (repeat for several)."),
    ] = None,
    lead: Annotated[str | None, typer.Option(help="The lead this converts.")] = None,
    override_reason: Annotated[
        str | None, typer.Option(help="Admins: why to start past unmet exit criteria.")
    ] = None,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Create an opportunity."""
    settings = settings_for(db, config)
    fields: dict[str, Any] = {
        k: v
        for k, v in {
            "amount": amount,
            "currency": currency,
            "close_date": close_date,
            "owner": owner,
            "primary_contact": primary_contact,
            "use_case": use_case,
            "commitments": commitment,
        }.items()
        if v is not None
    }
    with open_store(settings) as store:
        created = opportunities.create_opportunity(
            store,
            settings,
            acting(store, as_user),
            account=account,
            name=name,
            type=type_,
            stage=stage,
            override_reason=override_reason,
            lead_id=lead,
            **fields,
        )
    console.print(f"Created opportunity {created.id} ({escape(created.name)}) in {created.stage}.")


@app.command("move")
def move(
    opportunity_id: IdArgument,
    stage: Annotated[str, typer.Argument(help="The stage to move to (a configured stage id).")],
    override_reason: Annotated[
        str | None,
        typer.Option(help="Admins: move past unmet exit criteria, for this reason (audited)."),
    ] = None,
    lost_reason: Annotated[
        str | None, typer.Option(help="Why it was lost (required for the lost stage).")
    ] = None,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Move an opportunity to a stage. Forward moves must meet the exit criteria of the
    stages they leave; the refusal lists what is missing."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        result = stages.move_opportunity(
            store,
            settings,
            opportunity_id,
            stage,
            acting(store, as_user),
            override_reason=override_reason,
            lost_reason=lost_reason,
        )
    console.print(
        f"Moved opportunity {result.opportunity.id} from {result.from_stage} to "
        f"{result.to_stage} ({result.opportunity.status})."
    )
    if result.overridden:
        console.print(f"Overrode {len(result.unmet)} unmet exit criteria:")
        for unmet in result.unmet:
            console.print(f"  - {escape(unmet.message)}")
    if result.handoff_id is not None:
        console.print(f"Started handoff {result.handoff_id}.")
