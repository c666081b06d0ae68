"""``import_file``: the one call behind ``devfunnel import KIND FILE``.

It checks the file, picks the reader for the kind (events or records), writes the reject
file and returns a report; the CLI only parses options and prints the report.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.ingest.files.events import import_events
from devfunnel.ingest.files.formats import check_readable, detect_format
from devfunnel.ingest.files.records import RECORD_KINDS, import_records
from devfunnel.ingest.files.rejects import check_writable, default_path, write_rejects
from devfunnel.ingest.files.report import FileReport, Progress, no_progress
from devfunnel.store import Store

#: Every kind ``devfunnel import`` takes, with what it holds.
KINDS: dict[str, str] = {
    "events": "Segment-shaped events (JSON Lines)",
    **{kind: spec.help for kind, spec in RECORD_KINDS.items()},
}


def import_file(
    store: Store,
    settings: Settings,
    kind: str,
    path: Path,
    *,
    fmt: str | None = None,
    dry_run: bool = False,
    rejects: Path | None = None,
    crm: str | None = None,
    overrides: Mapping[str, str] | None = None,
    progress: Progress = no_progress,
) -> FileReport:
    """Import ``path`` as ``kind``; refused rows go to ``rejects`` (default: beside the
    file, except in a dry run, which writes nothing unless ``rejects`` is given)."""
    if kind not in KINDS:
        raise ValidationError(f"unknown kind {kind!r}; use one of {', '.join(KINDS)}")
    check_readable(path)
    chosen = detect_format(path, fmt)
    target = rejects or (None if dry_run else default_path(path, chosen))
    if target is not None:
        check_writable(target, path)
    columns: list[str] = []
    if kind == "events":
        if chosen != "jsonl":
            raise ValidationError("events are imported from JSON Lines (one message a line)")
        if crm or overrides:
            raise ValidationError("--crm and --map apply to record files, not to events")
        report = import_events(store, settings, path, dry_run=dry_run, progress=progress)
    else:
        report, columns = import_records(
            store,
            settings,
            kind,
            path,
            chosen,
            dry_run=dry_run,
            crm=crm,
            overrides=overrides,
            progress=progress,
        )
    if report.rejects and target is not None:
        report.rejects_path = write_rejects(target, chosen, report.rejects, columns)
    return report
