"""``devfunnel leads``: enter, list, route (or see where a lead would go), touch, and
measure speed-to-lead."""

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
from devfunnel.errors import ValidationError
from devfunnel.pipeline import lead_records, leads, routing, routing_rules, sla
from devfunnel.pipeline.common import SYSTEM_PRINCIPAL
from devfunnel.pipeline.scored_leads import leads_from_scores

app = typer.Typer(help="Leads: enter, list, route, touch; speed-to-lead.", no_args_is_help=True)
IdArgument = Annotated[str, typer.Argument(metavar="ID", help="The lead's id.")]


@app.command("list")
def list_(
    status: Annotated[
        str | None, typer.Option(help="open, new, working, qualified, disqualified or converted.")
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="pql, pqa, form, import, manual, event or referral.")
    ] = None,
    owner: Annotated[str | None, typer.Option(help="The owner's email or id.")] = None,
    team: Annotated[str | None, typer.Option(help="A routing team id.")] = None,
    breached: Annotated[
        bool | None,
        typer.Option(
            "--breached/--not-breached",
            help="Only leads that breached (or did not breach) their SLA.",
        ),
    ] = None,
    limit: LimitOption = 50,
    offset: OffsetOption = 0,
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List leads, newest first."""
    settings = settings_for(db, config)
    teams = [t.id for t in settings.routing.teams]
    if team is not None and team not in teams:
        raise ValidationError(
            f"unknown routing team {team!r}; use one of: {', '.join(teams)}",
            field="team",
            value=team,
        )
    with open_store(settings) as store:
        page = lead_records.list_leads(
            store,
            status=status,
            source=source,
            owner=owner,
            team=team,
            breached=breached,
            limit=limit,
            offset=offset,
        )
    if json:
        print_json({"leads": page.items, "total": page.total, "next_offset": page.next_offset})
        return
    table = Table(
        "id",
        "source",
        "status",
        "person",
        "account",
        "owner",
        "routed by",
        "SLA due",
        "first touch",
        "breached",
        title=f"{page.total:,} leads",
    )
    for lead in page.items:
        table.add_row(
            str(lead.id),
            lead.source,
            lead.status,
            lead.person_email or "",
            lead.account_name or "",
            lead.owner_email or "",
            lead.routed_by or "",
            when(lead.sla_due_at),
            when(lead.first_touch_at),
            when(lead.breached_at),
        )
    console.print(table)
    if page.next_offset is not None:
        console.print(f"More: --offset {page.next_offset}")


@app.command("create")
def create(
    email: Annotated[str | None, typer.Option(help="The person's email.")] = None,
    account: Annotated[
        str | None, typer.Option(help="Account id or domain (default: the person's account).")
    ] = None,
    name: Annotated[str | None, typer.Option(help="The person's name.")] = None,
    title: Annotated[str | None, typer.Option(help="The person's job title.")] = None,
    source: Annotated[str, typer.Option(help="form, manual, event or referral.")] = "manual",
    route: Annotated[bool, typer.Option("--route/--no-route", help="Route it now.")] = True,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Enter a lead by hand. A lead duplicating an open lead or opportunity of the same
    person or account is not created; the one it matched is named."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        outcome = leads.create_lead(
            store,
            settings,
            acting(store, as_user),
            source=source,
            email=email,
            account=account,
            name=name,
            title=title,
            route=route,
        )
    if outcome.duplicate_of is not None:
        console.print(f"Not created: {outcome.duplicate_of.sentence}.")
        return
    lead = outcome.lead
    assert lead is not None
    console.print(
        f"Created lead {lead.id} ({lead.source}) for "
        f"{escape(lead.person_email or lead.account_name or 'the account')}."
    )
    if outcome.routing is not None:
        console.print(
            f"Routed to {lead.owner_email} by {lead.routed_by}: {escape(outcome.routing.reason)}"
        )
    elif outcome.routing_problem:
        console.print(f"Not routed: {escape(outcome.routing_problem)}")


@app.command("route")
def route(
    lead_id: IdArgument,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say where it would go and why; write nothing.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Route a lead that already has an owner again (restarts its SLA clock)."
        ),
    ] = False,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Route a lead: the account owner, then the rules in order, then round robin."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        decision = routing.route_lead(
            store,
            settings,
            lead_records.get_lead(store, lead_id).id,
            acting(store, as_user),
            dry_run=dry_run,
            force=force,
        )
    table = Table("step", "outcome", "why", title="Routing order")
    for step in decision.steps:
        table.add_row(step.rule, step.outcome, escape(step.detail))
    console.print(table)
    who = decision.owner.email if decision.owner else "nobody"
    verb = "would go" if dry_run else "went"
    console.print(
        f"Lead {decision.lead_id} {verb} to {who} "
        f"(rule {decision.routed_by or 'none'}, team {decision.team or 'none'})."
    )
    if decision.sla_due_at is not None:
        console.print(f"First touch due by {when(decision.sla_due_at)} UTC.")


@app.command("touch")
def touch(
    lead_id: IdArgument,
    as_user: AsOption = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Record a first touch the conversation log does not hold (a call, a message)."""
    with open_store(settings_for(db, config)) as store:
        lead = leads.touch_lead(store, lead_id, acting(store, as_user))
    console.print(
        f"Lead {lead.id} first touched at {when(lead.first_touch_at)} UTC ({lead.status})."
    )


@app.command("from-scores")
def from_scores(db: DbOption = None, config: ConfigOption = None) -> None:
    """Create leads for PQL people and PQA accounts without one, and route them."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        made = leads_from_scores(store, settings)
        routed, unrouted = routing.route_unrouted(store, settings, SYSTEM_PRINCIPAL)
    skipped = ", ".join(f"{n} {k}" for k, n in sorted(made.duplicates.items())) or "none"
    console.print(
        f"Created {len(made.created):,} leads from scores (duplicates skipped: "
        f"{skipped}); routed {routed:,}, {unrouted:,} left unrouted."
    )


@app.command("sla")
def sla_report(
    by: Annotated[str, typer.Option(help="source, team or person.")] = "source",
    json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Speed-to-lead compliance: leads touched within their SLA, per group."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        sla.check_slas(store, settings)
        overall, groups = sla.sla_compliance(store, settings, by=by)
    target = settings.kpis.speed_to_lead_compliance
    if json:
        print_json({"target": target, "overall": overall, "groups": groups})
        return
    table = Table(
        by,
        "leads",
        "in time",
        "breached",
        "pending",
        "compliance",
        title=f"Speed-to-lead (target {target:.0%})",
    )
    for group in [*groups, overall]:
        rate = f"{group.rate:.1%}" if group.rate is not None else ""
        table.add_row(
            group.group,
            f"{group.leads:,}",
            f"{group.met:,}",
            f"{group.breached:,}",
            f"{group.pending:,}",
            rate,
        )
    console.print(table)


@app.command("rules")
def rules(json: JsonOption = False, db: DbOption = None, config: ConfigOption = None) -> None:
    """The routing order, rules and teams, with who is available to take leads now."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        overview = routing_rules.routing_overview(store, settings)
    if json:
        print_json(overview)
        return
    table = Table("step", "conditions", "goes to", title="Routing order")
    if overview.respect_account_owner:
        table.add_row("account_owner", "the account has an owner who is available", "the owner")
    for rule in overview.rules:
        table.add_row(
            rule.id,
            escape("; ".join(rule.conditions) or "always"),
            f"team {rule.team}" if rule.team else str(rule.user),
        )
    table.add_row(
        f"round_robin:{overview.fallback_team}",
        "no rule assigned it",
        f"team {overview.fallback_team}",
    )
    console.print(table)
    members = Table(
        "team", "member", "capacity", "daily cap", "today", "availability", title="Teams"
    )
    for team in overview.teams:
        for m in team.members:
            members.add_row(
                team.id,
                m.email,
                f"{m.capacity:g}",
                str(m.daily_cap or ""),
                str(m.assigned_today),
                m.availability,
            )
    console.print(members)
