"""Event intake over HTTP: ``/v1/batch`` into DuckDB and PostgreSQL, against the ceiling.

``python -m benchmarks.ingest_http [--backends duckdb,postgresql] [--seconds 20]``

For each backend, in a fresh database: a real ``devfunnel serve`` process (the in-process
worker off, so the figure is the acknowledgement path alone: validate and durably append;
resolution follows asynchronously), and a load generator in a separate process sending
realistic Segment batches (100 messages, about 32 KB: tracks, pages, identifies and groups
from a pool of users, with properties and context) over 32 keep-alive loopback connections,
as many SDK clients would; a short warm-up, then the measured run. Every acknowledged event
is then counted in the database. In the same run:

- the ceiling: the same events written in-process through the store (``prepare`` +
  ``append_events`` in chunks of 10,000, on a fresh database holding the warm-up events),
  so the ratio shows what HTTP, JSON and per-message validation cost on top of storage;
- what skipping replays costs a commit at the size the run left the database (a
  1,600-event append with and without de-duplication, rolled back).

The load generator (``--load``) is plain asyncio over raw sockets: it prebuilds each
body once and only substitutes a counter into the message ids, so it needs a small share
of one core and the server gets the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pyarrow as pa
import sqlalchemy as sa

from benchmarks.common import Timer, fresh_database, write_results

TARGETS = {"duckdb": 25_000, "postgresql": 10_000}
#: Different bodies the load generator cycles through; request ``n`` uses ``n % VARIANTS``.
VARIANTS = 16
#: Fixed-width slot in every message id that each request fills with its number.
SLOT = b"@@@@@@@@@@"
_TRACKS = [("API Request", {"endpoint": "/v1/charges", "method": "POST", "status": 200}),
           ("API Request", {"endpoint": "/v1/customers", "method": "GET", "status": 200}),
           ("Docs Viewed", {"path": "/docs/quickstart", "section": "getting-started"}),
           ("SDK Installed", {"language": "python", "version": "4.2.1"}),
           ("Deploy Succeeded", {"environment": "production", "duration_ms": 48210}),
           ("Key Created", {"scope": "live", "project": "checkout"})]  # fmt: skip
_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36"


# --- realistic Segment batches ---------------------------------------------------------


def templates(batch_size: int, seed: int = 7) -> list[str]:
    """``VARIANTS`` batch bodies whose message ids hold ``SLOT`` for the request number."""
    rng = random.Random(seed)
    base = datetime(2026, 11, 1, 12, tzinfo=UTC)
    bodies = []
    for variant in range(VARIANTS):
        batch = [_message(rng, base, variant, j) for j in range(batch_size)]
        sent = (base + timedelta(minutes=variant)).isoformat().replace("+00:00", "Z")
        bodies.append(orjson.dumps({"batch": batch, "sentAt": sent}).decode())
    return bodies


def _message(rng: random.Random, base: datetime, variant: int, j: int) -> dict[str, Any]:
    user = rng.randrange(20_000)
    org = user % 900
    when = base + timedelta(minutes=variant, seconds=j, milliseconds=rng.randrange(1000))
    context: dict[str, Any] = {
        "library": {"name": "analytics-python", "version": "2.4.0"},
        "ip": f"203.0.113.{user % 250}",
    }
    message: dict[str, Any] = {
        "messageId": f"{SLOT.decode()}-{j:04d}",
        "userId": f"user-{user}",
        "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "context": context,
    }
    roll = rng.random()
    if roll < 0.80:
        event, properties = rng.choice(_TRACKS)
        plan = rng.choice(["free", "team", "pro"])
        extra = {"latency_ms": rng.randrange(900), "plan": plan}
        message |= {"type": "track", "event": event, "properties": {**properties, **extra}}
    elif roll < 0.92:
        page = {"path": "/pricing", "referrer": "https://github.com/"}
        message |= {"type": "page", "name": "Pricing", "properties": page}
        message["anonymousId"] = f"anon-{user:08x}"
        context["userAgent"] = _AGENT
    elif roll < 0.98:
        traits = {
            "email": f"dev{user}@company{org}.io",
            "name": f"Dev {user}",
            "github": f"d{user}",
        }
        message |= {"type": "identify", "traits": traits}
    else:
        traits = {"name": f"Company {org}", "domain": f"company{org}.io"}
        message |= {"type": "group", "groupId": f"org-{org}", "traits": traits}
    return message


def body(bodies: list[bytes], number: int, run: int) -> bytes:
    """Request ``number`` of run ``run``: a template with its own message ids."""
    return bodies[number % VARIANTS].replace(SLOT, b"%02d%08d" % (run, number))


# --- the load generator (its own process) ----------------------------------------------


async def _connection(
    port: int, key: str, bodies: list[bytes], run: int, counter: list[int], until: float
) -> dict[str, Any]:
    auth = base64.b64encode(f"{key}:".encode()).decode()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    stats: dict[str, Any] = {"requests": 0, "accepted": 0, "errors": 0, "latencies": []}
    try:
        while time.monotonic() < until:
            number = counter[0]
            counter[0] += 1
            payload = body(bodies, number, run)
            head = (
                f"POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
            )
            started = time.perf_counter()
            writer.write(head.encode() + payload)
            response = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in response.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            answer = await reader.readexactly(length)
            stats["latencies"].append(time.perf_counter() - started)
            stats["requests"] += 1
            if response.startswith(b"HTTP/1.1 200"):
                stats["accepted"] += orjson.loads(answer)["accepted"]
            else:
                stats["errors"] += 1
    finally:
        writer.close()
        await writer.wait_closed()
    return stats


async def _load(args: argparse.Namespace) -> dict[str, Any]:
    bodies = [t.encode() for t in json.loads(Path(args.templates).read_text())]
    counter = [0]
    until = time.monotonic() + args.seconds
    timer = Timer()
    results = await asyncio.gather(
        *(
            _connection(args.port, args.key, bodies, args.run, counter, until)
            for _ in range(args.connections)
        )
    )
    seconds = timer.seconds
    latencies = sorted(x for r in results for x in r["latencies"])
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "requests": sum(r["requests"] for r in results),
        "accepted": sum(r["accepted"] for r in results),
        "errors": sum(r["errors"] for r in results),
        "seconds": seconds,
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None,
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
    }


def run_load(port: int, key: str, path: Path, run: int, seconds: float, connections: int) -> dict:
    """Run the load generator in its own process; its JSON report."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.ingest_http", "--load", "--port", str(port),
         "--key", key, "--templates", str(path), "--run", str(run),
         "--seconds", str(seconds), "--connections", str(connections)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


# --- the server, the measurement, the ceiling -----------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """CPU time (all threads) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serve(url: str, port: int, workdir: Path) -> subprocess.Popen[bytes]:
    """``devfunnel serve`` on ``port``, answering health checks."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVFUNNEL_")}
    env |= {"DEVFUNNEL_SERVER_RUN_WORKER": "false", "DEVFUNNEL_LOGGING_LEVEL": "WARNING"}
    process = subprocess.Popen(
        [sys.executable, "-m", "devfunnel", "serve", "--db", url, "--port", str(port)],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2).raise_for_status()
            return process
        except httpx.TransportError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"server did not start: {process.communicate()[1]!r}") from None
            time.sleep(0.2)


def measure(backend: str, seconds: float, connections: int, batch_size: int) -> dict[str, Any]:
    from devfunnel.admin.api_keys import create_key
    from devfunnel.admin.audit import CLI
    from devfunnel.store import Store, migrate

    row: dict[str, Any] = {"backend": backend, "batch_size": batch_size,
                           "connections": connections, "target": TARGETS[backend]}  # fmt: skip
    with (
        tempfile.TemporaryDirectory(prefix="df-bench-") as tmp,
        fresh_database(backend, Path(tmp)) as url,
    ):
        workdir = Path(tmp)
        path = workdir / "templates.json"
        bodies = templates(batch_size)
        path.write_text(json.dumps(bodies))
        row["bytes_per_request"] = round(sum(len(b) for b in bodies) / len(bodies))
        with Store(url) as store:
            migrate.upgrade(store)
            key = create_key(store, "benchmark", "ingest", CLI).secret
        port = _free_port()
        server = serve(url, port, workdir)
        try:
            warm = run_load(port, key, path, 1, min(5.0, seconds / 2), connections)
            cpu_before = _cpu_seconds(server.pid)
            load = run_load(port, key, path, 2, seconds, connections)
            server_cpu = _cpu_seconds(server.pid) - cpu_before
        finally:
            server.send_signal(signal.SIGINT)
            server.communicate(timeout=60)
        if load["errors"] or warm["errors"]:
            raise RuntimeError(f"the server answered errors: {warm} {load}")
        with Store(url) as store:
            with store.read() as conn:
                stored = conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one()
            row["dedupe_ms_per_commit"] = dedupe_cost(store, bodies)
        if stored != warm["accepted"] + load["accepted"]:
            raise RuntimeError(
                f"acknowledged {warm['accepted'] + load['accepted']}, stored {stored}"
            )
        row["events"] = load["accepted"]
        row["events_stored"] = stored
        row["seconds"] = round(load["seconds"], 2)
        row["events_per_second"] = round(load["accepted"] / load["seconds"])
        row["requests_per_second"] = round(load["requests"] / load["seconds"])
        row["p50_ms"], row["p99_ms"] = load["p50_ms"], load["p99_ms"]
        row["server_cpu_us_per_event"] = round(1e6 * server_cpu / max(1, load["accepted"]), 1)
        row["load_generator_cpu_share"] = round(load["cpu_seconds"] / load["seconds"], 2)
        warm_requests = warm["requests"]
        requests = load["requests"]
    row["ceiling_events_per_second"] = ceiling(backend, bodies, batch_size, warm_requests, requests)
    row["http_vs_ceiling"] = round(row["events_per_second"] / row["ceiling_events_per_second"], 2)
    row["meets_target"] = row["events_per_second"] >= TARGETS[backend]
    return row


def dedupe_cost(store: Any, bodies: list[str], requests: int = 16) -> dict[str, float]:
    """Median milliseconds to append one group (``requests`` bodies) to the database as
    the run left it, with and without skipping replays, each rolled back afterwards."""
    from devfunnel.ingest.prepare import prepare
    from devfunnel.ingest.segment import read_batch
    from devfunnel.store.schema.events import events

    encoded = [b.encode() for b in bodies]
    received = datetime.now(UTC)
    parts = [
        read_batch(orjson.loads(body(encoded, n, 9)), received_at=received,
                   max_event_bytes=32768, correct_clock_skew=True).table
        for n in range(requests)
    ]  # fmt: skip
    rows = prepare(pa.concat_tables(parts), source="segment:bench", received_at=received).rows
    timings: dict[str, float] = {}
    for label, key in (("plain", None), ("deduplicated", ("source", "message_id"))):
        samples = []
        for _ in range(7):
            with store.engine.connect() as conn:
                transaction = conn.begin()
                timer = Timer()
                store.append(conn, events, rows, unique_on=key)
                samples.append(timer.seconds)
                transaction.rollback()
        timings[label] = round(1000 * sorted(samples)[3], 1)
    return timings


def ceiling(backend: str, bodies: list[str], batch_size: int, warm: int, requests: int) -> int:
    """Events/s writing the measured run's events in-process: ``prepare`` +
    ``append_events`` in chunks of 10,000, after the warm-up's events (not timed)."""
    from devfunnel.ingest.append import append_events
    from devfunnel.ingest.prepare import prepare
    from devfunnel.ingest.segment import read_batch
    from devfunnel.store import Store, migrate

    encoded = [b.encode() for b in bodies]
    chunk = max(1, 10_000 // batch_size)
    received = datetime.now(UTC)

    def tables(run: int, count: int) -> list[pa.Table]:
        out = []
        for start in range(0, count, chunk):
            parts = [
                read_batch(orjson.loads(body(encoded, n, run)), received_at=received,
                           max_event_bytes=32768, correct_clock_skew=True).table
                for n in range(start, min(count, start + chunk))
            ]  # fmt: skip
            out.append(pa.concat_tables(parts))
        return out

    with (
        tempfile.TemporaryDirectory(prefix="df-ceiling-") as tmp,
        fresh_database(backend, Path(tmp)) as url,
        Store(url) as store,
    ):
        migrate.upgrade(store)
        for table in tables(1, warm):
            append_events(store, prepare(table, source="segment:bench"), source="segment:bench")
        measured = tables(2, requests)
        timer = Timer()
        for table in measured:
            append_events(store, prepare(table, source="segment:bench"), source="segment:bench")
        return round(sum(t.num_rows for t in measured) / timer.seconds)


def describe(row: dict[str, Any]) -> str:
    """One line for a result row, as printed and as the README quotes it."""
    verdict = "meets" if row["meets_target"] else "MISSES"
    return (
        f"ingest_http {row['backend']:<10}: {row['events_per_second']:>7,} events/s "
        f"({row['requests_per_second']:,} requests/s of {row['batch_size']} events, "
        f"{row['bytes_per_request']:,} B; p50 {row['p50_ms']} ms, p99 {row['p99_ms']} ms), "
        f"{verdict} the {row['target']:,} target; ceiling {row['ceiling_events_per_second']:,} "
        f"events/s, http/ceiling {row['http_vs_ceiling']}; server CPU "
        f"{row['server_cpu_us_per_event']} us/event; load generator "
        f"{row['load_generator_cpu_share']} of a core; a 1,600-event append at "
        f"{row['events_stored']:,} events takes {row['dedupe_ms_per_commit']['deduplicated']} ms "
        f"skipping replays, {row['dedupe_ms_per_commit']['plain']} ms not"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ingest_http")
    parser.add_argument("--backends", default="duckdb,postgresql")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured run per backend")
    parser.add_argument(
        "--connections", type=int, default=32, help="keep-alive connections (concurrent clients)"
    )
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--key", help=argparse.SUPPRESS)
    parser.add_argument("--templates", help=argparse.SUPPRESS)
    parser.add_argument("--run", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.load:
        try:
            import uvloop

            uvloop.install()
        except ImportError:
            pass
        print(json.dumps(asyncio.run(_load(args))), flush=True)
        return
    rows = []
    for backend in args.backends.split(","):
        row = measure(backend, args.seconds, args.connections, args.batch_size)
        rows.append(row)
        print(describe(row), flush=True)
    print(f"wrote {write_results('ingest_http', rows, ('backend',))}")


if __name__ == "__main__":
    main()
