"""An import file's bytes as text: which encoding it is in, and whether it is text at all.

Exports come from many tools: Excel's "Unicode text" and PowerShell's ``>`` write UTF-16
with a byte-order mark, Salesforce offers ISO-8859-1, Excel's plain CSV is Windows-1252.
A byte-order mark says the encoding for sure; without one, UTF-8 is tried, then
Windows-1252. A file that is none of these (a spreadsheet, an archive, an image saved as
``.csv``) holds NUL bytes or is mostly control characters: it is refused as not text
rather than read as a column of mojibake, and nothing of it is echoed to the terminal.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from devfunnel.errors import ValidationError

#: Byte-order marks, longest first (UTF-32 LE's begins with UTF-16 LE's).
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
#: Control characters (C0 and C1) but tab, line breaks and form feed, which text holds.
_CONTROL = re.compile("[\x01-\x08\x0e-\x1f\x7f-\x9f]")
#: More control characters than this share of the text (beyond the first few) is binary.
_CONTROL_SHARE = 0.05
_ACCEPTED = "UTF-8, UTF-16 with a byte-order mark, or Windows-1252"
#: Characters that would reorder or hide what a terminal shows (bidirectional overrides).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def bom_encoding(head: bytes) -> tuple[str, str] | None:
    """(Python codec, name) named by the byte-order mark ``head`` starts with, if any."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label
    return None


def decode(data: bytes, name: str, notices: list[str]) -> str:
    """The text of file ``name``: by its byte-order mark, else UTF-8, else Windows-1252
    (Latin-1 for the five bytes Windows-1252 leaves undefined), with a notice saying so.
    Raises :class:`ValidationError` when the bytes are not text."""
    marked = bom_encoding(data)
    if marked is not None:
        codec, label = marked
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise not_text(name, f"it starts with a {label} byte-order mark, but byte "
                           f"{exc.start} is not {label}") from None  # fmt: skip
        check_text(text, name)
        return text
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        try:
            text, encoding = data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "Latin-1"  # decodes any bytes
        check_text(text, name)
        notices.append(f"{name} is not UTF-8 (first at line {line}); read it as {encoding}")
        return text
    check_text(text, name)
    return text


def check_text(text: str, name: str) -> None:
    """Refuse text that holds a NUL or is more than a few percent control characters:
    what a binary file decodes to, never a CSV or JSON Lines export."""
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        raise not_text(name, f"it holds NUL bytes (first at line {line})")
    controls = len(_CONTROL.findall(text))
    if controls > 16 and controls > _CONTROL_SHARE * len(text):
        raise not_text(name, f"{controls:,} of its {len(text):,} characters are control codes")


def not_text(name: str, why: str) -> ValidationError:
    """The error for a file that is not text, saying what is accepted."""
    return ValidationError(
        f"{printable(name)} is not a text file: {why}. Import CSV or JSON Lines text "
        f"({_ACCEPTED}); save spreadsheets as CSV first"
    )


def printable(text: str) -> str:
    """``text`` safe to show on one terminal line: control characters, line separators
    and bidirectional overrides are written as escapes (``\\x1b``), never sent as is."""
    if text.isprintable():
        return text
    return "".join(_escape(ch) for ch in text)


def _escape(ch: str) -> str:
    if ch in _BIDI or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
        return ch.encode("unicode_escape").decode("ascii")
    return ch
