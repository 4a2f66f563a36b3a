"""Keeping views current: read the log after each view's position, in batches.

The SQLite recorder cannot be subscribed to, so every backend catches up the
same way: the log after the lowest position, a batch at a time (read in parts),
each batch's changes and new positions committed together. When the views are
current this costs two small queries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from eventsourcing.persistence import IntegrityError
from eventsourcing.sqlite import SQLiteDatastore

from ledger.bulk.collector import cycles_uncollected
from ledger.evidence.logcheck import LogRow
from ledger.storage.log import notification_of
from projections.changes import Change
from projections.store import (
    TRACKING_PREFIX,
    SQLiteViewStore,
    Statements,
    ViewSQL,
    tracking_name,
)
from projections.views import VIEWS, View

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

# Events per transaction: a large rebuild writes each index page about once
# per transaction, so fewer, larger ones write much less. They are read a
# part at a time, and held as statements until written.
BATCH_SIZE = 50_000
# A catch-up of at least this many events (a rebuild, a first use of a large
# ledger, a big import) has the database re-read the views' statistics, so
# that its planner picks the indexes a page's query is written for.
ANALYZE_AFTER = 20_000
READ_SIZE = 10_000
Progress = Callable[[int], None]


def open_store(ledger: ComplaintLedger) -> ViewSQL:
    """The views of `ledger`, in its own database; their tables are created
    the first time."""
    datastore: Any = ledger.database
    store: ViewSQL
    if ledger.location.backend == "postgresql":
        from projections.pgstore import PostgresViewStore

        store = PostgresViewStore(datastore)
    else:
        store = SQLiteViewStore(datastore)
    positions = store.positions() if store.tracking_exists() else {}
    if not positions or 0 in positions.values() or store.indexes_missing():
        # A new ledger, or a view or index added by a newer plaint: create what
        # is missing (tolerating another process that creates them at the same
        # moment).
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
        last = min(positions.values())
        statements = Statements()
        count = 0
        while count < batch_size:
            rows = ledger.log_reader.rows(last, min(READ_SIZE, batch_size - count))
            if not rows:
                break
            changes = _changes(ledger, rows, readers, positions, until)
            store.gather(changes, statements)
            count, last = count + len(rows), rows[-1][0]
        if not count:
            if read >= ANALYZE_AFTER:
                store.analyze(views)
            return read
        advanced = {name: last for name, at in positions.items() if at < last}
        try:
            store.apply(statements, advanced)
        except IntegrityError:
            positions = store.positions(views)
            continue
        positions.update(advanced)
        read += count
        if progress is not None:
            progress(count)


def _changes(
    ledger: ComplaintLedger,
    rows: list[LogRow],
    readers: dict[str, list[tuple[View, str]]],
    positions: dict[str, int],
    until: datetime | None,
) -> Iterator[Change]:
    """The changes the views make of the events in `rows` they have yet to
    process; events no view needs stay sealed."""
    for row in rows:
        behind = [
            view
            for view, name in readers.get(aggregate_of(row[3]), ())
            if positions[name] < row[0]
        ]
        if not behind:
            continue
        event: Any = ledger.decode_metadata(notification_of(row))
        if until is not None and event.timestamp > until:
            continue
        for view in behind:
            yield from view.process_event(event)


def follow(
    ledger: ComplaintLedger,
    store: ViewSQL,
    *,
    seconds: float | None = None,
    applied: Progress | None = None,
    ready: Callable[[], None] | None = None,
) -> int:
    """Keep the views current as events arrive, for `seconds` or until stopped;
    return how many events were applied. PostgreSQL notifies new events
    (LISTEN/NOTIFY, through the library's subscription); SQLite is polled.
    `ready` is called once the views have caught up and every later event
    will be applied (and reported to `applied`)."""
    total = catch_up(ledger, store)

    def apply() -> None:
        nonlocal total
        done = catch_up(ledger, store)
        total += done
        if done and applied is not None:
            applied(done)

    after = min(store.positions().values())
    with ledger.log_reader.following(after, seconds) as arrivals:
        if ready is not None:
            ready()
        for _arrival in arrivals:
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
