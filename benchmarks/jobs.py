"""The jobs: each measures one thing plaint does against its baseline."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.builders import (
    build_library,
    build_ours,
    create,
    environ_for,
    intake,
    item,
    ledger_path,
    library_app,
    new_key,
    records,
)
from benchmarks.measure import rate, timed, wall_ms

PLAINT = [sys.executable, "-c", "from commands import main; main()"]
SOURCES = ("ledger", "commands", "projections")


def compile_sources() -> None:
    """Byte-compile plaint's modules, as installing a package does, so that
    the process timings measure running plaint, not compiling it (a source
    checkout under PYTHONDONTWRITEBYTECODE never keeps its bytecode)."""
    import compileall

    root = Path(__file__).parent.parent
    for package in SOURCES:
        compileall.compile_dir(root / package, quiet=1)


def file_process(directory: str, runs: int) -> dict[str, Any]:
    """`plaint file` as a whole process, against importing what it needs."""
    compile_sources()
    ledger = create(directory)
    ledger.close()
    env = environ_for(directory)
    command = [
        *PLAINT,
        "--ledger",
        ledger_path(directory),
        "--as",
        "ann",
        "file",
        "--project",
        "Apollo",
        "--channel",
        "email",
        "--severity",
        "mild",
        "--summary",
        "Portal times out",
        "--customer",
        "Jo",
    ]
    baseline = [
        sys.executable,
        "-c",
        "import eventsourcing.application, "
        "eventsourcing.sqlite, click, jinja2, cryptography",
    ]
    return {
        "value": wall_ms(command, runs, env),
        "baseline": wall_ms(baseline, runs, env),
    }


def help_process(directory: str, runs: int) -> dict[str, Any]:
    """`plaint --help`, against starting Python."""
    compile_sources()
    env = environ_for(directory)
    return {
        "value": wall_ms([*PLAINT, "--help"], runs, env),
        "baseline": wall_ms([sys.executable, "-c", "pass"], runs, env),
    }


def append(directory: str, count: int) -> dict[str, Any]:
    """Filing one complaint at a time, against the library saving one
    encrypted aggregate at a time: the same events, one per complaint (as
    filed at the terminal, without an external id to claim)."""
    ledger = create(directory)
    filed = [intake(n, external=False) for n in range(count)]
    ours = timed(lambda: [ledger.file(each) for each in filed])
    ledger.close()
    app = library_app(directory, new_key())
    theirs = timed(lambda: [app.save(item(each)) for each in filed])
    app.close()
    return {"value": rate(count, ours), "baseline": rate(count, theirs)}


def calendar_filing(directory: str, count: int) -> dict[str, Any]:
    """Filing on a business-hours calendar (deadlines in working time, public
    holidays looked up), against filing with the same policy around the
    clock, in turns of 20 in the same run so that both see the same load."""
    plain = create(f"{directory}/plain")
    office = create(f"{directory}/office")
    office.set_calendar(
        "office", "Europe/Berlin", "mon-fri 09:00-12:00,13:00-17:30", "DE-BY"
    )
    office.set_policy("*", "*", {"calendar": "office"})
    filed = [intake(n, external=False) for n in range(count)]
    ours = theirs = 0.0
    for start in range(0, count, 20):
        turn = filed[start : start + 20]
        theirs += timed(lambda turn=turn: [plain.file(each) for each in turn])
        ours += timed(lambda turn=turn: [office.file(each) for each in turn])
    plain.close()
    office.close()
    return {"value": rate(count, ours), "baseline": rate(count, theirs)}


def bulk_import(directory: str, complaints: int, rounds: int = 1) -> dict[str, Any]:
    """Importing, in events per second (a complaint and its claim each), against
    the library saving batches of 100 aggregates without encryption; each the
    best of `rounds` on fresh ledgers, since one commit's sync can swing a
    short run by a fifth."""
    from ledger.bulk.workers import worker_count
    from ledger.cases.importing import WORKERS_FROM

    best: dict[str, Any] = {"value": 0.0, "baseline": 0.0}
    for round_ in range(rounds):
        done = _import_round(str(Path(directory) / str(round_)), complaints)
        best = {**done, **{k: max(best[k], done[k]) for k in ("value", "baseline")}}
    # The worker processes the import started (ImportCases.import_records).
    best["workers"] = worker_count() if complaints >= WORKERS_FROM else 0
    return best


def _import_round(directory: str, complaints: int) -> dict[str, Any]:
    ledger = create(directory)
    before = ledger.events_after(0)
    ours = timed(
        lambda: ledger.import_records(lambda: records(0, complaints), workers=True)
    )
    events = ledger.events_after(0) - before
    ledger.close()
    app = library_app(directory, None)

    def library() -> None:
        for start in range(0, events, 100):
            stop = min(start + 100, events)
            app.save(*(item(intake(n)) for n in range(start, stop)))

    theirs = timed(library)
    app.close()
    return {
        "value": rate(events, ours),
        "baseline": rate(events, theirs),
        "events": events,
    }


def build(directory: str, complaints: int, library_events: int) -> dict[str, Any]:
    """The large ledgers the read-side jobs use (built once per run)."""
    started = time.perf_counter()
    ours = build_ours(directory, complaints)
    key = new_key()
    build_library(directory, library_events, key)
    return {**ours, "key": key, "seconds": time.perf_counter() - started}


def rebuild(directory: str) -> dict[str, Any]:
    """Replaying the whole log into empty views (run in a child of its own)."""
    from ledger.application import ComplaintLedger
    from ledger.storage.location import parse_location
    from projections.catchup import catch_up, open_store
    from projections.views import VIEWS

    environ = environ_for(directory)
    ledger = ComplaintLedger.open(
        parse_location(ledger_path(directory), environ), actor="ann", environ=environ
    )
    store = open_store(ledger)
    store.reset(VIEWS)
    started = time.perf_counter()
    events = catch_up(ledger, store)
    seconds = time.perf_counter() - started
    ledger.close()
    return {"events": events, "seconds": seconds}


def library_read(directory: str, key: str) -> dict[str, Any]:
    """The baseline of rebuilding: reading and decoding every event of the
    library's own encrypted ledger (run in a child of its own)."""
    app = library_app(directory, key)
    started, after, events = time.perf_counter(), 0, 0
    while batch := app.recorder.select_notifications(
        start=after, limit=1000, inclusive_of_start=False
    ):
        for notification in batch:
            app.mapper.to_domain_event(notification)
        events += len(batch)
        after = batch[-1].id
    seconds = time.perf_counter() - started
    app.close()
    return {"events": events, "seconds": seconds}


def verify(directory: str) -> dict[str, Any]:
    """`verify` over the whole log (run in a child of its own)."""
    from ledger.application import ComplaintLedger
    from ledger.storage.location import parse_location

    environ = environ_for(directory)
    ledger = ComplaintLedger.open(
        parse_location(ledger_path(directory), environ), actor="ann", environ=environ
    )
    started = time.perf_counter()
    verdict = ledger.verify()
    seconds = time.perf_counter() - started
    ledger.close()
    assert verdict["ok"], verdict
    return {"events": verdict["events"], "seconds": seconds}


def verify_incremental(
    directory: str, start: int, complaints: int, rounds: int = 1
) -> dict[str, Any]:
    """Importing `complaints` more (two events each) after the last checkpoint,
    then `verify --incremental` over just those, the fastest of `rounds` (run
    in a child of its own)."""
    from ledger.application import ComplaintLedger
    from ledger.crypto.keyfiles import signing_key_file
    from ledger.storage.location import parse_location

    environ = environ_for(directory)
    ledger = ComplaintLedger.open(
        parse_location(ledger_path(directory), environ), actor="ann", environ=environ
    )
    verifier = ledger.info()["verifier_key"]
    latest = ledger.latest_checkpoint()
    # As on a machine without the signing key (an auditor's, given the
    # verifier key): the import signs no checkpoint of its own, so all its
    # events are new to the incremental check.
    signing = signing_key_file(ledger.ledger_id, environ)
    aside = signing.rename(signing.with_name(signing.name + ".aside"))
    try:
        ledger.import_records(lambda: records(start, complaints))
        added = ledger.events_after(0) - (latest["size"] if latest else 0)
        best = float("inf")
        for _ in range(rounds):  # it only reads: the same check can be timed again
            started = time.perf_counter()
            verdict = ledger.verify(incremental=True, verifier_key=verifier)
            best = min(best, time.perf_counter() - started)
            assert verdict["ok"], verdict
    finally:
        aside.rename(signing)
    ledger.close()
    return {"events": added, "seconds": best}


def hash_rows(directory: str) -> dict[str, Any]:
    """The baseline of verifying: reading the same rows and hashing each with
    hashlib alone (run in a child of its own)."""
    import hashlib
    import sqlite3

    started = time.perf_counter()
    db = sqlite3.connect(ledger_path(directory))
    digest, events = hashlib.sha256, 0
    for originator, version, topic, state in db.execute(
        "SELECT originator_id, originator_version, topic, state FROM stored_events "
        "ORDER BY rowid"
    ):
        digest(
            b"\x00"
            + originator.encode()
            + version.to_bytes(8, "big")
            + topic.encode()
            + state
        ).digest()
        events += 1
    db.close()
    return {"events": events, "seconds": time.perf_counter() - started}


def lessons(directory: str, complaints: int) -> dict[str, Any]:
    """The lessons report of a realistic ledger, from catching up to HTML."""
    from click.testing import CliRunner

    from commands import cli
    from commands.base import Session
    from commands.sample import generate
    from ledger.domain.timeutil import ManualClock
    from projections.catchup import catch_up, open_store

    ledger = create(directory, policy=False)
    clock = ManualClock(time_now())
    ledger.clock = clock
    generated = generate(ledger, clock, complaints=complaints, seed=7)
    catch_up(ledger, open_store(ledger))
    ledger.close()
    output = Path(directory) / "lessons.html"
    arguments = [
        "--ledger",
        ledger_path(directory),
        "--as",
        "ann",
        "report",
        "lessons",
        "--project",
        "Hermes",
        "-o",
        str(output),
    ]
    session = Session(environ=environ_for(directory))
    started = time.perf_counter()
    result = CliRunner().invoke(cli, arguments, obj=session)
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return {"seconds": seconds, "complaints": generated["complaints"]}


def time_now() -> Any:
    """Now, to the minute (the sample generator works back from it)."""
    from datetime import UTC, datetime

    return datetime.now(UTC).replace(second=0, microsecond=0)
