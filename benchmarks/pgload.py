"""PostgreSQL under load: processes filing and working complaints at once,
against the library's own save loop on the same server."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import uuid
from typing import Any

from benchmarks.builders import Item, create, environ_for, intake
from ledger.storage.location import parse_location

ACTIONS = ("file", "ack", "note", "respond", "resolve")


def worker(url: str, directory: str, count: int, seed: int) -> dict[str, Any]:
    """One writer: `count` complaints, each filed, acknowledged, noted,
    responded to and resolved; the latency of every command."""
    from ledger.application import ComplaintLedger

    environ = environ_for(directory)
    ledger = ComplaintLedger.open(
        parse_location(url, environ), actor="ann", environ=environ
    )
    latencies = []
    for n in range(count):
        started = time.perf_counter()
        ref = ledger.file(intake(seed * 100_000 + n))["ref"]
        latencies.append(time.perf_counter() - started)
        for step in (
            lambda: ledger.acknowledge(ref),  # noqa: B023 - called at once
            lambda: ledger.note(ref, "called the customer back"),  # noqa: B023
            lambda: ledger.respond(ref, "we raised the pool size"),  # noqa: B023
            lambda: ledger.resolve(ref, "pool size raised to 50"),  # noqa: B023
        ):
            started = time.perf_counter()
            step()
            latencies.append(time.perf_counter() - started)
    ledger.close()
    return {"latencies": latencies}


def library_worker(url: str, count: int) -> dict[str, Any]:
    """One writer of the library alone: the same number of saves, each of one
    new event (an aggregate created, then four more changes to it)."""
    from eventsourcing.application import Application

    app = Application[uuid.UUID](library_settings(url, create=False))
    latencies = []
    for n in range(count):
        started = time.perf_counter()
        created = Item(
            id=uuid.uuid4(), fields=intake(n).fields() | {"received_at": "-"}
        )
        app.save(created)
        latencies.append(time.perf_counter() - started)
        for _ in ACTIONS[1:]:
            started = time.perf_counter()
            created.trigger_event(Item.Event)
            app.save(created)
            latencies.append(time.perf_counter() - started)
    app.close()
    return {"latencies": latencies}


def library_settings(url: str, *, create: bool) -> dict[str, str]:
    """The library's own application on the same server and schema."""
    settings = dict(parse_location(url, {}).settings)
    settings.pop("APPLICATION_RECORDER_TOPIC")  # the library's own recorder
    return {**settings, "CREATE_TABLE": "y" if create else "n"}


def prepare_library(url: str) -> None:
    """Create the library's schema and tables before its writers start."""
    import psycopg
    from eventsourcing.application import Application

    schema = url.rpartition("=")[2]
    with psycopg.connect(url.partition("?")[0], autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    Application[uuid.UUID](library_settings(url, create=True)).close()


def run_writers(code: str, writers: int) -> tuple[float, list[float]]:
    """Start `writers` processes at once; the wall time and every latency."""
    started = time.perf_counter()
    running = [
        subprocess.Popen(
            [sys.executable, "-c", code.format(seed=w)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    outputs = [p.communicate()[0] for p in running]
    seconds = time.perf_counter() - started
    if any(p.returncode for p in running):
        raise RuntimeError("a writer failed")
    latencies = [x for out in outputs for x in json.loads(out)["latencies"]]
    return seconds, latencies


def load(url: str, directory: str, writers: int, count: int) -> dict[str, Any]:
    """The load test: ours, then the library's, on fresh schemas of `url`."""
    ours_url = f"{url}?schema=bench_{uuid.uuid4().hex[:10]}"
    theirs_url = f"{url}?schema=bench_{uuid.uuid4().hex[:10]}"
    ledger = create(directory, ours_url)
    before = ledger.events_after(0)
    ledger.close()
    code = (
        "import json; from benchmarks.pgload import worker; print(json.dumps("
        f"worker({ours_url!r}, {directory!r}, {count}, {{seed}})))"
    )
    seconds, latencies = run_writers(code, writers)
    checks = check_after_load(ours_url, directory, writers * count, before)
    code = (
        "import json; from benchmarks.pgload import library_worker; print(json.dumps("
        f"library_worker({theirs_url!r}, {count})))"
    )
    prepare_library(theirs_url)
    library_seconds, library_latencies = run_writers(code, writers)
    drop_schemas(url, ours_url, theirs_url)
    return {
        "value": len(latencies) / seconds,
        "baseline": len(library_latencies) / library_seconds,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": statistics.quantiles(latencies, n=100)[98] * 1000,
        "library_p50_ms": statistics.median(library_latencies) * 1000,
        "library_p99_ms": statistics.quantiles(library_latencies, n=100)[98] * 1000,
        "commands": len(latencies),
        **checks,
    }


def check_after_load(
    url: str, directory: str, complaints: int, before: int
) -> dict[str, Any]:
    """Zero lost events, gapless references, and a ledger that verifies."""
    from ledger.application import ComplaintLedger

    environ = environ_for(directory)
    ledger = ComplaintLedger.open(
        parse_location(url, environ), actor="ann", environ=environ
    )
    events = ledger.events_after(0) - before
    numbers = ledger.complaint_count()
    verdict = ledger.verify()
    ledger.close()
    # Each complaint: its five commands' events, and the claim of its
    # external id that filing saves with it.
    expected = complaints * (len(ACTIONS) + 1)
    return {
        "lost_events": expected - events,
        "gapless_references": numbers == complaints,
        "verifies": verdict["ok"],
    }


def drop_schemas(url: str, *urls: str) -> None:
    """Remove the load test's schemas."""
    import psycopg

    with psycopg.connect(url.partition("?")[0], autocommit=True) as conn:
        for each in urls:
            conn.execute(f'DROP SCHEMA IF EXISTS "{each.rpartition("=")[2]}" CASCADE')
