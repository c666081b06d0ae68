"""Segment JSON Lines files: good lines loaded, bad ones rejected by line, replays skipped."""

from __future__ import annotations

import gzip
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.errors import NotFound, StoreError, ValidationError
from devfunnel.ingest.files import stream
from devfunnel.ingest.files.events import import_events
from devfunnel.ingest.files.load import import_file
from devfunnel.store import Store
from devfunnel.store.schema.events import events, ingest_batches


def line(**fields: Any) -> str:
    return json.dumps(fields)


GOOD = [
    line(type="track", event="API Call", userId="u1", messageId="m1",
         timestamp="2026-01-01T10:00:00Z", properties={"path": "/v1"}),
    line(type="identify", userId="u1", messageId="m2", traits={"email": "Ann@Initech.com"}),
    line(type="page", anonymousId="a1", name="Pricing", messageId="m3"),
    line(type="track", event="No Id", userId="u2", timestamp="2026-01-02T00:00:00Z"),
]  # fmt: skip


def stored(store: Store) -> list[dict[str, Any]]:
    with store.read() as conn:
        rows = conn.execute(sa.select(events).order_by(events.c.message_id)).mappings()
        return [dict(r) for r in rows]


def test_good_lines_load_and_bad_lines_are_rejected_with_their_line(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "events.jsonl"
    text = [
        GOOD[0],
        '{"type": "track", broken',  # 2
        "",  # 3: blank lines are skipped, not rejected
        GOOD[1],
        "[1, 2]",  # 5
        line(type="track", event="E", userId="u3", timestamp="yesterday"),  # 6
        line(type="track", userId="u3"),  # 7: no event name
        GOOD[2],
        line(type="track", event="E", userId="u4", properties="not an object"),  # 9
        GOOD[3],
    ]
    path.write_text("\n".join(text) + "\n")

    report = import_file(store, settings, "events", path)
    assert (report.rows, report.created, report.duplicates) == (9, 4, 0)
    reasons = {r.line: r.reason for r in report.rejects}
    assert sorted(reasons) == [2, 5, 6, 7, 9]
    assert reasons[2].startswith("malformed JSON")
    assert reasons[5] == "the line is not a JSON object"
    assert reasons[6] == "timestamp is not an ISO-8601 date and time"
    assert reasons[7] == "event is required for track calls"
    assert reasons[9] == "properties must be a JSON object"
    assert report.rejects_path == tmp_path / "events.rejects.jsonl"
    written = [json.loads(x) for x in report.rejects_path.read_text().splitlines()]
    assert [w["line"] for w in written] == [2, 5, 6, 7, 9]
    assert written[0]["row"] == '{"type": "track", broken'

    rows = {r["message_id"]: r for r in stored(store)}
    assert set(rows) >= {"m1", "m2", "m3"}
    assert {r["source"] for r in rows.values()} == {"import:events.jsonl"}
    assert rows["m1"]["properties"] == {"path": "/v1"}
    assert rows["m1"]["timestamp"].isoformat() == "2026-01-01T10:00:00+00:00"
    assert rows["m2"]["email"] == "ann@initech.com"
    assert rows["m3"]["event"] == "Pricing"
    [derived] = [k for k in rows if k.startswith("import-")]  # the line without messageId

    again = import_file(store, settings, "events", path)
    assert (again.created, again.duplicates, len(again.rejects)) == (0, 4, 5)
    assert len(stored(store)) == 4
    assert derived in {r["message_id"] for r in stored(store)}


def test_a_dry_run_counts_exactly_and_writes_nothing(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("\n".join([GOOD[0], GOOD[0], GOOD[1], "{oops"]) + "\n")
    report = import_file(store, settings, "events", path, dry_run=True)
    assert (report.created, report.duplicates, len(report.rejects)) == (2, 1, 1)
    assert report.rejects_path is None
    assert not (tmp_path / "e.rejects.jsonl").exists()
    assert stored(store) == []
    with store.read() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(ingest_batches)).scalar_one() == 0
        )


def test_files_the_fast_reader_gives_up_on_are_read_line_by_line(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "messy.jsonl"
    lines = [*GOOD[:2], '{"type": "track",', '"event": "Split"}', GOOD[2], *GOOD[3:]]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode())  # BOM, CRLF, no final EOL
    report = import_events(store, settings, path, chunk_rows=2)
    assert (report.rows, report.created) == (6, 4)
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejects] == [
        (3, "malformed JSON"),
        (4, "malformed JSON"),
    ]
    assert {r["message_id"] for r in stored(store)} >= {"m1", "m2", "m3"}


def test_large_files_are_loaded_in_chunks_with_progress(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "many.jsonl"
    body = "\n".join(
        line(type="track", event="E", userId=f"u{n}", messageId=f"m{n}") for n in range(25)
    )
    path.write_text(body + "\n" + "not json\n")
    seen: list[tuple[int, int | None]] = []
    report = import_events(
        store, settings, path, chunk_rows=10, progress=lambda d, t: seen.append((d, t))
    )
    assert (report.created, [r.line for r in report.rejects]) == (25, [26])
    assert [d for d, _ in seen] == [10, 20, 26, 26]
    with store.read() as conn:
        batches = conn.execute(sa.select(ingest_batches.c.event_count)).scalars().all()
    assert sorted(batches) == [5, 10, 10]


def test_a_failing_chunk_leaves_earlier_chunks_stored_and_nothing_of_itself(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: Any
) -> None:
    path = tmp_path / "fails.jsonl"
    body = "\n".join(
        line(type="track", event="E", userId=f"u{n}", messageId=f"m{n:02}") for n in range(30)
    )
    path.write_text(body + "\n")
    real = Store.append
    calls: list[str] = []

    def append_then_fail(self: Store, conn: Any, table: Any, rows: Any, **kw: Any) -> int:
        inserted = real(self, conn, table, rows, **kw)
        calls.append(table.name)
        if table.name == "events" and calls.count("events") == 2:
            raise StoreError("disk full", database=self.describe())
        return inserted

    monkeypatch.setattr(Store, "append", append_then_fail)
    before = threading.active_count()
    with pytest.raises(StoreError, match="disk full"):
        import_events(store, settings, path, chunk_rows=10)
    assert threading.active_count() == before  # the pipeline's threads have stopped
    assert sorted(r["message_id"] for r in stored(store)) == [f"m{n:02}" for n in range(10)]
    with store.read() as conn:
        batches = conn.execute(sa.select(ingest_batches.c.event_count)).scalars().all()
    assert batches == [10]


def test_group_traits_name_no_person(store: Store, settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "group.jsonl"
    path.write_text(
        "\n".join([
            line(type="group", userId="u1", groupId="g1", messageId="g",
                 traits={"email": "billing@initech.com", "github": "initech"}),
            line(type="identify", userId="u1", messageId="i",
                 traits={"email": "Ann@Initech.com", "githubLogin": "@Ann"}),
            line(type="track", event="E", anonymousId="a1", messageId="t",
                 context={"traits": {"email": "bob@initech.com", "github": "bob"}}),
        ]) + "\n"
    )  # fmt: skip
    report = import_file(store, settings, "events", path)
    assert (report.created, report.rejects) == (3, [])
    rows = {r["message_id"]: r for r in stored(store)}
    assert (rows["g"]["email"], rows["g"]["github_login"]) == (None, None)
    assert rows["g"]["traits"] == {"email": "billing@initech.com", "github": "initech"}
    assert (rows["i"]["email"], rows["i"]["github_login"]) == ("ann@initech.com", "ann")
    assert (rows["t"]["email"], rows["t"]["github_login"]) == ("bob@initech.com", "bob")
    assert rows["t"]["identity_key"] == "email:bob@initech.com"


def test_repeats_across_chunks_of_a_fresh_file_are_stored_once(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "repeats.jsonl"
    ids = [f"m{n}" for n in range(12)] + ["m3", "m11", "m12"]  # repeats land in chunk 2
    path.write_text(
        "\n".join(line(type="track", event="E", userId="u", messageId=i) for i in ids) + "\n"
    )
    report = import_events(store, settings, path, chunk_rows=5)
    assert (report.created, report.duplicates) == (13, 2)
    assert sorted(r["message_id"] for r in stored(store)) == sorted(set(ids))


@pytest.mark.parametrize("chunk_rows", [1, 4, 100])
def test_rejects_keep_their_line_numbers_whatever_the_chunk_size(
    store: Store, settings: Settings, tmp_path: Path, chunk_rows: int
) -> None:
    # Rejects of the reader (not JSON, not an object, a bad timestamp) and of ``prepare``
    # (no event name, no identity) in different chunks, with blank lines between, which
    # are skipped and not counted as rows but still count as lines.
    good = [line(type="track", event="E", userId=f"u{n}", messageId=f"m{n}") for n in range(8)]
    text = [
        good[0],
        "",  # 2
        "not json",  # 3
        good[1],
        good[2],
        line(type="track", userId="u9"),  # 6: no event name
        "   ",  # 7
        good[3],
        '"a string"',  # 9
        good[4],
        line(type="track", event="E", userId="u9", timestamp="soon"),  # 11
        good[5],
        "",  # 13
        good[6],
        line(type="track", event="E"),  # 15: no identity
        good[7],
    ]
    path = tmp_path / "spread.jsonl"
    path.write_text("\n".join(text) + "\n")

    report = import_events(store, settings, path, chunk_rows=chunk_rows)

    assert (report.rows, report.created) == (13, 8)
    assert [r.line for r in report.rejects] == [3, 6, 9, 11, 15]
    assert [r.original for r in report.rejects] == [text[n - 1] for n in (3, 6, 9, 11, 15)]
    assert "event is required" in report.rejects[1].reason
    assert "ISO-8601" in report.rejects[3].reason
    assert "userId or anonymousId" in report.rejects[4].reason
    assert sorted(r["message_id"] for r in stored(store)) == [f"m{n}" for n in range(8)]


def _many(count: int) -> str:
    return "".join(
        line(type="track", event="E", userId=f"u{n}", messageId=f"m{n}") + "\n"
        for n in range(count)
    )


def test_a_gzip_file_cut_short_is_refused_before_anything_is_stored(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    whole = gzip.compress(_many(3_000).encode())
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(NotFound, match=r"cannot read .*cut\.jsonl\.gz: Compressed file ended"):
        import_file(store, settings, "events", path)
    assert stored(store) == []


def test_a_read_error_part_way_says_how_many_events_were_stored(
    store: Store, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file that changes under the import (the check up front found it whole): the
    # chunks before the error are committed, and the message says how many, because
    # importing the file again skips them by messageId.
    whole = gzip.compress(_many(3_000).encode())
    path = tmp_path / "changing.jsonl.gz"
    path.write_bytes(whole[: len(whole) // 2])
    monkeypatch.setattr(stream, "_check_whole", lambda path: None)
    with pytest.raises(NotFound, match="Compressed file ended") as caught:
        import_events(store, settings, path, chunk_rows=100)
    saved = len(stored(store))
    assert saved > 0
    assert f"{saved:,} events were stored before it stopped" in caught.value.detail
    assert "skips them" in caught.value.detail


def test_utf16_files_are_read_with_their_line_numbers(
    store: Store, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "powershell.jsonl"
    text = "\r\n".join([GOOD[0], "{broken", GOOD[1], ""])
    path.write_bytes(text.encode("utf-16"))  # what PowerShell 5's > writes
    report = import_file(store, settings, "events", path)
    assert (report.rows, report.created) == (3, 2)
    assert [(r.line, r.original) for r in report.rejects] == [(2, "{broken")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty: there is nothing to import"),
        (b"\n \n\n", "is empty: there is nothing to import"),
        (bytes(range(256)) * 8, "is not a text file"),
        (b"lorem ipsum\n" * 50, "no line is a Segment message"),
        (b'{"domain": "a.io"}\n[1]\n', "no line is a Segment message"),
    ],
    ids=["empty", "blank", "binary", "junk", "not-messages"],
)
def test_a_file_that_is_no_events_file_is_refused_and_nothing_stored(
    store: Store, settings: Settings, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(content)
    with pytest.raises(ValidationError, match=message) as caught:
        import_file(store, settings, "events", path)
    assert caught.value.detail.isprintable()
    assert stored(store) == []
    assert not (tmp_path / "x.rejects.jsonl").exists()
