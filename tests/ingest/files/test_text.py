"""Import files as text: byte-order marks, files that are not text, empty files, and what
of a file may be shown on a terminal. No database needed."""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import pytest

from devfunnel.errors import ValidationError
from devfunnel.ingest.files.formats import read_rows
from devfunnel.ingest.files.text import printable

CSV = "name,domain\nCafé Müller,muller.de\n"


@pytest.mark.parametrize(
    "data",
    [
        CSV.encode("utf-16"),  # what Excel's "Unicode text" and PowerShell's > write
        b"\xfe\xff" + CSV.encode("utf-16-be"),
        CSV.encode("utf-32"),
        b"\xef\xbb\xbf" + CSV.encode("utf-8"),
    ],
    ids=["utf-16-le", "utf-16-be", "utf-32", "utf-8-bom"],
)
def test_files_with_a_byte_order_mark_are_read_in_its_encoding(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    rows = read_rows(path, "csv")
    assert rows.columns == ["name", "domain"]
    assert [r.values for r in rows.rows] == [{"name": "Café Müller", "domain": "muller.de"}]
    assert rows.notices == []  # the mark says the encoding: nothing was guessed


def test_binary_files_are_refused_as_not_text_without_showing_their_bytes(
    tmp_path: Path,
) -> None:
    noise = random.Random(7)
    binary = bytes(noise.randrange(256) for _ in range(2000))
    controls = bytes(noise.choice(b"\x01\x02\x1b\x7fabc,\n") for _ in range(2000))
    cases = {
        "random.csv": binary,
        "random.jsonl": binary,
        "controls.csv": controls,  # no NUL, but a third of it is control codes
        "zipped.csv.gz": gzip.compress(binary),
        "bad-utf16.csv": b"\xff\xfe" + "name\n".encode("utf-16-le") + b"\x00\xd8",
    }
    for name, data in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(ValidationError, match="is not a text file") as caught:
            read_rows(path, "jsonl" if ".jsonl" in name else "csv")
        assert caught.value.detail.isprintable(), name


def test_text_with_a_stray_control_character_is_still_text(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"name,note\nAcme,\x1b[1mbold\n" + b"Initech,x\n" * 100)
    rows = read_rows(path, "csv")
    assert rows.rows[0].values["note"] == "\x1b[1mbold"


@pytest.mark.parametrize("name", ["e.csv", "e.jsonl", "e.csv.gz", "blank.jsonl", "bom.csv"])
def test_an_empty_file_is_refused_the_same_in_every_format(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    content = {"blank.jsonl": b"\n  \n\r\n", "bom.csv": b"\xef\xbb\xbf\n"}.get(name, b"")
    path.write_bytes(gzip.compress(content) if name.endswith(".gz") else content)
    with pytest.raises(ValidationError, match=f"{name} is empty: there is nothing to import"):
        read_rows(path, "jsonl" if ".jsonl" in name else "csv")


def test_printable_escapes_what_a_terminal_would_act_on() -> None:
    assert printable("Account Name") == "Account Name"
    assert printable("Café\tÜ") == "Café\\tÜ"
    assert printable("\x1b[2J\x00x\u202egnp.exe\u2028") == "\\x1b[2J\\x00x\\u202egnp.exe\\u2028"
