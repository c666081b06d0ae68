"""``devfunnel qualification``: an opportunity's MEDDPICC and BANT, technical validation,
stage gate and success probability; set an element; refresh or confirm the technical
validation.

An opportunity is named by its id or its external key (``hubspot:opp-A000042-new-120``).
The command line acts as an operator with full rights; its changes are audited as the
command line.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from devfunnel.admin.audit import CLI
from devfunnel.admin.permissions import Principal
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.pipeline import technical_validation
from devfunnel.pipeline.qualification import find_opportunity, set_element
from devfunnel.pipeline.qualification_view import (
    OpportunityQualification,
    opportunity_qualification,
)

app = typer.Typer(
    help="Qualification: MEDDPICC and BANT, technical validation, gates, success probability.",
    no_args_is_help=True,
)
OPERATOR = Principal(actor=CLI, scope="admin")
OpportunityArgument = Annotated[
    str, typer.Argument(metavar="OPPORTUNITY", help="Opportunity id or external key.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command("show")
def show(
    opportunity: OpportunityArgument,
    as_json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Show the opportunity's qualification, technical validation, gate and success
    probability with its why."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        view = opportunity_qualification(store, settings, opportunity)
    if as_json:
        typer.echo(json.dumps(view.as_dict(), default=str, indent=2))
        return
    _print(view)


@app.command("set")
def set_(
    opportunity: OpportunityArgument,
    element: Annotated[str, typer.Argument(help="metrics, economic_buyer, ..., need, timeline.")],
    score: Annotated[int, typer.Argument(help="0 unknown, 1 partial, 2 validated.")],
    evidence: Annotated[str | None, typer.Option(help="What shows it.")] = None,
    evidence_url: Annotated[str | None, typer.Option(help="A link to the evidence.")] = None,
    contact: Annotated[
        str | None, typer.Option(help="The person it concerns: an email or a person id.")
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Record one element, replacing its score, evidence and contact (audited)."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        saved = set_element(
            store,
            settings,
            OPERATOR,
            opportunity,
            element,
            score,
            evidence=evidence,
            evidence_url=evidence_url,
            contact=contact,
        )
    console.print(f"{saved.label}: {saved.score} ({saved.score_word}).")


@app.command("technical")
def technical(
    opportunity: OpportunityArgument,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Derive it from the events now first.")
    ] = False,
    as_json: JsonOption = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Show the opportunity's technical validation: developers, what they built,
    blockers, and the technical fit with its parts."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        with store.read() as conn:
            opp = find_opportunity(conn, opportunity)
        if refresh:
            technical_validation.refresh(store, settings, [opp.id], principal=OPERATOR)
        with store.read() as conn:
            found = technical_validation.latest(conn, opp.id)
    if found is None:
        console.print("No technical validation yet; add --refresh to derive one.")
        return
    if as_json:
        typer.echo(json.dumps(found.as_dict(), default=str, indent=2))
        return
    _technical(found)


@app.command("confirm")
def confirm(
    opportunity: OpportunityArgument,
    notes: Annotated[str, typer.Option(help="What was confirmed, and how.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Confirm the technical validation with notes (audited)."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        found = technical_validation.confirm(store, settings, OPERATOR, opportunity, notes)
    console.print(f"Confirmed technical fit {found.technical_fit:.0f}.")


def _print(view: OpportunityQualification) -> None:
    opp = view.opportunity
    console.print(f"[bold]{escape(opp['name'])}[/] ({opp['stage']}, {opp['status']}) {opp['id']}")
    for framework, elements in view.frameworks.items():
        table = Table("element", "score", "evidence", title=framework.upper())
        for e in elements:
            table.add_row(e.label, f"{e.score} {e.score_word}", escape(e.evidence or ""))
        console.print(table)
    if view.technical_validation is not None:
        _technical(view.technical_validation)
    else:
        console.print("Technical validation: none yet.")
    gate = view.gate
    if gate.next_stage is None:
        console.print(f"Gate: {gate.stage} is a closed stage.")
    elif gate.passed:
        console.print(f"Gate to {gate.next_stage}: open.")
    else:
        console.print(f"Gate to {gate.next_stage}: {len(gate.unmet)} criteria unmet:")
        for unmet in gate.unmet:
            console.print(f"  - {escape(unmet.message)}")
    if view.success is None:
        console.print(
            "Success probability: none (open opportunities get one once a model is trained)."
        )
        return
    console.print(
        f"Success probability: {view.success.probability:.0%} "
        f"(stage default {view.stage_probability or 0:.0%}); why:"
    )
    for part in view.success.why:
        console.print(f"  {_signed(part)}")


def _technical(found: technical_validation.TechnicalValidation) -> None:
    console.print(
        f"Technical fit {found.technical_fit:.0f}/100 ({found.source}, "
        f"{found.validated_at:%Y-%m-%d %H:%M}), {found.active_developers} active developers, "
        f"{found.api_volume_30d:,} API calls in the window."
    )
    for reason in found.fit_reasons:
        console.print(f"  {reason.points:+5.1f}  {reason.component}: {escape(reason.detail)}")
    if found.notes:
        console.print(f"  notes: {escape(found.notes)}")


def _signed(part: dict[str, Any]) -> str:
    return f"{part['contribution']:+.2f}  {part['label']} ({part['value']:g})"
