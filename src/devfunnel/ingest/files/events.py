"""Bulk import of Segment-shaped JSON Lines: one message per line, Segment field names.

Lines are parsed column-wise by DuckDB's JSON reader (an in-memory DuckDB used only for
parsing, whatever the store is), with ``properties``, ``traits`` and ``context`` kept as
JSON text, then validated by ``prepare`` and stored by ``append_events`` in large chunks:
per-line Python would cap the rate far below what the store can take. Events go in under
source ``import:<file name>``, so re-importing a file stores nothing twice; a line
without ``messageId`` gets one derived from its content for the same reason.

Problems of single lines never fail the file. The reader yields one row per non-blank
line, all-null for a line it cannot parse, so bad rows are known by position; the lines
behind them (and their exact reasons) are looked up only when there are rejects. When the
reader gives up altogether (an object split over lines, a byte-order mark), the lines not
yet imported are checked one by one, the good ones copied to a clean file, and the import
goes on. The file as a whole is refused when it is no events file: not text, a gzip file
cut short (``stream.py`` checks both before anything is stored), empty, or without a
single Segment message in it. A read error part way (the file changing under the import)
says how many events the chunks before it stored.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from queue import Full, Queue
from typing import Any, TypeVar

import duckdb
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import ValidationError
from devfunnel.ingest.append import append_events
from devfunnel.ingest.files.formats import cannot_read, empty, open_binary
from devfunnel.ingest.files.report import FileReport, Progress, Reject, no_progress
from devfunnel.ingest.files.seen import SeenIds
from devfunnel.ingest.files.stream import READ_ERRORS, utf8_events
from devfunnel.ingest.files.text import printable
from devfunnel.ingest.prepare import SEGMENT_FIELDS, Prepared, as_checked_json, prepare
from devfunnel.store import Store
from devfunnel.store.backends.duckdb import ROW_GROUP_ROWS
from devfunnel.store.schema.events import events

#: Rows per prepare/append (one transaction and one resolution batch each): two whole
#: DuckDB row groups. With 250,000 (two and a bit) the checkpoint when the CLI closed the
#: store took 2.7 s of CPU per million events and the file grew from 48 to 72 MB; with
#: whole row groups, 0.1 s and 49 MB. Each chunk's partial row group is filled by the
#: next chunk's first rows, so the row groups that chunk wrote no longer line up.
CHUNK_ROWS = 2 * ROW_GROUP_ROWS
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
    #: Lines that are no Segment message at all (not JSON, not an object, no Segment field).
    not_messages: int = 0
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
    tally = _Tally()
    with ExitStack() as stack:
        readable = stack.enter_context(utf8_events(path))
        try:
            _load(store, settings, path, readable, stack, tally, dry_run, progress, chunk_rows)
            report.rejects = _rejects(readable, tally)
        except READ_ERRORS as exc:
            raise cannot_read(path, exc, then=_stored_before(tally, dry_run)) from None
    if tally.rows == 0:
        raise empty(path)
    if tally.not_messages == tally.rows:
        raise _no_messages(path, report.rejects)
    report.rows = tally.rows
    report.created, report.duplicates = tally.inserted, tally.duplicates
    progress(tally.rows, tally.rows)
    return report


def _load(
    store: Store,
    settings: Settings,
    path: Path,
    readable: Path,
    stack: ExitStack,
    tally: _Tally,
    dry_run: bool,
    progress: Progress,
    chunk_rows: int,
) -> None:
    """Read ``readable`` (``path`` or its UTF-8 copy) and store its events as ``path``'s."""
    source = f"import:{path.name}"[:128]
    total = _estimate_rows(readable)
    conn = stack.enter_context(_rolled_back(store)) if dry_run else None
    parser = duckdb.connect(":memory:")
    stack.callback(parser.close)
    parser.execute("SET TimeZone = 'UTC'")
    # Half the cores (one of two): the store appends on the others meanwhile. On
    # both of two cores the parse took 2.6-2.8 s of CPU per million events instead of
    # 1.6 on one, and the difference came out of the append's share.
    parser.execute(f"SET threads = {_parser_threads()}")
    load = _Loader(store, settings, source, conn, tally, progress, total)
    stack.callback(load.close)
    try:
        if _starts_with_bom(readable):
            raise _ReaderGaveUp
        load.run(read_batches(parser, readable, chunk_rows), line_map=None)
    except duckdb.InterruptException:
        raise  # Ctrl+C is not a read error to retry from a clean copy
    except (duckdb.Error, _ReaderGaveUp):
        clean = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "clean.jsonl"
        limit = max(1024 * 1024, 4 * settings.ingest.max_event_bytes)
        line_map = _clean_copy(readable, clean, tally, skip=tally.first_pass_rows, max_line=limit)
        try:
            load.run(read_batches(parser, clean, chunk_rows), line_map=line_map)
        except duckdb.InterruptException:
            raise
        except duckdb.Error as exc:
            raise ValidationError(f"cannot read {printable(path.name)}: {exc}") from None


def _stored_before(tally: _Tally, dry_run: bool) -> str:
    """What a read error mid-file left behind: chunks commit as they go, and importing
    the file again skips what they stored (same source, same messageId)."""
    if dry_run or not tally.inserted:
        return "; nothing was imported"
    return (
        f"; {tally.inserted:,} events were stored before it stopped (importing the file "
        "again skips them: they are known by messageId)"
    )


def _no_messages(path: Path, rejects: list[Reject]) -> ValidationError:
    """A file none of whose lines is a Segment message (not JSON Lines, or another kind's
    objects) is refused once rather than rejected line by line; nothing of it is stored."""
    first = min(rejects, key=lambda r: r.line)
    return ValidationError(
        f"{printable(path.name)}: no line is a Segment message (a JSON object with "
        f"{', '.join(list(SEGMENT_FIELDS)[:8])}, ...); line {first.line}: "
        f"{printable(first.reason)}"
    )


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
    seen: SeenIds | None = None

    def __post_init__(self) -> None:
        with self.store.read() as conn:
            stored = conn.execute(
                sa.select(events.c.source).where(events.c.source == self.source).limit(1)
            ).first()
        self.seen = SeenIds() if stored is None else None

    def close(self) -> None:
        if self.seen is not None:
            self.seen.close()

    def run(self, batches: Iterator[pa.RecordBatch], line_map: list[int] | None) -> None:
        """Read, prepare and store chunks as a pipeline: the next chunk is read and
        prepared (DuckDB and Arrow's kernels work without the GIL) while this one is
        stored, so on two cores the three steps overlap."""
        seen = 0
        reading = _prefetched(batches)
        preparing = _prefetched(self._prepare(batch) for batch in reading)
        try:
            for chunk in preparing:
                self._store(chunk)
                self.tally.not_messages += sum(why == _UNREADABLE for _, why in chunk.rejects)
                if line_map is None:
                    first = self.tally.first_pass_rows
                    self.tally.by_index += [(first + i, why) for i, why in chunk.rejects]
                    self.tally.first_pass_rows += chunk.rows
                else:
                    self.tally.by_line += [(line_map[seen + i], why) for i, why in chunk.rejects]
                seen += chunk.rows
                self.tally.rows += chunk.rows
                done = self.tally.rows
                self.progress(done, max(self.total, done) if self.total else None)
        finally:
            # In this order: the preparing thread is the one pulling from the reader.
            preparing.close()
            reading.close()

    def _all_new(self, rows: pa.Table) -> bool:
        """Whether no row of this chunk can be a replay (checked in memory)."""
        if self.seen is None:
            return False
        if not self.seen.add_if_all_new(rows.column("message_id")):
            self.close()
            self.seen = None  # repeats in the file: let the store check from here on
            return False
        return True

    def _prepare(self, batch: pa.RecordBatch) -> _Chunk:
        """Validate one chunk (no store access): the rows to store and, by position in
        the chunk, the rows refused. Runs on the pipeline's thread, chunks in order."""
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
            read_traits=False,
        )
        for refused in prepared.rejected:
            index = kept[refused.index].as_py() if kept is not None else refused.index
            rejects.append((index, refused.reason))
        rejects.sort()
        if not prepared.rows.num_rows:
            return _Chunk(batch.num_rows, rejects, None, known_new=False)
        # The reader parsed every JSON value and refused all but objects.
        prepared.rows = as_checked_json(prepared.rows)
        return _Chunk(batch.num_rows, rejects, prepared, known_new=self._all_new(prepared.rows))

    def _store(self, chunk: _Chunk) -> None:
        """Append one prepared chunk in its own transaction (or the dry run's)."""
        if chunk.prepared is None:
            return
        result = append_events(
            self.store,
            chunk.prepared,
            source=self.source,
            conn=self.conn,
            known_new=chunk.known_new,
        )
        self.tally.inserted += result.inserted
        self.tally.duplicates += result.duplicates


@dataclass
class _Chunk:
    """A chunk read and validated, waiting to be stored."""

    rows: int
    rejects: list[tuple[int, str]]
    prepared: Prepared | None
    known_new: bool


_T = TypeVar("_T")


def _prefetched(items: Iterator[_T]) -> Generator[_T, None, None]:
    """Produce the next item on a thread while the caller works on this one.

    When the caller stops early (an error while storing) and closes this generator, the
    thread is told to stop and is waited for: it finishes at most the item in hand.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=1)
    stop = threading.Event()

    def put(kind: str, value: Any) -> bool:
        while not stop.is_set():
            try:
                queue.put((kind, value), timeout=0.05)
                return True
            except Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put("item", item):
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised by the consumer below
            put("error", exc)
            return
        put("end", None)

    thread = threading.Thread(target=produce, name="jsonl-pipeline", daemon=True)
    thread.start()
    try:
        while True:
            kind, value = queue.get()
            if kind == "end":
                return
            if kind == "error":
                raise value
            yield value
    finally:
        stop.set()
        thread.join()


def _query() -> str:
    """Segment columns, typed as ``prepare`` expects, plus ``__problem`` naming what is
    wrong with a row that cannot become an event at all.

    Each JSON value is parsed once, by the reader: the reader writes JSON values back
    minified, so an object is exactly a value whose text starts with ``{``, and identities
    are pulled from ``traits`` and ``context`` in one extraction per column, only from rows
    whose text names such a key.
    """

    def q(name: str) -> str:
        return '"' + name + '"'

    types = ", ".join(f"'{n}': '{'JSON' if n in _JSON else 'VARCHAR'}'" for n in SEGMENT_FIELDS)
    source = (
        "read_json(?, format = 'newline_delimited', ignore_errors = true, "
        f"maximum_object_size = 67108864, columns = {{{types}}})"
    )
    texts = ", ".join(
        f"CAST({q(n)} AS VARCHAR) AS {q(n)}" if n in _JSON else q(n) for n in SEGMENT_FIELDS
    )
    # A group call's traits describe the group (the account), never the person.
    person = "lower(trim(\"type\")) IS DISTINCT FROM 'group'"
    found = {}
    for column in _JSON:
        paths = [(n, p) for n, pairs in _IDENTITY_PATHS.items() for c, p in pairs if c == column]
        if not paths:
            continue
        mentions = " OR ".join(f"contains({q(column)}, '{k}')" for k in ('"email"', '"github'))
        listed = ", ".join(f"'{p}'" for _, p in paths)
        found[column] = (
            f"CASE WHEN {person} AND ({mentions}) "
            f"THEN json_extract_string({q(column)}, [{listed}]) END AS __{column}"
        )
        for i, (name, _) in enumerate(paths, start=1):
            found.setdefault(name, "")
            found[name] += f", __{column}[{i}]"
    select = []
    for name in SEGMENT_FIELDS:
        if name in _TIMES:
            select.append(f"TRY_CAST({q(name)} AS TIMESTAMPTZ) AS {q(name)}")
        elif name == "messageId":
            # No messageId: derive one from the content, so a re-import is still a replay.
            parts = ", ".join(f"CAST({q(n)} AS VARCHAR)" for n in SEGMENT_FIELDS if n != name)
            select.append(
                f"CASE WHEN NULLIF(TRIM({q(name)}), '') IS NULL "
                f"THEN 'import-' || md5(concat_ws('|', {parts})) ELSE {q(name)} END AS {q(name)}"
            )
        elif name in _IDENTITY_PATHS:
            # Identities inside traits are read here, column-wise, not row by row later.
            select.append(f"COALESCE(NULLIF(TRIM({q(name)}), ''){found[name]}) AS {q(name)}")
        else:
            select.append(q(name))
    cases = [" AND ".join(f"{q(n)} IS NULL" for n in SEGMENT_FIELDS) + f" THEN '{_UNREADABLE}'"]
    cases += [
        f"{q(n)} IS NOT NULL AND TRY_CAST({q(n)} AS TIMESTAMPTZ) IS NULL "
        f"THEN '{n} is not an ISO-8601 date and time'"
        for n in _TIMES
    ]
    cases += [
        f"{q(n)} IS NOT NULL AND NOT starts_with({q(n)}, '{{') THEN '{n} must be a JSON object'"
        for n in _JSON
    ]
    problem = "CASE " + " ".join(f"WHEN {c}" for c in cases) + " END AS __problem"
    extracted = ", ".join(v for k, v in found.items() if k in _JSON)
    return (
        f"SELECT {', '.join(select)}, {problem} "
        f"FROM (SELECT *, {extracted} FROM (SELECT {texts} FROM {source}))"
    )


_QUERY = _query()


def read_batches(
    parser: duckdb.DuckDBPyConnection, path: Path, rows: int
) -> Iterator[pa.RecordBatch]:
    """Record batches of ``rows`` Segment-typed rows (and ``__problem``) from ``path``."""
    reader = parser.execute(_QUERY, [str(path)]).to_arrow_reader(rows)
    yield from reader


def _parser_threads() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


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
                tally.not_messages += 1
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
