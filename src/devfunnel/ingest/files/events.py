"""Bulk import of Segment-shaped JSON Lines: one message per line, Segment field names.

Lines are parsed column-wise by DuckDB's JSON reader (an in-memory DuckDB used only for
parsing, whatever the store is), with ``properties``, ``traits`` and ``context`` kept as
JSON text, then validated by ``prepare`` and stored by ``append_events`` in large chunks:
per-line Python would cap the rate far below what the store can take. Events go in under
source ``import:<file name>``, so re-importing a file stores nothing twice; a line
without ``messageId`` gets one derived from its content for the same reason.

Problems never fail the file. The reader yields one row per non-blank line, all-null for a
line it cannot parse, so bad rows are known by position; the lines behind them (and their
exact reasons) are looked up only when there are rejects. When the reader gives up
altogether (an object split over lines, a byte-order mark), the lines not yet imported
are checked one by one, the good ones copied to a clean file, and the import goes on.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Queue

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.ingest.append import append_events
from devfunnel.ingest.files.formats import open_binary
from devfunnel.ingest.files.report import FileReport, Progress, Reject, no_progress
from devfunnel.ingest.prepare import SEGMENT_FIELDS, prepare
from devfunnel.store import Store
from devfunnel.store.schema.events import events

#: Rows per prepare/append (one transaction and one resolution batch each).
CHUNK_ROWS = 250_000
_JSON = ("properties", "traits", "context")
_TIMES = ("timestamp", "sentAt")
_UNREADABLE = "unreadable"
#: Where Segment messages carry identities besides their own columns.
_IDENTITY_PATHS = {
    "email": (("traits", "$.email"), ("context", "$.traits.email")),
    "githubLogin": (
        ("traits", "$.github"),
        ("traits", "$.githubLogin"),
        ("traits", "$.github_login"),
        ("context", "$.traits.github"),
    ),
}
_BOM = b"\xef\xbb\xbf"


@dataclass
class _Tally:
    #: Non-blank lines dealt with so far, and how many of them the first pass read.
    rows: int = 0
    first_pass_rows: int = 0
    inserted: int = 0
    duplicates: int = 0
    #: Rejects of the first pass by row position, of the fallback pass by line number.
    by_index: list[tuple[int, str]] = field(default_factory=list)
    by_line: list[tuple[int, str]] = field(default_factory=list)


def import_events(
    store: Store,
    settings: Settings,
    path: Path,
    *,
    dry_run: bool = False,
    progress: Progress = no_progress,
    chunk_rows: int = CHUNK_ROWS,
) -> FileReport:
    """Load the events in ``path``; a dry run loads them in a transaction it rolls back,
    so its counts (including duplicates of what is stored) are exact."""
    report = FileReport("events", path, "jsonl", dry_run=dry_run)
    source = f"import:{path.name}"[:128]
    tally = _Tally()
    total = _estimate_rows(path)
    with ExitStack() as stack:
        conn = stack.enter_context(_rolled_back(store)) if dry_run else None
        parser = duckdb.connect(":memory:")
        stack.callback(parser.close)
        parser.execute("SET TimeZone = 'UTC'")
        load = _Loader(store, settings, source, conn, tally, progress, total)
        try:
            if _starts_with_bom(path):
                raise _ReaderGaveUp
            load.run(read_batches(parser, path, chunk_rows), line_map=None)
        except (duckdb.Error, _ReaderGaveUp):
            clean = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "clean.jsonl"
            limit = max(1024 * 1024, 4 * settings.ingest.max_event_bytes)
            line_map = _clean_copy(path, clean, tally, skip=tally.first_pass_rows, max_line=limit)
            try:
                load.run(read_batches(parser, clean, chunk_rows), line_map=line_map)
            except duckdb.Error as exc:
                raise ValidationError(f"cannot read {path.name}: {exc}") from None
    report.rows = tally.rows
    report.created, report.duplicates = tally.inserted, tally.duplicates
    report.rejects = _rejects(path, tally)
    progress(tally.rows, tally.rows)
    return report


class _ReaderGaveUp(Exception):
    """The fast reader cannot read this file; check it line by line instead."""


@dataclass
class _Loader:
    store: Store
    settings: Settings
    source: str
    conn: sa.Connection | None
    tally: _Tally
    progress: Progress
    total: int | None
    received: datetime = field(default_factory=lambda: datetime.now(UTC))
    #: Message ids of this file stored so far, while the source had nothing stored before:
    #: then a chunk without repeats needs no lookup in the store to know it is new.
    seen: set[str] | None = None

    def __post_init__(self) -> None:
        with self.store.read() as conn:
            stored = conn.execute(
                sa.select(events.c.source).where(events.c.source == self.source).limit(1)
            ).first()
        self.seen = set() if stored is None else None

    def run(self, batches: Iterator[pa.RecordBatch], line_map: list[int] | None) -> None:
        seen = 0
        for batch in _prefetched(batches):
            rejects = self._chunk(batch)
            if line_map is None:
                first = self.tally.first_pass_rows
                self.tally.by_index += [(first + i, why) for i, why in rejects]
                self.tally.first_pass_rows += batch.num_rows
            else:
                self.tally.by_line += [(line_map[seen + i], why) for i, why in rejects]
            seen += batch.num_rows
            self.tally.rows += batch.num_rows
            done = self.tally.rows
            self.progress(done, max(self.total, done) if self.total else None)

    def _all_new(self, rows: pa.Table) -> bool:
        """Whether no row of this chunk can be a replay (checked in memory)."""
        if self.seen is None:
            return False
        ids = rows.column("message_id").to_pylist()
        if not _all_new_ids(ids, self.seen):
            self.seen = None  # repeats in the file: let the store check from here on
            return False
        self.seen.update(ids)
        return True

    def _chunk(self, batch: pa.RecordBatch) -> list[tuple[int, str]]:
        """Store one chunk; return (position in chunk, reason) for each row refused."""
        problem = batch.column("__problem")
        table = pa.Table.from_batches([batch]).drop_columns(["__problem"])
        rejects: list[tuple[int, str]] = []
        kept: pa.Array | None = None
        if problem.null_count < batch.num_rows:
            flagged = pc.indices_nonzero(pc.is_valid(problem)).to_pylist()
            rejects += [(i, problem[i].as_py()) for i in flagged]
            ok = pc.is_null(problem)
            kept, table = pc.indices_nonzero(ok), table.filter(ok)
        prepared = prepare(
            table,
            source=self.source,
            received_at=self.received,
            max_event_bytes=self.settings.ingest.max_event_bytes,
            correct_clock_skew=False,
        )
        for refused in prepared.rejected:
            index = kept[refused.index].as_py() if kept is not None else refused.index
            rejects.append((index, refused.reason))
        if prepared.rows.num_rows:
            result = append_events(
                self.store,
                prepared,
                source=self.source,
                conn=self.conn,
                known_new=self._all_new(prepared.rows),
            )
            self.tally.inserted += result.inserted
            self.tally.duplicates += result.duplicates
        return rejects


def _all_new_ids(ids: list[str], seen: set[str]) -> bool:
    return len(set(ids)) == len(ids) and seen.isdisjoint(ids)


def _prefetched(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Read the next chunk while the current one is stored: DuckDB parses without the
    GIL, so on two cores reading and storing overlap."""
    queue: Queue[pa.RecordBatch | Exception | None] = Queue(maxsize=1)

    def produce() -> None:
        try:
            for batch in batches:
                queue.put(batch)
        except Exception as exc:  # noqa: BLE001 - re-raised by the consumer below
            queue.put(exc)
            return
        queue.put(None)

    thread = threading.Thread(target=produce, name="jsonl-reader", daemon=True)
    thread.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        thread.join(timeout=0.1)


def _query() -> str:
    """Segment columns, typed as ``prepare`` expects, plus ``__problem`` naming what is
    wrong with a row that cannot become an event at all."""

    def q(name: str) -> str:
        return '"' + name + '"'

    types = ", ".join(f"'{n}': '{'JSON' if n in _JSON else 'VARCHAR'}'" for n in SEGMENT_FIELDS)
    source = (
        "read_json(?, format = 'newline_delimited', ignore_errors = true, "
        f"maximum_object_size = 67108864, columns = {{{types}}})"
    )
    select = []
    for name in SEGMENT_FIELDS:
        if name in _TIMES:
            select.append(f"TRY_CAST({q(name)} AS TIMESTAMPTZ) AS {q(name)}")
        elif name in _JSON:
            select.append(f"CAST({q(name)} AS VARCHAR) AS {q(name)}")
        elif name == "messageId":
            # No messageId: derive one from the content, so a re-import is still a replay.
            parts = ", ".join(f"CAST({q(n)} AS VARCHAR)" for n in SEGMENT_FIELDS if n != name)
            select.append(
                f"CASE WHEN NULLIF(TRIM({q(name)}), '') IS NULL "
                f"THEN 'import-' || md5(concat_ws('|', {parts})) ELSE {q(name)} END AS {q(name)}"
            )
        elif name in _IDENTITY_PATHS:
            # Identities inside traits are read here, column-wise, not row by row later.
            found = ", ".join(
                f"json_extract_string({q(col)}, '{path}')" for col, path in _IDENTITY_PATHS[name]
            )
            select.append(f"COALESCE(NULLIF(TRIM({q(name)}), ''), {found}) AS {q(name)}")
        else:
            select.append(q(name))
    cases = [" AND ".join(f"{q(n)} IS NULL" for n in SEGMENT_FIELDS) + f" THEN '{_UNREADABLE}'"]
    cases += [
        f"{q(n)} IS NOT NULL AND TRY_CAST({q(n)} AS TIMESTAMPTZ) IS NULL "
        f"THEN '{n} is not an ISO-8601 date and time'"
        for n in _TIMES
    ]
    cases += [
        f"{q(n)} IS NOT NULL AND json_type({q(n)}) <> 'OBJECT' THEN '{n} must be a JSON object'"
        for n in _JSON
    ]
    problem = "CASE " + " ".join(f"WHEN {c}" for c in cases) + " END AS __problem"
    return f"SELECT {', '.join(select)}, {problem} FROM {source}"


_QUERY = _query()


def read_batches(
    parser: duckdb.DuckDBPyConnection, path: Path, rows: int
) -> Iterator[pa.RecordBatch]:
    """Record batches of ``rows`` Segment-typed rows (and ``__problem``) from ``path``."""
    reader = parser.execute(_QUERY, [str(path)]).to_arrow_reader(rows)
    yield from reader


def _starts_with_bom(path: Path) -> bool:
    with open_binary(path) as handle:
        return handle.read(3) == _BOM


def _estimate_rows(path: Path) -> int | None:
    """Rows expected, from the size and the first lines (for the progress bar only)."""
    if path.suffix.lower() == ".gz":
        return None
    with path.open("rb") as handle:
        sample = handle.read(1 << 16)
    lines = sample.count(b"\n")
    return max(1, path.stat().st_size * lines // len(sample)) if lines else 1


def _clean_copy(path: Path, target: Path, tally: _Tally, *, skip: int, max_line: int) -> list[int]:
    """Copy the lines after the first ``skip`` non-blank ones that are JSON objects to
    ``target``; record the others as rejects. Returns the source line of each copied one."""
    line_map: list[int] = []
    nonblank = 0
    with open_binary(path) as source, target.open("wb") as out:
        for number, raw in enumerate(source, start=1):
            if number == 1:
                raw = raw.removeprefix(_BOM)
            if not raw.strip():
                continue
            nonblank += 1
            if nonblank <= skip:
                continue
            tally.rows += 1
            if len(raw) > max_line:
                tally.by_line.append((number, f"the line is longer than {max_line} bytes"))
                continue
            reason = _unreadable_reason(raw, default="")
            if reason:
                tally.by_line.append((number, reason))
                continue
            out.write(raw.rstrip(b"\r\n") + b"\n")
            line_map.append(number)
            tally.rows -= 1  # counted again when the clean copy is read
    return line_map


def _unreadable_reason(raw: bytes, *, default: str) -> str:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return f"malformed JSON: {exc}"
    if not isinstance(value, dict):
        return "the line is not a JSON object"
    return default


def _rejects(path: Path, tally: _Tally) -> list[Reject]:
    """The rejects with their line numbers, exact reasons and original text, found in one
    pass over the file (only when there are any)."""
    if not tally.by_index and not tally.by_line:
        return []
    by_index = dict(tally.by_index)
    by_line = dict(tally.by_line)
    found: list[Reject] = []
    nonblank = -1
    with open_binary(path) as source:
        for number, raw in enumerate(source, start=1):
            if raw.strip():
                nonblank += 1
            reason = by_line.get(number)
            if reason is None and raw.strip() and nonblank < tally.first_pass_rows:
                reason = by_index.get(nonblank)
            if reason is None:
                continue
            if reason == _UNREADABLE:
                reason = _unreadable_reason(
                    raw, default="the line has none of the Segment fields (type, messageId, ...)"
                )
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            found.append(Reject(number, reason, text))
    return found


@contextmanager
def _rolled_back(store: Store) -> Iterator[sa.Connection]:
    """A transaction that is always rolled back: a dry run does everything but commit."""

    class _Undo(Exception):
        pass

    try:
        with store.transaction() as conn:
            yield conn
            raise _Undo
    except _Undo:
        pass
