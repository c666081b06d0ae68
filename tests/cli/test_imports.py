"""``devfunnel import KIND FILE`` in process, on both backends: summaries, rejects, errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import sqlalchemy as sa

from devfunnel.store import Store
from devfunnel.store.schema.identity import accounts
from tests.cli.test_commands import invoke

COMPANIES = """\
Account ID,Account Name,Website,Employees,Billing Country,Segment Notes
001A,Initech,initech.com,1200,United States,big
001B,,globex.io,300,DE,
001C,Umbrella,umbrella.example,many,FR,
"""


@pytest.fixture(autouse=True)
def _clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_import_loads_good_rows_and_writes_rejects_exit_zero(
    capsys: pytest.CaptureFixture[str], store_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "accounts.csv"
    source.write_text(COMPANIES)
    code, out, err = invoke(capsys, "import", "accounts", str(source), "--db", store_url,
                            "--dry-run")  # fmt: skip
    assert code == 0, err
    assert "Dry run, nothing was written" in out
    assert "created: 1" in out
    assert "line 3: name" in out
    assert not (tmp_path / "accounts.rejects.csv").exists()

    code, out, err = invoke(capsys, "import", "accounts", str(source), "--db", store_url)
    assert code == 0, err
    assert "(salesforce columns)" in out
    assert "created: 1, updated: 0, unchanged: 0, rejected: 2" in out
    assert "Segment Notes" in out  # the ignored column is named once
    rejects = tmp_path / "accounts.rejects.csv"
    assert str(rejects) in out.replace("\n", "")
    assert rejects.read_text().splitlines()[0].startswith("line,reason,Account ID")

    mapped = tmp_path / "fixed.csv"
    mapped.write_text("Company,Web\nGlobex,globex.io\n")
    code, out, err = invoke(capsys, "import", "accounts", str(mapped), "--db", store_url,
                            "--map", "Company=name", "--map", "Web=domain",
                            "--rejects", str(tmp_path / "r.csv"))  # fmt: skip
    assert code == 0, err
    assert "created: 1" in out
    assert not (tmp_path / "r.csv").exists()


def test_events_import_reports_loaded_duplicates_and_rejects(
    capsys: pytest.CaptureFixture[str], store_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "events.ndjson"
    source.write_text('{"type": "track", "event": "E", "userId": "u", "messageId": "1"}\n{"bad\n')
    code, out, err = invoke(capsys, "import", "events", str(source), "--db", store_url)
    assert code == 0, err
    assert "loaded: 1, duplicates: 0, rejected: 1" in out
    code, out, _ = invoke(capsys, "import", "events", str(source), "--db", store_url)
    assert "loaded: 0, duplicates: 1, rejected: 1" in out


def test_bad_invocations_are_clean_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"duckdb:///{tmp_path / 'x.duckdb'}"
    assert invoke(capsys, "init", "--db", url)[0] == 0
    (tmp_path / "e.csv").write_text("type\ntrack\n")
    (tmp_path / "a.txt").write_text("name\nA\n")
    cases = [
        (("import", "companies", "a.csv"), 65, "unknown kind 'companies'"),
        (("import", "accounts", "missing.csv"), 66, "does not exist"),
        (("import", "accounts", "a.txt"), 65, "--format"),
        (("import", "events", "e.csv"), 65, "JSON Lines"),
        (("import", "accounts", "e.csv", "--crm", "pipedrive"), 65, "unknown CRM"),
        (("import", "accounts", "e.csv", "--map", "nope"), 65, "COLUMN=field"),
    ]
    for argv, status, message in cases:
        code, _, err = invoke(capsys, *argv, "--db", url)
        assert code == status, (argv, err)
        assert message in err, (argv, err)
        assert "Traceback" not in err


def _accounts(url: str) -> int:
    with Store(url) as store, store.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(accounts)).scalar_one())


def test_files_that_cannot_be_imported_are_refused_in_one_line_before_any_row(
    capsys: pytest.CaptureFixture[str], store_url: str, tmp_path: Path
) -> None:
    (tmp_path / "trunc.csv").write_text('name,domain\nGood,good.io\n"Acme,acme2.io\n')
    (tmp_path / "binary.csv").write_bytes(b"\x1b[31m\x07" + bytes(range(256)) * 4)
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "foo.csv").write_text("foo,bar\n1,2\n")
    (tmp_path / "good.csv").write_text("name,domain\nGood,good.io\n,nameless.io\n")
    cut = gzip.compress(b'{"type": "track", "event": "E", "userId": "u"}\n' * 5_000)
    (tmp_path / "cut.jsonl.gz").write_bytes(cut[: len(cut) // 2])
    cases = [
        (("accounts", "trunc.csv"), 65, "trunc.csv line 3: a quoted field"),
        (("accounts", "binary.csv"), 65, "binary.csv is not a text file"),
        (("accounts", "empty.jsonl"), 65, "empty.jsonl is empty"),
        (("events", "empty.jsonl"), 65, "empty.jsonl is empty"),
        (("accounts", "foo.csv"), 65, "no column is a field of accounts (its columns are foo"),
        (("accounts", "good.csv", "--rejects", "/nonexistent/r.csv"), 66, "reject file"),
        (("events", "cut.jsonl.gz"), 66, "cannot read cut.jsonl.gz: Compressed file ended"),
    ]
    for argv, status, message in cases:
        code, out, err = invoke(capsys, "import", *argv, "--db", store_url)
        assert code == status, (argv, out, err)
        assert message in err, (argv, err)
        assert "Aborted" not in out + err
        assert all(ch.isprintable() for ch in (out + err).replace("\n", "")), (argv, out, err)
    assert _accounts(store_url) == 0


def test_utf16_exports_and_repeated_keys_are_read_and_every_row_counted(
    capsys: pytest.CaptureFixture[str], store_url: str, tmp_path: Path
) -> None:
    source = tmp_path / "excel.csv"
    source.write_bytes("name,domain\nOne,dup.io\nTwo,dup.io\nTwo,dup.io\n".encode("utf-16"))
    code, out, err = invoke(capsys, "import", "accounts", str(source), "--db", store_url)
    assert code == 0, err
    assert "rows read: 3, created: 1, updated: 1, unchanged: 1, rejected: 0" in out
    assert "note:" not in out  # neither the encoding nor its columns needed a guess
    assert _accounts(store_url) == 1
