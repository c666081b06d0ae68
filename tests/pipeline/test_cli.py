"""The pipeline commands end to end: output people can act on, errors with the exit
codes of the error tree, and the same services as the API."""

from __future__ import annotations

import orjson
import pytest
import sqlalchemy as sa

from devfunnel.config import Settings
from devfunnel.store import Store
from devfunnel.store.schema.pipeline import leads, opportunities
from tests.cli.test_commands import invoke
from tests.pipeline.seed import add_account, add_people, seed_users


@pytest.fixture
def db(store_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database with the team, Acme (owned by Erin) and Jane (closed again for the CLI)."""
    for name in ("DEVFUNNEL_CONFIG", "DEVFUNNEL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with Store(store_url) as store:
        seed_users(store, settings)
        add_account(store, settings, "Acme", "acme.io", owner="erin.ae@acme.dev")
        add_people(store, settings, {"email": "jane@acme.io", "account_domain": "acme.io"})
    return store_url


def one(db: str, table: sa.Table) -> str:
    with Store(db) as store, store.read() as conn:
        return str(conn.execute(sa.select(table.c.id)).scalar_one())


def test_leads_create_route_dry_run_list_and_touch(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, err = invoke(
        capsys,
        "leads",
        "create",
        "--email",
        "dev@gmail.com",
        "--source",
        "form",
        "--no-route",
        "--db",
        db,
    )
    assert code == 0, err
    assert "Created lead" in out
    lead = one(db, leads)
    code, out, err = invoke(capsys, "leads", "route", "--dry-run", lead, "--db", db)
    assert code == 0, err
    said = " ".join(out.split())
    assert f"Lead {lead} would go to sam.sdr@acme.dev (rule round_robin:sdr, team sdr)" in said
    assert "account_owner" in said
    assert "the lead has no account" in said
    code, out, _ = invoke(capsys, "leads", "list", "--json", "--db", db)
    assert orjson.loads(out)["leads"][0]["owner_email"] is None  # the dry run wrote nothing
    code, out, err = invoke(capsys, "leads", "route", lead, "--db", db)
    assert code == 0, err
    assert "went to sam.sdr@acme.dev" in " ".join(out.split())
    code, out, err = invoke(capsys, "leads", "route", lead, "--db", db)
    assert code == 75
    assert "already routed" in err
    code, out, err = invoke(capsys, "leads", "touch", lead, "--as", "ana.sdr@acme.dev", "--db", db)
    assert code == 77
    assert "only their own records" in err
    code, out, err = invoke(capsys, "leads", "touch", lead, "--as", "sam.sdr@acme.dev", "--db", db)
    assert code == 0, err
    assert "(working)" in out
    code, out, _ = invoke(capsys, "leads", "list", "--owner", "sam.sdr@acme.dev", "--db", db)
    assert "1 leads" in out
    code, out, err = invoke(capsys, "leads", "create", "--email", "dev@gmail.com", "--db", db)
    assert code == 0, err
    assert f"Not created: an open lead of the same person already exists ({lead})" in (
        " ".join(out.split())
    )


def test_lead_errors(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, _, err = invoke(
        capsys, "leads", "route", "01963a4e-7c10-7000-8000-0000000000a1", "--db", db
    )
    assert code == 66
    assert "error: no lead with id 01963a4e-7c10-7000-8000-0000000000a1" in err
    code, _, err = invoke(capsys, "leads", "touch", "nope", "--db", db)
    assert (code, "'nope' is not a valid id" in err) == (65, True)
    code, _, err = invoke(
        capsys, "leads", "create", "--email", "a@b.io", "--as", "ghost@acme.dev", "--db", db
    )
    assert code == 65
    assert "--as: no devfunnel user 'ghost@acme.dev'" in err
    code, _, err = invoke(capsys, "leads", "sla", "--by", "week", "--db", db)
    assert code == 65
    assert "Traceback" not in err


def test_rules_sla_and_from_scores(capsys: pytest.CaptureFixture[str], db: str) -> None:
    code, out, err = invoke(capsys, "leads", "rules", "--db", db)
    assert code == 0, err
    assert "enterprise" in out
    assert "round_robin:sdr" in out
    assert "available" in out
    code, out, err = invoke(capsys, "leads", "from-scores", "--db", db)
    assert code == 0, err
    assert "Created 0 leads from scores" in out
    code, out, err = invoke(capsys, "leads", "sla", "--json", "--db", db)
    assert code == 0, err
    assert orjson.loads(out)["target"] == 0.9


def test_opportunities_create_move_refused_and_overridden(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, err = invoke(
        capsys,
        "opportunities",
        "create",
        "--account",
        "acme.io",
        "--name",
        "Acme API",
        "--amount",
        "24000",
        "--owner",
        "erin.ae@acme.dev",
        "--db",
        db,
    )
    assert code == 0, err
    opp = one(db, opportunities)
    code, _, err = invoke(capsys, "opportunities", "move", opp, "technical_evaluation", "--db", db)
    assert code == 75
    said = " ".join(err.split())
    assert "3 exit criteria not met: set primary_contact" in said
    assert "qualify metrics to at least 1" in said
    code, _, err = invoke(
        capsys,
        "opportunities",
        "move",
        opp,
        "technical_evaluation",
        "--override-reason",
        "pilot signed",
        "--as",
        "erin.ae@acme.dev",
        "--db",
        db,
    )
    assert code == 77
    assert "only admins manage overrides of exit criteria" in err
    code, out, err = invoke(
        capsys,
        "opportunities",
        "move",
        opp,
        "technical_evaluation",
        "--override-reason",
        "pilot signed",
        "--db",
        db,
    )
    assert code == 0, err
    assert "Overrode 3 unmet exit criteria" in " ".join(out.split())
    code, _, err = invoke(capsys, "opportunities", "move", opp, "shipped", "--db", db)
    assert code == 65
    assert "unknown stage 'shipped'; valid stages: discovery" in " ".join(err.split())
    code, _, err = invoke(capsys, "opportunities", "move", opp, "closed_lost", "--db", db)
    assert code == 65
    assert "lost_reason is required" in err
    code, out, err = invoke(capsys, "opportunities", "show", opp, "--db", db)
    assert code == 0, err
    assert "pilot signed" in out
    code, out, _ = invoke(
        capsys, "opportunities", "list", "--stage", "technical_evaluation", "--json", "--db", db
    )
    assert [o["id"] for o in orjson.loads(out)["opportunities"]] == [opp]
    code, _, err = invoke(
        capsys,
        "opportunities",
        "create",
        "--account",
        "acme.io",
        "--name",
        "X",
        "--owner",
        "nobody@acme.dev",
        "--db",
        db,
    )
    assert code == 65
    assert "owner: no devfunnel user 'nobody@acme.dev'" in err
    code, _, err = invoke(
        capsys,
        "opportunities",
        "create",
        "--account",
        "acme.io",
        "--name",
        "X",
        "--amount",
        "lots",
        "--db",
        db,
    )
    assert code == 65
    assert "'lots' is not an amount of money" in err


def test_handoffs_queue_accept_reject_return_and_quality(
    capsys: pytest.CaptureFixture[str], db: str
) -> None:
    code, out, err = invoke(
        capsys,
        "handoffs",
        "create",
        "devrel_to_sales",
        "--account",
        "acme.io",
        "--from",
        "dana.devrel@acme.dev",
        "--db",
        db,
    )
    assert code == 0, err
    said = " ".join(out.split())
    assert "sent to erin.ae@acme.dev" in said
    assert "Missing from the packet: developers, journey, momentum" in said
    code, out, _ = invoke(capsys, "handoffs", "list", "--state", "pending", "--json", "--db", db)
    (handoff,) = orjson.loads(out)["handoffs"]
    code, _, err = invoke(capsys, "handoffs", "reject", handoff["id"], "--db", db)
    assert code == 65
    assert "a reason is required to reject a handoff" in err
    code, out, err = invoke(
        capsys,
        "handoffs",
        "return",
        handoff["id"],
        "--reason",
        "No developers yet",
        "--as",
        "erin.ae@acme.dev",
        "--db",
        db,
    )
    assert code == 0, err
    assert "returned to its sender" in " ".join(out.split())
    code, out, err = invoke(
        capsys, "handoffs", "resend", handoff["id"], "--as", "dana.devrel@acme.dev", "--db", db
    )
    assert code == 0, err
    code, out, err = invoke(
        capsys, "handoffs", "accept", handoff["id"], "--as", "erin.ae@acme.dev", "--db", db
    )
    assert code == 0, err
    assert "accepted" in out
    code, _, err = invoke(capsys, "handoffs", "accept", handoff["id"], "--db", db)
    assert code == 75
    assert "only pending handoffs can be accepted" in err
    code, out, err = invoke(capsys, "handoffs", "show", handoff["id"], "--db", db)
    assert code == 0, err
    assert orjson.loads(out)["packet"]["kind"] == "devrel_to_sales"
    code, out, err = invoke(capsys, "handoffs", "quality", "--db", db)
    assert code == 0, err
    assert "target 90%" in " ".join(out.split())
    code, out, err = invoke(capsys, "handoffs", "quality", "--json", "--db", db)
    assert code == 0, err
    report = orjson.loads(out)
    assert [g["group"] for g in report["by_person"]] == ["dana.devrel@acme.dev"]
    assert report["by_person"][0]["acceptance"] == 1.0
    code, _, err = invoke(
        capsys, "handoffs", "accept", "01963a4e-7c10-7000-8000-0000000000d1", "--db", db
    )
    assert code == 66
    assert "no handoff with id" in err
