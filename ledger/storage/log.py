"""Reading the event log: the one reader, and the SQL it reads with.

Everything that streams the log reads it through `LogReader`: catch-up, verify,
checkpoints, proofs, the key report and copying a ledger. It hands out plain
rows (`LogRow`), batch by batch, the fastest way to read a million events; the
library's notifications made of them where an event must be opened; and the
log followed as it grows.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from threading import Timer
from time import monotonic, sleep
from typing import Any, Protocol, TypeVar
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent, Subscription

from ledger.errors import IntegrityFailure
from ledger.evidence.logcheck import LogRow

T = TypeVar("T")
# Rows `LogReader.notifications` reads at once.
LOG_BATCH = 1000
# Rows a batch of `LogReader.batches` holds unless the caller says: verify,
# checkpoints and proofs hash a batch at a time (tests vary it: no verdict may
# depend on it).
VERIFY_BATCH = 256
# SQLite cannot be subscribed to: a follower looks for new events this often.
POLL_SECONDS = 1.0


def notification_of(row: LogRow) -> Notification:
    """A row of the log as the library's notification, to open or name it."""
    notification_id, originator, version, topic, state = row
    return Notification(
        id=notification_id,
        originator_id=UUID(bytes=originator),
        originator_version=version,
        topic=topic,
        state=state,
    )


class LogQueries:
    """The recorder's queries of the events table, as plain values; the SQL
    differs between backends only in its placeholder, table and column names."""

    param = "?"
    events_table = "stored_events"
    notification_column = "rowid"

    # A cursor for one statement that only reads, in autocommit: the
    # library's read transaction (BEGIN, the statement, ROLLBACK) costs SQLite
    # three statements and PostgreSQL three round trips.
    reading: Callable[[], AbstractContextManager[Any]]

    def log_rows(self, after: int, limit: int) -> list[LogRow]:
        """Up to `limit` stored events after notification id `after`, as plain
        columns: the fastest way to read the log where no event needs decoding."""
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT {self.notification_column} AS id, originator_id, "  # noqa: S608
                "originator_version, topic, state "
                f"FROM {self.events_table} WHERE {self.notification_column} > "
                f"{self.param} ORDER BY {self.notification_column} LIMIT {self.param}",
                (after, limit),
            )
            return self.plain_rows(cursor.fetchall())

    def log_batches(self, after: int, size: int) -> Generator[list[LogRow], None, None]:
        """The stored events after notification id `after`, as `log_rows`
        gives them, in batches of up to `size`."""
        while batch := self.log_rows(after, size):
            yield batch
            after = batch[-1][0]

    def recorded(self, originator_ids: Sequence[UUID]) -> set[UUID]:
        """Which of these aggregates have events in the log (one query)."""
        if not originator_ids:
            return set()
        marks = ", ".join(self.param for _ in originator_ids)
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT DISTINCT originator_id FROM {self.events_table} "  # noqa: S608
                f"WHERE originator_id IN ({marks})",
                [self.originator_param(i) for i in originator_ids],
            )
            return {
                UUID(bytes=self.originator_bytes(row["originator_id"]))
                for row in cursor.fetchall()
            }

    def events_since(self, versions: Mapping[UUID, int]) -> list[StoredEvent]:
        """The events of several records after the given versions, in one
        query, each record's in version order."""
        p = self.param
        where = " OR ".join(
            f"(originator_id = {p} AND originator_version > {p})" for _ in versions
        )
        params = [x for i, v in versions.items() for x in (self.originator_param(i), v)]
        with self.reading() as cursor:
            cursor.execute(
                "SELECT originator_id, originator_version, topic, state "  # noqa: S608
                f"FROM {self.events_table} WHERE {where} ORDER BY originator_version",
                params,
            )
            return [
                StoredEvent(
                    originator_id=UUID(
                        bytes=self.originator_bytes(row["originator_id"])
                    ),
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in cursor.fetchall()
            ]

    def last_version(self, originator: bytes, position: int) -> int:
        """A record's last version at or before notification id `position`
        (0 when it had none)."""
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT MAX(originator_version) AS v FROM {self.events_table} "  # noqa: S608
                f"WHERE originator_id = {self.param} "
                f"AND {self.notification_column} <= {self.param}",
                (self.originator_param(UUID(bytes=originator)), position),
            )
            return int(cursor.fetchone()["v"] or 0)

    def count_events_after(self, position: int) -> int:
        """How many events have a notification id above `position`."""
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT COUNT(*) AS n FROM {self.events_table} "  # noqa: S608
                f"WHERE {self.notification_column} > {self.param}",
                (position,),
            )
            return int(cursor.fetchone()["n"])

    @staticmethod
    def originator_param(originator_id: UUID) -> Any:
        """An originator id as a query parameter (SQLite keeps hex text)."""
        return originator_id.hex

    @staticmethod
    def plain_rows(rows: list[Any]) -> list[LogRow]:
        """Rows of `log_rows`' query as plain tuples (SQLite's unpack in
        column order, the quickest way to convert a million)."""
        return [(i, bytes.fromhex(o), v, t, s) for i, o, v, t, s in rows]

    @staticmethod
    def originator_bytes(stored: Any) -> bytes:
        """An originator id as the database returns it, as 16 bytes (SQLite
        keeps it as hex text)."""
        return bytes.fromhex(stored)


class LogSource(Protocol):
    """What the reader reads from: the recorder, with its log queries."""

    def log_rows(self, after: int, limit: int) -> list[LogRow]: ...

    def log_batches(
        self, after: int, size: int
    ) -> Generator[list[LogRow], None, None]: ...

    def count_events_after(self, position: int) -> int: ...

    def max_notification_id(self) -> Any: ...

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[Any]: ...


class Guard(Protocol):
    """Runs a storage operation, the library's errors made the ledger's."""

    def __call__(self, operation: Callable[[], T]) -> T: ...


class LogReader:
    """The one reader of a ledger's event log: plain rows in batches, the
    library's notifications where events must be opened, and the log followed
    as it grows. Storage errors come out as the ledger's (`guard`)."""

    def __init__(self, source: LogSource, guard: Guard, *, subscribes: bool) -> None:
        self.source = source
        self.guard = guard
        self.subscribes = subscribes

    def rows(self, after: int, limit: int) -> list[LogRow]:
        """Up to `limit` events after notification id `after`, one query."""
        try:
            return self.guard(partial(self.source.log_rows, after, limit))
        except ValueError as error:  # a row that does not even parse
            raise _malformed(after, error) from None

    def batches(self, after: int, size: int | None = None) -> Iterator[list[LogRow]]:
        """The events after notification id `after`, in batches of up to
        `size` (VERIFY_BATCH unless given; on SQLite, one query read as it
        goes, in one snapshot)."""
        batches = self.source.log_batches(after, size or VERIFY_BATCH)
        try:
            while batch := self.guard(partial(next, batches, [])):
                yield batch
        finally:
            # Left unfinished (a check that failed), the query ends now, and
            # its connection goes back to the pool.
            self.guard(batches.close)

    def notifications(
        self, after: int, until: int | None = None
    ) -> Iterator[Notification]:
        """The events after notification id `after` (up to `until`), as the
        library's notifications, read in batches."""
        while True:
            batch = self.rows(after, LOG_BATCH)
            for row in batch:
                if until is not None and row[0] > until:
                    return
                yield notification_of(row)
            if len(batch) < LOG_BATCH:
                return
            after = batch[-1][0]

    def count_after(self, position: int) -> int:
        """How many events the log holds after notification id `position`."""
        return self.guard(partial(self.source.count_events_after, position))

    def head(self) -> int:
        """The notification id of the last event in the log (0 when empty)."""
        return int(self.guard(self.source.max_notification_id) or 0)

    @contextmanager
    def following(
        self, after: int, seconds: float | None
    ) -> Iterator[Iterator[object]]:
        """Within the block, an iterator that gives an item whenever events may
        have been added after notification id `after`, for `seconds` or until
        stopped. PostgreSQL notifies new events (LISTEN/NOTIFY, through the
        library's subscription, listening from the block's start); SQLite is
        polled every POLL_SECONDS."""
        if not self.subscribes:
            yield _polls(None if seconds is None else monotonic() + seconds)
            return
        with self.source.subscribe(gt=after) as subscription:
            # A daemon, cancelled on the way out: stopped early (Ctrl-C), the
            # process ends at once rather than when the time is up.
            timer = Timer(seconds or 0, subscription.stop)
            timer.daemon = True
            if seconds is not None:
                timer.start()
            try:
                yield iter(subscription)
            finally:
                timer.cancel()


def _polls(deadline: float | None) -> Iterator[None]:
    while deadline is None or monotonic() < deadline:
        sleep(POLL_SECONDS)
        yield None


def _malformed(after: int, error: ValueError) -> IntegrityFailure:
    return IntegrityFailure(
        f"the event log after event {after} holds a malformed row ({error}); "
        "the ledger was tampered with"
    )
