"""The SQLite recorder: the library's, with plaint's key and identity tables."""

from __future__ import annotations

import sqlite3
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from ledger.crypto.masterkey import StoredKey
from ledger.evidence.logcheck import LogRow
from ledger.storage.checkpoints import CHECKPOINTS_TABLE
from ledger.storage.tables import (
    KEYS_TABLE,
    META_TABLE,
    LedgerMeta,
    LedgerTables,
)


class SQLiteLedgerRecorder(LedgerTables, SQLiteApplicationRecorder):
    """The library's SQLite recorder, with plaint's key and identity tables."""

    @contextmanager
    def reading(self) -> Iterator[Any]:
        with self.datastore.get_connection(commit=False) as connection:
            yield connection.cursor()

    def select_meta(self) -> LedgerMeta | None:
        try:
            return super().select_meta()
        except sqlite3.DatabaseError as error:
            # SQLite opens any file; one that is not a database holds no ledger.
            if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_NOTADB:
                return None
            raise

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {KEYS_TABLE} (key_id TEXT PRIMARY KEY, "
            "scope TEXT NOT NULL, master_id TEXT NOT NULL, wrapped BLOB NOT NULL, "
            "created_at TEXT NOT NULL)",
            f"CREATE INDEX IF NOT EXISTS {KEYS_TABLE}_scope ON {KEYS_TABLE} (scope)",
            f"CREATE TABLE IF NOT EXISTS {META_TABLE} (singleton INTEGER PRIMARY KEY "
            "CHECK (singleton = 1), ledger_id TEXT NOT NULL, name TEXT NOT NULL, "
            "created_at TEXT NOT NULL, format INTEGER NOT NULL, "
            "verifier_key TEXT NOT NULL)",
            f"CREATE TABLE IF NOT EXISTS {CHECKPOINTS_TABLE} ("
            "size INTEGER PRIMARY KEY, position INTEGER NOT NULL, "
            "root BLOB NOT NULL, frontier BLOB NOT NULL, "
            "note TEXT NOT NULL, created_at TEXT NOT NULL)",
        ]

    def _insert_events(
        self,
        c: SQLiteCursor,
        stored_events: Sequence[StoredEvent],
        *,
        new_keys: Sequence[StoredKey] = (),
        ledger_meta: LedgerMeta | None = None,
        erase_scope: str | None = None,
        **_: Any,
    ) -> Sequence[int] | None:
        self.write_tables(c, new_keys, ledger_meta, erase_scope)
        # One statement for all rows (the library inserts them one by one, a
        # tenth of an import's time). The transaction holds the write lock from
        # the first row, so the rows get consecutive rowids up to the last one.
        c.sqlite_cursor.executemany(
            self.insert_events_statement,
            [
                (_hex(s.originator_id), s.originator_version, s.topic, s.state)
                for s in stored_events
            ],
        )
        c.execute("SELECT last_insert_rowid()")
        last = int(c.fetchone()[0])
        return list(range(last - len(stored_events) + 1, last + 1))

    def log_batches(self, after: int, size: int) -> Generator[list[LogRow], None, None]:
        # One query read as it goes, in one read transaction (so, a snapshot),
        # costs far less per row than a query per batch, and plain tuples less
        # than sqlite3.Row: the library's cursor hands over its sqlite3 cursor.
        with self.datastore.transaction(commit=False) as cursor, cursor as raw:
            raw.row_factory = None
            raw.execute(
                "SELECT rowid, originator_id, originator_version, topic, state "  # noqa: S608
                f"FROM {self.events_table} WHERE rowid > ? ORDER BY rowid",
                (after,),
            )
            while rows := raw.fetchmany(size):
                yield self.plain_rows(rows)

    def lock_keys(self, cursor: Any) -> None:
        # Take the write lock with the transaction's first statement, as
        # BEGIN IMMEDIATE would: only then does SQLite wait (up to the busy
        # timeout) for another writer, as inserting events does. A transaction
        # that reads first holds a snapshot, and its first write fails at once
        # with "database is locked" while anyone else writes.
        cursor.execute(f"UPDATE {self.keys_table} SET scope = scope WHERE 0")  # noqa: S608

    def before_erasing(self, cursor: Any) -> None:
        # Deleted rows' bytes are overwritten with zeros, not left in free pages.
        cursor.execute("PRAGMA secure_delete = ON")

    def after_erasing(self) -> None:
        # Copy the write-ahead log into the database and empty it, so that no
        # earlier frame still holds the deleted key.
        with self.datastore.get_connection(commit=True) as connection:
            connection.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def meta_table_exists(self, cursor: Any) -> bool:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
            (META_TABLE,),
        )
        return cursor.fetchone() is not None


def _hex(originator_id: UUID | str) -> str:
    return originator_id.hex if isinstance(originator_id, UUID) else originator_id
