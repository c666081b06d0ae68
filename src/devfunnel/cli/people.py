"""``devfunnel people``: answer data-subject requests (export, erase) for one person.

Both find the person by an email identity and follow merges to the surviving person; the
work is done by ``devfunnel.identity.privacy``, which the API will call too.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from devfunnel.admin.audit import CLI
from devfunnel.cli.files import cannot_write, check_writable
from devfunnel.cli.options import ConfigOption, DbOption, open_store, settings_for
from devfunnel.cli.output import console
from devfunnel.errors import ValidationError
from devfunnel.identity import lookup, privacy

app = typer.Typer(help="People: export and erase.", no_args_is_help=True)

EmailArgument = Annotated[str, typer.Argument(help="An email address the person is known by.")]


@app.command("export")
def export(
    email: EmailArgument,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            help="Write the JSON here (readable by you only) instead of stdout.",
        ),
    ] = None,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Write everything held on a person as JSON: profile, identities, events, account,
    leads, opportunities, qualification, conversations, feedback, touchpoints, scores and
    merge history."""
    if output is not None:
        check_writable(output)  # before the export, which is audited
    with open_store(settings_for(db, config)) as store:
        doc = privacy.export_person(store, email, CLI)
    data = privacy.export_json(doc)
    if output is None:
        typer.echo(data.decode())
        return
    try:
        # Personal data: create the file for its owner only, whatever the umask says.
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data + b"\n")
    except OSError as exc:
        raise cannot_write(output, exc) from None
    console.print(
        f"Wrote person {doc['person']['id']} ({len(doc['identities'])} identities, "
        f"{len(doc['events'])} events) to {escape(str(output))}."
    )


@app.command("delete")
def delete(
    email: EmailArgument,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: DbOption = None,
    config: ConfigOption = None,
) -> None:
    """Erase a person, their identities and their events everywhere, in one transaction.

    An audit entry and an erasure record keep the counts and hashed identity keys only.
    Events that arrive later with the same identity start a new person.
    """
    if not yes and not sys.stdin.isatty():
        raise ValidationError(
            "standard input is not a terminal, so nobody can confirm the erasure; "
            "pass --yes to erase without asking",
            field="yes",
        )
    settings = settings_for(db, config)
    with open_store(settings) as store:
        if not yes:
            found = lookup.find_people(store, email=email)
            if found:
                person = found[0]
                console.print(
                    f"This erases {escape(person.name or 'the person')} ({person.id}) with "
                    f"{len(person.identities)} identities and {person.event_count} events, "
                    "and cannot be undone."
                )
                typer.confirm("Erase?", abort=True)
        erasure = privacy.erase_person(store, settings, email, CLI)
    table = Table("table", "rows", "how", title=f"Erased (erasure {erasure.id})")
    for name, count in sorted(erasure.counts.items()):
        if count:
            table_name, how = name.rsplit(".", 1)
            table.add_row(table_name, f"{count:,}", _HOW[how])
    console.print(table)


_HOW = {
    "deleted": "deleted",
    "cleared": "kept, reference to the person cleared",
    "scrubbed": "kept, email and login replaced by [erased]",
}
