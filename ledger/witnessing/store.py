"""A witness's memory: per log origin and log key, the latest checkpoint it
cosigned (size, root, and the note with its cosignature), in a SQLite file
of its own. Checking a request against it and keeping the new head happen
in one write transaction, so two requests cannot both advance from one head."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger.evidence.merkle import EMPTY_ROOT

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS heads (origin TEXT NOT NULL, log_key TEXT NOT NULL, "
    "size INTEGER NOT NULL, root BLOB NOT NULL, note TEXT NOT NULL, "
    "updated REAL NOT NULL, PRIMARY KEY (origin, log_key))"
)


@dataclass(frozen=True)
class Held:
    """The head a witness holds for a log (size 0, the empty tree, at first)."""

    size: int
    root: bytes
    note: str | None = None


class WitnessStore:
    """The witness's SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA busy_timeout = 5000")
        self._db.execute(SCHEMA)

    @contextmanager
    def advancing(self, origin: str, log_key: str) -> Iterator[Advance]:
        """The head held for the log, in a write transaction that keeps the
        head the block `advance`s to (nothing, if the block raises)."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                advance = Advance(self.held(origin, log_key))
                yield advance
                if advance.new is not None:
                    new, now = advance.new, advance.at
                    self._db.execute(
                        "INSERT INTO heads "
                        "(origin, log_key, size, root, note, updated) "
                        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (origin, log_key) DO "
                        "UPDATE SET size = excluded.size, root = excluded.root, "
                        "note = excluded.note, updated = excluded.updated",
                        (origin, log_key, new.size, new.root, new.note, now),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def held(self, origin: str, log_key: str) -> Held:
        """The head held for the log."""
        row = self._db.execute(
            "SELECT size, root, note FROM heads WHERE origin = ? AND log_key = ?",
            (origin, log_key),
        ).fetchone()
        if row is None:
            return Held(0, EMPTY_ROOT)
        return Held(row[0], bytes(row[1]), row[2])

    def latest_note(self, origin: str) -> str | None:
        """The cosigned note of the largest head held for `origin`."""
        with self._lock:
            row = self._db.execute(
                "SELECT note FROM heads WHERE origin = ? ORDER BY size DESC LIMIT 1",
                (origin,),
            ).fetchone()
        return None if row is None else str(row[0])

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._db.close()


@dataclass
class Advance:
    """The head held, and the one to keep instead (set by `to`)."""

    held: Held
    new: Held | None = None
    at: float = 0.0

    def to(self, new: Held, at: float) -> None:
        """Keep `new` as the log's head when the transaction ends."""
        self.new, self.at = new, at
