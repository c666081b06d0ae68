"""``init``, ``demo`` and ``serve`` check what they are given before they write or start
anything: demo options up front, the listening socket before the app and its worker, and
only ``init`` and ``demo`` create a DuckDB file."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.demo.company import generate_chunk
from devfunnel.demo.load import (
    REACH_BEFORE,
    STRIPE_CREATED,
    as_of_range,
    chunk_bounds,
    reach_after,
)
from devfunnel.demo.world import build_world
from devfunnel.store import Store
from devfunnel.store.schema.events import webhook_deliveries
from tests.cli.test_commands import invoke

ISO_TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d")
#: How the names of Stripe's Unix times end (created, start_date, period_end, paid_at, ...).
STRIPE_TIMES = ("created", "_date", "_start", "_end", "_at")


@pytest.fixture
def busy_port() -> Iterator[int]:
    """A port another process is listening on."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


def _no_app(*args: Any, **kwargs: Any) -> None:
    raise AssertionError("the app (and its worker) started before the port was bound")


# --- demo: every option checked before the database is touched -------------------------


@pytest.mark.parametrize(
    ("options", "code", "said"),
    [
        (("--seed", "-1"), 2, "--seed"),
        (("--seed", str(2**64)), 2, "--seed"),
        (("--as-of", "1970-01-01"), 65, "outside 1971-01-02 to 2100-01-01"),
        (("--as-of", "1971-01-01"), 65, "outside 1971-01-02 to 2100-01-01"),
        (("--as-of", "2100-01-02"), 65, "outside 1971-01-02 to 2100-01-01"),
        (("--as-of", "9999-12-31"), 65, "outside 1971-01-02 to 2100-01-01"),
        (("--admin-password", "short"), 65, "--admin-password: a password must have at least"),
        (("--admin-password", "ada.admin@acme.dev"), 65, "cannot be the email address"),
    ],
)
def test_demo_refuses_bad_options_before_creating_anything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, options: tuple[str, ...], code: int,
    said: str,
) -> None:  # fmt: skip
    path = tmp_path / "demo.duckdb"
    got, out, err = invoke(capsys, "demo", "--db", f"duckdb:///{path}", "--accounts", "2",
                           "--no-serve", *options)  # fmt: skip
    assert got == code, err
    assert said in " ".join(err.split())
    assert "Traceback" not in err
    assert "Loaded" not in out
    assert not path.exists()  # a re-run is not refused as "already holds data"


def test_demo_on_a_busy_port_is_refused_before_loading(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, busy_port: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr("devfunnel.web.app.create_app", _no_app)
    path = tmp_path / "demo.duckdb"
    code, out, err = invoke(capsys, "demo", "--db", f"duckdb:///{path}", "--accounts", "2",
                            "--port", str(busy_port))  # fmt: skip
    assert code == 75
    assert f"127.0.0.1:{busy_port}: the port is in use" in err
    assert out == ""
    assert not path.exists()


def test_the_as_of_range_is_where_the_generated_times_reach(settings: Settings) -> None:
    """Every time the generator makes lies within ``REACH_BEFORE`` before the end of
    history and ``reach_after`` after it, and Stripe's ``created`` before the end: the
    bounds ``as_of_range`` is derived from. (A generator change that reaches further fails
    here, before a demo fails part way.)"""
    world = build_world(settings, seed=7, accounts=300, as_of=date(2026, 11, 1))
    end = world.end
    low, high = end - REACH_BEFORE, end + reach_after(settings)
    seen: list[datetime] = []
    created: list[datetime] = []

    def walk(value: Any, key: str = "", unix: bool = False) -> None:
        """Collect the times in ``value``; ``unix``: Stripe's, whose times are integers."""
        if isinstance(value, dict):
            for name, item in value.items():
                walk(item, name, unix)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item, key, unix)
        elif isinstance(value, datetime):
            seen.append(value)
        elif isinstance(value, date):
            seen.append(datetime.combine(value, datetime.min.time(), tzinfo=UTC))
        elif isinstance(value, str) and ISO_TIME.match(value):
            seen.append(datetime.fromisoformat(value.replace("Z", "+00:00")))
        elif unix and isinstance(value, int) and key.endswith(STRIPE_TIMES):
            (created if key == "created" else seen).append(datetime.fromtimestamp(value, UTC))

    for accounts, independents in chunk_bounds(world, 100):
        chunk = generate_chunk(world, accounts, independents)
        walk([chunk.crm, chunk.sink.github, chunk.sink.github_profiles,
              list(chunk.sink.github_orgs.values()), dict(chunk.sink.records)])  # fmt: skip
        walk(chunk.sink.stripe, unix=True)
        for table in chunk.sink.tables().values():
            times = table.column("timestamp")
            seen += [pc.min(times).as_py(), pc.max(times).as_py()]
    assert created, "no Stripe events: the world is too small to check their reach"
    assert low <= min(seen)
    assert max(seen) < high
    assert low <= min(created)
    assert max(created) < end
    # The range: the first date whose reach starts at Stripe's first time or later, the
    # last whose Stripe events end by 2100.
    first, last = as_of_range(settings)
    as_end = lambda d: datetime.combine(d, datetime.min.time(), tzinfo=UTC)  # noqa: E731
    assert as_end(first) - REACH_BEFORE >= STRIPE_CREATED[0]
    assert as_end(first - timedelta(days=1)) - REACH_BEFORE < STRIPE_CREATED[0]
    assert as_end(last) <= STRIPE_CREATED[1] < as_end(last + timedelta(days=1))


@pytest.mark.parametrize("as_of", ["1971-01-02", "2100-01-01"])
def test_the_demo_loads_at_either_end_of_the_as_of_range(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, as_of: str
) -> None:
    path = tmp_path / "demo.duckdb"
    code, out, err = invoke(capsys, "demo", "--db", f"duckdb:///{path}", "--accounts", "40",
                            "--no-serve", "--as-of", as_of)  # fmt: skip
    assert code == 0, err
    assert f"history to {as_of}" in " ".join(out.split())
    with Store(f"duckdb:///{path}") as store, store.read() as conn:
        stripe = dict(
            conn.execute(
                sa.select(webhook_deliveries.c.status, sa.func.count())
                .where(webhook_deliveries.c.source == "stripe")
                .group_by(webhook_deliveries.c.status)
            ).all()
        )
    assert stripe
    assert set(stripe) == {"done"}, stripe  # every Stripe event was accepted


# --- serve: the socket first ------------------------------------------------------------


def test_serve_on_a_busy_port_is_one_error_before_the_app_starts(
    capsys: pytest.CaptureFixture[str], db: str, busy_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("devfunnel.web.app.create_app", _no_app)
    code, out, err = invoke(capsys, "serve", "--db", db, "--port", str(busy_port))
    assert code == 75
    assert out == ""  # no "Serving ..." line
    assert err.count("error:") == 1
    assert "the port is in use" in err


@pytest.mark.parametrize(
    ("host", "said"),
    [("999.1.1.1", "is not a host name or address"), ("192.0.2.1", "not an address of this")],
)
def test_serve_on_a_host_that_is_not_this_machine_is_a_configuration_error(
    capsys: pytest.CaptureFixture[str], db: str, host: str, said: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr("devfunnel.web.app.create_app", _no_app)
    code, out, err = invoke(capsys, "serve", "--db", db, "--host", host)
    assert code == 78
    assert out == ""
    assert said in " ".join(err.split())
    assert "--host" in err


# --- only init and demo create a DuckDB file -------------------------------------------


@pytest.mark.parametrize(
    "command",
    [("accounts", "top"), ("serve",), ("keys", "list"), ("config", "show")],
)
def test_other_commands_do_not_create_a_missing_database_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    path = tmp_path / "nodir" / "typo.duckdb"
    code, _, err = invoke(capsys, *command, "--db", f"duckdb:///{path}")
    if command == ("config", "show"):  # reads no database at all
        assert code == 0
    else:
        assert code == 74
        assert f"the database file {path} does not exist" in err
        assert "devfunnel init" in err
    assert not path.parent.exists()


def test_init_creates_the_file_and_its_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "new" / "x.duckdb"
    code, out, err = invoke(capsys, "init", "--db", f"duckdb:///{path}")
    assert code == 0, err
    assert "schema created" in out
    assert path.is_file()


def test_init_refuses_a_file_that_is_not_a_duckdb_database(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    csv = tmp_path / "accounts.csv"
    csv.write_text("domain,name\nacme.io,Acme\n")
    for path in (csv, tmp_path):
        code, out, err = invoke(capsys, "init", "--db", f"duckdb:///{path}")
        assert code == 74
        assert out == ""
        assert "not a DuckDB database file" in err or "is a folder" in err
    assert csv.read_text() == "domain,name\nacme.io,Acme\n"


@pytest.mark.parametrize("url", ["duckdb:///", "duckdb://", "duckdb:///:memory:"])
def test_init_refuses_a_database_in_memory(capsys: pytest.CaptureFixture[str], url: str) -> None:
    code, out, err = invoke(capsys, "init", "--db", url)
    assert code == 78
    assert out == ""  # not "schema created" for a database gone when the command ends
    assert "names no DuckDB file" in err
    assert "None" not in err
