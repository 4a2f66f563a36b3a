"""Ledgers to measure: plaint's own, and the library's equivalent as baseline."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

from ledger.application import ComplaintLedger
from ledger.domain.intake import Intake
from ledger.sources.records import Record
from ledger.storage.location import parse_location

CHANNELS = ("email", "phone", "web", "chat", "meeting")
SEVERITIES = ("positive", "mild", "moderate", "severe")
START = datetime(2026, 1, 1, tzinfo=UTC)


def environ_for(directory: str) -> dict[str, str]:
    """An environment whose keys and data stay inside `directory`."""
    root = Path(directory)
    return {
        **os.environ,
        "XDG_CONFIG_HOME": str(root / "config"),
        "XDG_DATA_HOME": str(root / "data"),
        "PLAINT_KEY_FILE": str(root / "ledger.key"),
    }


def ledger_path(directory: str) -> str:
    """Where a benchmark's SQLite ledger is."""
    return str(Path(directory) / "ledger.sqlite")


def intake(n: int, *, external: bool = True) -> Intake:
    """The n-th synthetic complaint, of a realistic size; with `external`, it
    carries an external id (as imported records do), which files a claim too."""
    return Intake(
        project=f"Project {n % 7}",
        channel=CHANNELS[n % len(CHANNELS)],
        severity=SEVERITIES[n % len(SEVERITIES)],
        summary=f"The invoice portal times out for batch {n}",
        detail="Every morning since Monday the portal stops answering. " * 4,
        customer=f"Customer {n}",
        contact=f"customer{n}@example.org",
        # Seven minutes apart, within the 300 days after START: a time
        # received may not lie in the future.
        received_at=START + timedelta(minutes=7 * n % (300 * 24 * 60)),
        external_id=f"EXT-{n}" if external else None,
    )


def records(start: int, count: int) -> Iterator[Record]:
    """Synthetic import records."""
    for n in range(start, start + count):
        yield Record(where=f"line {n + 2}", intake=intake(n))


def create(
    directory: str, location: str | None = None, *, policy: bool = True
) -> ComplaintLedger:
    """A new ledger (with a policy), its key inside `directory`."""
    environ = environ_for(directory)
    place = parse_location(location or ledger_path(directory), environ)
    ledger = ComplaintLedger.create(place, admin="ann", environ=environ)
    if policy:
        deadlines = {"ack": 86400, "respond": 172800, "resolve": 604800}
        ledger.set_policy("*", "*", deadlines)
    return ledger


def open_ledger(directory: str) -> ComplaintLedger:
    """The benchmark's ledger in `directory`, opened again."""
    environ = environ_for(directory)
    place = parse_location(ledger_path(directory), environ)
    return ComplaintLedger.open(place, actor="ann", environ=environ)


def build_ours(directory: str, complaints: int) -> dict[str, Any]:
    """A ledger of `complaints` imported complaints (two events each)."""
    ledger = create(directory)
    ledger.import_records(lambda: records(0, complaints), workers=True)
    ledger.checkpoint()
    events = ledger.events_after(0)
    ledger.close()
    return {"events": events}


class Item(Aggregate):
    """The library baseline's aggregate: the same fields as a filed complaint."""

    @event("Created")
    def __init__(self, id: UUID, fields: dict[str, Any]) -> None:
        self.fields = fields


class Baseline(Application[UUID]):
    """The eventsourcing library on its own."""


def library_app(directory: str, key: str | None) -> Baseline:
    """The library's application on a SQLite file; with `key`, encrypted by
    its own AES cipher (from `cryptography`, as plaint uses)."""
    env = {
        "PERSISTENCE_MODULE": "eventsourcing.sqlite",
        "SQLITE_DBNAME": str(Path(directory) / "library.sqlite"),
    }
    if key is not None:
        env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
        env["CIPHER_KEY"] = key
    return Baseline(env)


def new_key() -> str:
    """A key for the library's cipher."""
    return base64.b64encode(os.urandom(32)).decode()


def item(filed: Intake) -> Item:
    """The library's counterpart of a complaint filed."""
    return Item(
        id=uuid4(), fields={**filed.fields(), "received_at": str(filed.received_at)}
    )


def build_library(directory: str, events: int, key: str) -> dict[str, Any]:
    """A library ledger of `events` encrypted events, saved 100 at a time."""
    app = library_app(directory, key)
    for start in range(0, events, 100):
        app.save(*(item(intake(n)) for n in range(start, min(start + 100, events))))
    app.close()
    return {"events": events}
