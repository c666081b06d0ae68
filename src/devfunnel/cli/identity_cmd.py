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
from devfunnel.identity.matching.run import run_matching
from devfunnel.ids import parse_id
from devfunnel.pipeline.common import OPERATOR
from devfunnel.store.schema.identity import merge_suggestions, merges, people
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
        str, typer.Option(help="pending, accepted, rejected or auto_merged.")
    ] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 50,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """List merge suggestions with their probability and the people's names and emails."""
    s, a, b = merge_suggestions.c, people.alias("a"), people.alias("b")
    with open_store(settings_for(db, config)) as store, store.read() as conn:
        rows = conn.execute(
            sa.select(s.id, s.probability, s.match_weight, a.c.name, a.c.email, b.c.name, b.c.email)
            .join(a, a.c.id == s.person_a)
            .join(b, b.c.id == s.person_b)
            .where(s.status == status)
            .order_by(s.probability.desc())
            .limit(limit)
        ).all()
    table = Table("suggestion", "probability", "weight", "person A", "person B")
    for sid, probability, weight, name_a, email_a, name_b, email_b in rows:
        table.add_row(
            str(sid),
            f"{probability:.3f}",
            f"{weight:.1f}",
            f"{name_a or '-'} {email_a or ''}",
            f"{name_b or '-'} {email_b or ''}",
        )
    console.print(table)


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
