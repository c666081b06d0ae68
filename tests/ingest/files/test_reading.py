"""Reading files and recognising CRM columns and values: no database needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from devfunnel.errors import NotFound, ValidationError
from devfunnel.ingest.files import values
from devfunnel.ingest.files.formats import check_readable, detect_format, read_rows
from devfunnel.ingest.files.mapping import build_map, detect_crm, parse_overrides
from devfunnel.ingest.files.records import RECORD_KINDS
from devfunnel.ingest.files.rejects import check_writable, default_path

ACCOUNT_FIELDS = RECORD_KINDS["accounts"].fields


def test_csv_rows_keep_their_real_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b'\xef\xbb\xbfName,Note\r\nA,"two\r\nlines"\r\n\r\nB,x\r\nC,1,extra\r\nD\r\n')
    rows = read_rows(path, "csv")
    assert rows.columns == ["Name", "Note"]  # the BOM is not part of the first name
    assert [(r.line, r.values["Name"]) for r in rows.rows] == [(2, "A"), (5, "B"), (7, "D")]
    assert rows.rows[0].values["Note"] == "two\r\nlines"
    [bad] = rows.unreadable
    assert bad.line == 6
    assert "3 cells" in bad.reason
    assert bad.original == {"Name": "C", "Note": "1", "column 3": "extra"}


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('name,domain\n"Acme,acme2.io\n', 2),  # the row's only quote is never closed
        ('name,domain\nA,a.io\n\nB,"b.io\nC,c.io\n', 4),  # ... and swallows the rest
        ('name,"domain\nA,a.io\n', 1),  # a header cut inside a quote
    ],
)
def test_a_csv_file_that_ends_inside_a_quoted_field_is_refused_naming_the_line(
    tmp_path: Path, text: str, line: int
) -> None:
    path = tmp_path / "trunc.csv"
    path.write_text(text)
    closed = rf"trunc\.csv line {line}: a quoted field .* never closed"
    with pytest.raises(ValidationError, match=closed):
        read_rows(path, "csv")


def test_closed_quotes_and_stray_quotes_are_read_as_before(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text('name,note\nA,"two\nlines"\nB,"said ""hi"""\nC,5" screen\nD,"ab"c\n')
    rows = read_rows(path, "csv")
    assert [r.values["note"] for r in rows.rows] == ["two\nlines", 'said "hi"', '5" screen', "abc"]


def test_a_quote_that_swallows_a_large_file_names_the_row_it_opens(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text("name,domain\n" + "A,a.io\n" * 3 + '"B,b.io\n' + "C,c.io\n" * 30_000)
    with pytest.raises(ValidationError, match=r"big\.csv line 5: .*never closed"):
        read_rows(path, "csv")


def test_a_reject_file_that_cannot_be_written_is_refused_before_any_import(
    tmp_path: Path,
) -> None:
    source = tmp_path / "a.csv"
    source.write_text("name\nA\n")
    with pytest.raises(NotFound, match=r"cannot write the reject file .*missing"):
        check_writable(tmp_path / "missing" / "r.csv", source)
    with pytest.raises(NotFound, match="cannot write the reject file"):
        check_writable(tmp_path, source)  # a directory
    with pytest.raises(ValidationError, match="is the file being imported"):
        check_writable(source, source)
    fresh = tmp_path / "r.csv"
    check_writable(fresh, source)
    assert not fresh.exists()  # the check leaves nothing behind
    kept = tmp_path / "old.rejects.csv"
    kept.write_text("line,reason\n")
    check_writable(kept, source)
    assert kept.read_text() == "line,reason\n"


def test_non_utf8_exports_are_read_with_a_notice(tmp_path: Path) -> None:
    path = tmp_path / "sf.csv"
    path.write_bytes("Account Name;Billing Country\nCafé Müller;Germany\n".encode("cp1252"))
    rows = read_rows(path, "csv")
    assert rows.rows[0].values == {"Account Name": "Café Müller", "Billing Country": "Germany"}
    assert any("not UTF-8" in n for n in rows.notices)
    assert any("';'" in n for n in rows.notices)


def test_jsonl_records_report_unparseable_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"name": "A"}\n\n{"name": \n[1]\n{"name": "B", "x": 1}\n')
    rows = read_rows(path, "jsonl")
    assert [(r.line, r.values["name"]) for r in rows.rows] == [(1, "A"), (5, "B")]
    assert rows.columns == ["name", "x"]
    assert [(r.line, r.reason.split(":")[0]) for r in rows.unreadable] == [
        (3, "malformed JSON"),
        (4, "the line is not a JSON object"),
    ]


def test_formats_come_from_the_extension_unless_given(tmp_path: Path) -> None:
    assert detect_format(Path("x.CSV"), None) == "csv"
    assert detect_format(Path("x.ndjson.gz"), None) == "jsonl"
    assert detect_format(Path("x.txt"), "jsonl") == "jsonl"
    with pytest.raises(ValidationError, match="--format"):
        detect_format(Path("x.txt"), None)
    with pytest.raises(NotFound, match="does not exist"):
        check_readable(tmp_path / "missing.csv")
    with pytest.raises(NotFound, match="not a file"):
        check_readable(tmp_path)
    assert default_path(Path("/d/accounts.csv"), "csv") == Path("/d/accounts.rejects.csv")
    assert default_path(Path("/d/ev.jsonl.gz"), "jsonl") == Path("/d/ev.rejects.jsonl")


def test_the_crm_is_recognised_from_its_columns() -> None:
    hubspot = ["Record ID", "Company name", "Company Domain Name", "Country/Region"]
    salesforce = ["Account ID", "Account Name", "Website", "Billing Country"]
    assert detect_crm(hubspot) == "hubspot"
    assert detect_crm(salesforce) == "salesforce"
    assert detect_crm(["external_id", "name", "domain"]) == "crm"


def test_columns_map_by_crm_vocabulary_canonical_name_and_override() -> None:
    columns = ["Record ID", "Company name", "Website URL", "Company Domain Name", "Notes", "X"]
    mapped = build_map("accounts", columns, ACCOUNT_FIELDS, crm=None, overrides={"X": "industry"})
    assert mapped.crm == "hubspot"
    # The domain column is preferred over the website when both are filled.
    assert mapped.sources["domain"] == ["Company Domain Name", "Website URL"]
    assert mapped.sources["industry"] == ["X"]
    assert mapped.ignored == ["Notes"]
    row = mapped.apply(
        {"Company name": "A", "Website URL": "https://a.io", "Company Domain Name": ""}
    )
    assert row == {"name": "A", "domain": "https://a.io"}
    with pytest.raises(ValidationError, match="not a field of accounts"):
        build_map("accounts", columns, ACCOUNT_FIELDS, crm=None, overrides={"X": "nope"})
    with pytest.raises(ValidationError, match="does not have"):
        build_map("accounts", columns, ACCOUNT_FIELDS, crm=None, overrides={"Y": "name"})
    with pytest.raises(ValidationError, match="COLUMN=field"):
        parse_overrides(["no-equals"])
    assert parse_overrides(["A=B=name"]) == {"A=B": "name"}


def test_export_values_become_what_the_importers_validate() -> None:
    assert values.date_or_time("3/15/2024", date_only=True) == "2024-03-15"
    assert values.date_or_time("2024-03-15 14:05", date_only=False) == "2024-03-15T14:05:00"
    assert values.date_or_time("3/15/2024, 2:05 PM", date_only=False) == "2024-03-15T14:05:00"
    assert values.date_or_time("soon", date_only=True) == "soon"
    assert values.money("$1,200.50") == ("1200.50", None)
    assert values.money("EUR 3,000") == ("3000", "EUR")
    assert values.money("lots") == ("lots", None)
    assert values.whole_number("1,200") == "1200"
    assert values.fraction("70", percent=True) == "0.7"
    assert values.fraction("25%", percent=False) == "0.25"
    assert values.fraction("0.4", percent=False) == "0.4"
    stages = [("closed_won", "Closed won"), ("negotiation", "Negotiation")]
    assert values.choose("Closed Won", stages) == "closed_won"
    assert values.choose("closedwon", stages) == "closed_won"
    assert values.choose("Prospecting", stages) == "Prospecting"
    assert values.opportunity_type("New Business") == "new"
    assert values.opportunity_type("Existing Customer - Upgrade") == "expansion"
    assert values.country("United States") == ("US", True)
    assert values.country("de") == ("DE", True)
    assert values.country("Atlantis") == (None, False)
