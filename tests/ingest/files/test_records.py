"""CRM exports into accounts, people and opportunities, on both backends."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import NotFound, ValidationError
from devfunnel.ingest.files.load import import_file
from devfunnel.ingest.files.records import import_records
from devfunnel.store import Store
from devfunnel.store.schema.admin import users
from devfunnel.store.schema.events import events
from devfunnel.store.schema.identity import accounts
from devfunnel.store.schema.pipeline import opportunities

HUBSPOT_COMPANIES = """\
Record ID,Company name,Company Domain Name,Website URL,Industry,Number of Employees,\
Annual Revenue,Country/Region,Company owner,Lifecycle Stage
101,Initech,initech.com,https://www.initech.com,Software,"1,200","$5,000,000.00",\
United States,Jane Roe,Customer
102,Globex,,https://globex.io,Manufacturing,300,,Germany,Nobody Known,Lead
103,,umbrella.example,,Biotech,50,,DE,,Lead
"""

SALESFORCE_OPPORTUNITIES = """\
Opportunity ID,Opportunity Name,Account ID,Stage,Amount,Close Date,Probability (%),Type
006A,Initech expansion,001A,Negotiation,"12,000.00",3/15/2027,70,Existing Customer - Upgrade
006B,Initech renewal,001A,Closed Won,5000,1/31/2027,100,Renewal
006C,Initech pilot,001A,Prospecting,100,1/31/2027,10,New Customer
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_hubspot_companies_become_accounts_and_bad_rows_go_to_rejects(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    owners = write(tmp_path / "users.csv", "email,name,role\njane@acme.dev,Jane Roe,seller\n")
    assert import_file(store, settings, "users", owners).created == 1
    source = write(tmp_path / "companies.csv", HUBSPOT_COMPANIES)

    preview = import_file(store, settings, "accounts", source, dry_run=True)
    assert (preview.created, len(preview.rejects), preview.rejects_path) == (2, 1, None)
    with store.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one() == 0

    report = import_file(store, settings, "accounts", source)
    assert report.crm == "hubspot"
    assert (report.rows, report.created, report.updated) == (3, 2, 0)
    assert any("Lifecycle Stage" in n for n in report.notices)
    assert any("'Nobody Known'" in n for n in report.notices)
    with store.read() as conn:
        stored = {r.name: r for r in conn.execute(sa.select(accounts))}
        jane = conn.execute(sa.select(users.c.id)).scalar_one()
    initech = stored["Initech"]
    assert (initech.domain, initech.employees, initech.country) == ("initech.com", 1200, "US")
    assert initech.annual_revenue_minor == 500_000_000
    assert initech.owner_id == jane
    assert (stored["Globex"].domain, stored["Globex"].country) == ("globex.io", "DE")

    assert report.rejects_path == tmp_path / "companies.rejects.csv"
    with report.rejects_path.open(newline="") as handle:
        [reject] = list(csv.DictReader(handle))
    assert reject["line"] == "4"
    assert reject["reason"].startswith("name:")
    assert reject["Record ID"] == "103"
    assert reject["Company Domain Name"] == "umbrella.example"

    again = import_file(store, settings, "accounts", source)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_salesforce_opportunities_map_stages_by_label_and_refuse_unknown_ones(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    accounts_file = write(
        tmp_path / "accounts.csv",
        "Account ID,Account Name,Website,Billing Country\n001A,Initech,initech.com,US\n",
    )
    assert import_file(store, settings, "accounts", accounts_file).created == 1
    source = write(tmp_path / "opps.csv", SALESFORCE_OPPORTUNITIES)
    report = import_file(store, settings, "opportunities", source)
    assert report.crm == "salesforce"
    assert report.created == 2
    [reject] = report.rejects
    assert reject.line == 4
    assert "'Prospecting'" in reject.reason
    assert "closed_won" in reject.reason  # names the configured stages
    with store.read() as conn:
        rows = {r.external_key: r for r in conn.execute(sa.select(opportunities))}
    expansion = rows["salesforce:006A"]
    assert (expansion.stage, expansion.type) == ("negotiation", "expansion")
    assert expansion.probability == pytest.approx(0.7)
    assert expansion.amount_minor == 1_200_000
    assert str(expansion.close_date) == "2027-03-15"
    assert (rows["salesforce:006B"].stage, rows["salesforce:006B"].status) == ("closed_won", "won")


def test_hubspot_contacts_enter_as_identify_events_from_jsonl(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    source = write(
        tmp_path / "contacts.jsonl",
        '{"Record ID": "7", "Email": "ann@initech.com", "First Name": "Ann",'
        ' "Job Title": "CTO", "Country/Region": "Canada",'
        ' "Associated Company IDs (Primary)": "101;102"}\n'
        '{"Record ID": "8", "First Name": "No email"}\n',
    )
    report = import_file(store, settings, "people", source)
    assert (report.crm, report.created) == ("hubspot", 1)
    [reject] = report.rejects
    assert (reject.line, reject.reason.split(":")[0]) == (2, "email")
    assert report.rejects_path == tmp_path / "contacts.rejects.jsonl"
    with store.read() as conn:
        [event] = conn.execute(sa.select(events)).mappings().all()
    assert (event["source"], event["type"], event["email"]) == (
        "crm:hubspot",
        "identify",
        "ann@initech.com",
    )
    assert event["traits"]["crmAccount"] == "hubspot:101"
    assert (event["traits"]["title"], event["traits"]["country"]) == ("CTO", "CA")


def count(store: Store, table: sa.Table) -> int:
    with store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(
    ("name", "text", "has"),
    [
        ("foo.csv", "foo,bar\n1,2\n3,4\n", "its columns are foo, bar"),
        ("junk.csv", "lorem ipsum dolor\nsit amet\n" * 500, "its columns are lorem ipsum dolor"),
        ("junk.jsonl", "lorem ipsum\n" * 500, "no line is a JSON object"),
        ("other.jsonl", '{"foo": 1}\n{"bar": 2}\n', "its columns are foo, bar"),
    ],
)
def test_a_file_with_no_column_that_is_a_field_is_refused_once(
    store: Store, settings: Settings, tmp_path: Path, name: str, text: str, has: str
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ValidationError, match="no column is a field of accounts") as caught:
        import_file(store, settings, "accounts", path)
    assert has in caught.value.detail
    assert "expected columns such as" in caught.value.detail
    assert "name" in caught.value.detail.rpartition("expected")[2]
    assert not (tmp_path / name.replace(".", ".rejects.", 1)).exists()
    assert count(store, accounts) == 0


REPEATS = {
    "accounts": "name,domain\nOne,dup.io\nTwo,https://www.dup.io/x\nTwo,dup.io\nOther,o.io\n",
    "opportunities": "external_id,name,account_domain,stage,amount\n"
    "o1,Deal,dup.io,discovery,100\no1,Deal,dup.io,negotiation,200\n"
    "o1,Deal,dup.io,negotiation,200\no2,Other,dup.io,discovery,5\n",
    "leads": "external_id,email,status\nl1,a@dup.io,new\nl1,a@dup.io,working\n"
    "l1,a@dup.io,working\nl2,b@dup.io,new\n",
    "github-orgs": '{"login": "dup", "name": "A"}\n{"login": "Dup", "name": "B"}\n'
    '{"login": "dup", "name": "B"}\n{"login": "other"}\n',
}


@pytest.mark.parametrize("kind", list(REPEATS))
@pytest.mark.parametrize("chunk_rows", [1, 5_000])
def test_rows_repeating_a_key_update_the_earlier_row_and_are_all_counted(
    store: Store, settings: Settings, tmp_path: Path, kind: str, chunk_rows: int
) -> None:
    # Four rows: the second and third name the record the first created (the second
    # changes it, the third repeats the second), the fourth is another record. Whether
    # the repeat is in the same chunk or a later one, each row is counted once.
    if kind == "opportunities":
        write(tmp_path / "a.csv", "name,domain\nDup,dup.io\n")
        import_file(store, settings, "accounts", tmp_path / "a.csv")
    ext = "jsonl" if kind == "github-orgs" else "csv"
    path = write(tmp_path / f"{kind}.{ext}", REPEATS[kind])
    preview, _ = import_records(
        store, settings, kind, path, ext, dry_run=True, chunk_rows=chunk_rows
    )
    report, _ = import_records(store, settings, kind, path, ext, chunk_rows=chunk_rows)
    for counted in (preview, report):
        assert (counted.rows, counted.rejects) == (4, [])
        assert (counted.created, counted.updated, counted.unchanged) == (2, 1, 1)
    if kind == "accounts":
        with store.read() as conn:
            names = dict(conn.execute(sa.select(accounts.c.domain, accounts.c.name)).all())
        assert names["dup.io"] == "Two"  # the last row of the key wins
    if kind == "opportunities":
        with store.read() as conn:
            [deal] = conn.execute(
                sa.select(opportunities).where(opportunities.c.name == "Deal")
            ).all()
        assert (deal.stage, deal.amount_minor) == ("negotiation", 20_000)


def test_a_reject_file_that_cannot_be_written_stops_the_import_before_any_row(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path / "a.csv", "name,domain\nGood,good.io\n,nameless.io\n")
    with pytest.raises(NotFound, match="cannot write the reject file"):
        import_file(store, settings, "accounts", path, rejects=tmp_path / "no" / "r.csv")
    assert count(store, accounts) == 0
