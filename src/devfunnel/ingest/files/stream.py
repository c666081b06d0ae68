"""An events file made ready for DuckDB's JSON reader: whole, text, and UTF-8.

Events files are too large to decode in memory as record files are, and DuckDB's reader
accepts what they should not be: it reads a gzip file cut short up to where it stops
without a word (the lost events would go unnoticed), and reads a UTF-16 file or a binary
one as lines of garbage, each a reject. So before anything is stored, a gzip file is
decompressed once to check it is whole (about a second per gigabyte of JSON), the first
64 KiB are checked to be text, and a file with a UTF-16 or UTF-32 byte-order mark (what
PowerShell's ``>`` writes) is copied as UTF-8 to a temporary file, keeping its lines.
"""

from __future__ import annotations

import codecs
import tempfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from devfunnel.ingest.files.formats import cannot_read, open_binary
from devfunnel.ingest.files.text import bom_encoding, check_text, not_text

#: How much of the file is checked to be text (git looks at the first 8,000 bytes).
HEAD_BYTES = 1 << 16
_BLOCK = 1 << 20
#: Errors of a file whose bytes stop being readable (truncated or corrupt gzip, I/O).
READ_ERRORS = (OSError, EOFError, zlib.error)


@contextmanager
def utf8_events(path: Path) -> Iterator[Path]:
    """``path``, or a UTF-8 copy of it while the context lasts; refuses (before anything is
    stored) a file that cannot be read to its end or is not text."""
    try:
        with open_binary(path) as handle:
            head = handle.read(HEAD_BYTES)
        if path.suffix.lower() == ".gz":
            _check_whole(path)
    except READ_ERRORS as exc:
        raise cannot_read(path, exc, then="; nothing was imported") from None
    marked = bom_encoding(head)
    if marked is None or marked[1] == "UTF-8":
        # A character cut at the end of the head is replaced, never taken for binary.
        check_text(head.decode("utf-8", "replace"), path.name)
        yield path
        return
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "events.jsonl"
        _transcode(path, marked[0], marked[1], copy)
        yield copy


def _check_whole(path: Path) -> None:
    """Read a gzip file to its end: raises ``EOFError`` when it was cut short."""
    with open_binary(path) as handle:
        while handle.read(_BLOCK):
            pass


def _transcode(path: Path, codec: str, label: str, target: Path) -> None:
    """Copy ``path`` (in ``codec``, byte-order mark first) to ``target`` as UTF-8."""
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        with open_binary(path) as source, target.open("wb") as out:
            first = True
            while data := source.read(_BLOCK):
                text = decoder.decode(data)
                if first:
                    check_text(text, path.name)
                    first = False
                out.write(text.encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError as exc:
        reason = f"it starts with a {label} byte-order mark, but is not {label} ({exc.reason})"
        raise not_text(path.name, reason) from None
    except READ_ERRORS as exc:
        raise cannot_read(path, exc, then="; nothing was imported") from None
