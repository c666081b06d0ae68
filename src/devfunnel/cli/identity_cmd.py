"""``devfunnel identity``: run the matcher, review its suggestions, undo merges, keep apart."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.table import Table

from devfunnel.admin.audit import CLI
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.identity import merging, review
from devfunnel.identity.lookup import PersonView
from devfunnel.identity.matching.run import run_matching
from devfunnel.ids import parse_id
from devfunnel.pipeline.common import OPERATOR
from devfunnel.store.schema.identity import merges
from devfunnel.worker.jobs import record_match_run

app = typer.Typer(
    help="Identity resolution: merge suggestions, merges, unmerges, blocks.", no_args_is_help=True
)


@app.command("match")
def match(db: DbOption = None, config: ConfigOption = None) -> None:
    """Compare all people now: merge confident pairs, queue likely ones for review."""
    settings = settings_for(db, config)
    with open_store(settings) as store, console.status("Matching people"):
        report = run_matching(store, settings)
        record_match_run(store, datetime.now(UTC))
    console.print(
        f"Compared {report.compared_people:,} people: {report.merged:,} merged, "
        f"{report.suggested:,} suggested for review, {report.skipped_blocked:,} "
        "kept apart by blocks."
    )


@app.command("suggestions")
def suggestions(
    status: Annotated[
        str, typer.Option(help="pending, accepted, rejected, auto_merged or stale.")
    ] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List merge suggestions with their probability and the people's names and emails
    (the people they are now, when either was merged since)."""
    with open_store(settings_for(db, config)) as store:
        found, _ = review.list_suggestions(store, status=status, limit=limit)
    table = Table("suggestion", "probability", "weight", "person A", "person B")
    for suggestion in found:
        table.add_row(
            str(suggestion.id),
            f"{suggestion.probability:.3f}",
            f"{suggestion.match_weight:.1f}",
            _who(suggestion.person_a),
            _who(suggestion.person_b),
        )
    console.print(table)


def _who(person: PersonView | None) -> str:
    """Name and email; for someone known by neither (a GitHub login), their first identity."""
    if person is None:
        return "-"
    known = person.email or next((f"{i.kind} {i.value}" for i in person.identities), "")
    return f"{person.name or '-'} {known}"


@app.command("accept")
def accept(
    suggestion: Annotated[str, typer.Argument(help="Suggestion id.")],
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Merge the two people of a suggestion."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        outcome = review.decide(store, settings, OPERATOR, suggestion, True)
    console.print(f"Merged into person {outcome['person']} (merge {outcome['merge']}).")


@app.command("reject")
def reject(
    suggestion: Annotated[str, typer.Argument(help="Suggestion id.")],
    reason: Annotated[str | None, typer.Option(help="Why they are different.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Reject a suggestion; the two people are never suggested or merged again."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        review.decide(store, settings, OPERATOR, suggestion, False, reason=reason)
    console.print("Rejected; the two people will be kept apart.")


@app.command("merges")
def list_merges(
    person: Annotated[str | None, typer.Option(help="Only this person's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List merges, newest first, with what moved and whether they were undone."""
    m = merges.c
    query = sa.select(merges).order_by(m.merged_at.desc()).limit(limit)
    if person:
        pid = parse_id(person)
        query = query.where(sa.or_(m.winner_id == pid, m.loser_id == pid))
    with open_store(settings_for(db, config)) as store, store.read() as conn:
        rows = conn.execute(query).all()
    table = Table("merge", "kind", "survivor", "absorbed", "identities", "merged", "undone")
    for row in rows:
        table.add_row(
            str(row.id),
            row.kind,
            str(row.winner_id),
            str(row.loser_id),
            ", ".join(row.identity_keys or []),
            f"{row.merged_at:%Y-%m-%d %H:%M}",
            f"{row.undone_at:%Y-%m-%d %H:%M}" if row.undone_at else "",
        )
    console.print(table)


@app.command("unmerge")
def unmerge(
    merge: Annotated[str, typer.Argument(help="Merge id (see `identity merges`).")],
    keep_apart: Annotated[
        bool, typer.Option("--keep-apart/--allow-remerge", help="Also never merge the two again.")
    ] = True,
    reason: Annotated[str | None, typer.Option(help="Why the merge was wrong.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Undo a merge: the absorbed person comes back with its identities and events."""
    settings = settings_for(db, config)
    with open_store(settings) as store:
        winner, loser = review.unmerge(
            store, settings, OPERATOR, merge, reason=reason, block=keep_apart
        )
    console.print(
        f"Person {loser} is separate from {winner} again"
        + (" and will be kept apart." if keep_apart else ".")
    )


@app.command("block")
def block(
    person_a: Annotated[str, typer.Argument(help="A person id.")],
    person_b: Annotated[str, typer.Argument(help="Another person id.")],
    reason: Annotated[str | None, typer.Option(help="Why they are different.")] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Never merge these two people, whatever the evidence."""
    a, b = parse_id(person_a), parse_id(person_b)
    with open_store(settings_for(db, config)) as store, store.transaction() as conn:
        merging.block_people(
            conn, merging.live_person(conn, a), merging.live_person(conn, b), CLI, reason
        )
    console.print("The two people will never be merged.")
