"""Keeping views current: read the log after each view's position, in batches.

The SQLite recorder cannot be subscribed to, so every backend catches up the
same way: `select_notifications` after the lowest position, a batch at a time,
each batch's changes and new positions committed together. When the views are
current this costs two small queries.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime
from functools import lru_cache
from threading import Timer
from time import monotonic, sleep
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, Notification
from eventsourcing.sqlite import SQLiteDatastore

from projections.store import (
    TRACKING_PREFIX,
    SQLiteViewStore,
    ViewSQL,
    tracking_name,
)
from projections.views import VIEWS, Change, View

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

BATCH_SIZE = 10_000
POLL_SECONDS = 1.0
Progress = Callable[[int], None]


def open_store(ledger: ComplaintLedger) -> ViewSQL:
    """The views of `ledger`, in its own database; their tables are created
    the first time."""
    datastore: Any = ledger.tables.datastore
    store: ViewSQL
    if ledger.location.backend == "postgresql":
        from projections.pgstore import PostgresViewStore

        store = PostgresViewStore(datastore)
    else:
        store = SQLiteViewStore(datastore)
    positions = store.positions() if store.tracking_exists() else {}
    if not positions or 0 in positions.values():
        # A new ledger, or a view added by a newer plaint: create what is missing
        # (tolerating another process that creates them at the same moment).
        with suppress(IntegrityError):
            store.create_table()
    return store


def memory_store() -> ViewSQL:
    """Empty views in a private in-memory database, for views as of a past time."""
    store = SQLiteViewStore(SQLiteDatastore(":memory:"))
    store.create_table()
    return store


@lru_cache(maxsize=256)  # a log holds few topics, each met again and again
def aggregate_of(topic: str) -> str:
    """The aggregate class a stored event's topic names (`module:Class.Event`):
    `Complaint`, `Team`, `Policy`, `Access`."""
    return topic.rpartition(":")[2].partition(".")[0]


@contextmanager
def cycles_uncollected() -> Iterator[None]:
    """Pause the cycle collector. A batch keeps tens of thousands of rows
    alive until it is written; the collector would walk them again and again
    (a fifth of a rebuild's time), yet they hold no cycles: reference counting
    frees them all."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@cycles_uncollected()
def catch_up(
    ledger: ComplaintLedger,
    store: ViewSQL,
    *,
    views: Sequence[View] = VIEWS,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
    until: datetime | None = None,
) -> int:
    """Bring `views` up to the end of the log; return how many events were read.
    With `until`, events recorded after that time are left out (views as the
    ledger stood then; only for a store of its own, see `memory_store`).

    When another process advanced a position first, its work stands and this
    one reads the positions again and goes on from there."""
    read = 0
    positions = store.positions(views)
    readers: dict[str, list[tuple[View, str]]] = {}
    for view in views:
        readers.setdefault(view.aggregate, []).append((view, tracking_name(view)))
    while True:
        start = min(positions.values())
        batch = ledger.log_rows(start, batch_size)
        if not batch:
            return read
        changes: list[Change] = []
        for position, originator, version, topic, state in batch:
            behind = [
                view
                for view, name in readers.get(aggregate_of(topic), ())
                if positions[name] < position
            ]
            if not behind:
                continue  # no view reads it (or has yet to): leave it sealed
            event: Any = ledger.decode_metadata(
                Notification(UUID(bytes=originator), version, topic, state, position)
            )
            if until is not None and event.timestamp > until:
                continue
            for view in behind:
                changes += view.process_event(event)
        last = batch[-1][0]
        advanced = {name: last for name, at in positions.items() if at < last}
        try:
            store.apply(changes, advanced)
        except IntegrityError:
            positions = store.positions(views)
            continue
        positions.update(advanced)
        read += len(batch)
        if progress is not None:
            progress(len(batch))


def follow(
    ledger: ComplaintLedger,
    store: ViewSQL,
    *,
    seconds: float | None = None,
    applied: Progress | None = None,
) -> int:
    """Keep the views current as events arrive, for `seconds` or until stopped;
    return how many events were applied. PostgreSQL notifies new events
    (LISTEN/NOTIFY, through the library's subscription); SQLite is polled."""
    total = catch_up(ledger, store)
    deadline = None if seconds is None else monotonic() + seconds

    def apply() -> None:
        nonlocal total
        done = catch_up(ledger, store)
        total += done
        if done and applied is not None:
            applied(done)

    if ledger.location.backend != "postgresql":
        while deadline is None or monotonic() < deadline:
            sleep(POLL_SECONDS)
            apply()
        return total
    after = min(store.positions().values())
    with ledger.recorder.subscribe(gt=after) as subscription:
        if seconds is not None:
            Timer(seconds, subscription.stop).start()
        for _notification in subscription:
            apply()
    return total


def lag(ledger: ComplaintLedger, store: ViewSQL) -> dict[str, dict[str, int]]:
    """Each view's position and how many events it is behind."""
    return {
        name.removeprefix(TRACKING_PREFIX): {
            "position": position,
            "lag": ledger.events_after(position),
        }
        for name, position in store.positions().items()
    }
