"""What a file import did, or would do in a dry run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Called with (rows done, rows expected or ``None`` when unknown) as an import advances.
Progress = Callable[[int, int | None], None]


def no_progress(done: int, total: int | None) -> None:
    """The default progress callback: report nothing."""


@dataclass
class Reject:
    """A row that was not loaded: its line in the file, why, and the row as it was read
    (a dict of the original columns, or the raw text of a line that could not be parsed)."""

    line: int
    reason: str
    original: dict[str, Any] | str | None = None


@dataclass
class FileReport:
    """The outcome of importing one file."""

    kind: str
    path: Path
    format: str
    dry_run: bool = False
    #: Which CRM's columns were recognised (``None`` for events).
    crm: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    #: Events already stored from this file (a re-import) or repeated within it.
    duplicates: int = 0
    rejects: list[Reject] = field(default_factory=list)
    rejects_path: Path | None = None
    #: Things worth telling once: ignored columns, values that were dropped.
    notices: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        """Rows stored (or that would be, in a dry run), new or not."""
        return self.created + self.updated + self.unchanged
