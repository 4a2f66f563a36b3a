"""The tables beside the event log, and the SQL both backends share.

The recorders (ledger/storage/sqlite.py, ledger/storage/postgres.py) extend the
library's application recorders with tables beside the event log: the wrapped
data keys (so that one can be destroyed), the ledger's identity and its
signed checkpoints.
New data keys are inserted in the same transaction as the first events they
seal, so a key never exists without its events nor an event without its key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent, Subscription

from ledger.crypto.envelope import unsaved_keys
from ledger.crypto.keyring import LEDGER_SCOPE, Keyring
from ledger.crypto.masterkey import MasterKey, StoredKey
from ledger.errors import KeyProblem
from ledger.storage.checkpoints import CheckpointTable, StoredCheckpoint
from ledger.storage.log import LogQueries

KEYS_TABLE = "plaint_keys"
META_TABLE = "plaint_ledger"
FORMAT = 1


@dataclass(frozen=True)
class LedgerMeta:
    """The ledger's identity, readable without any key."""

    ledger_id: UUID
    name: str
    created_at: str
    verifier_key: str

    @property
    def origin(self) -> str:
        """The ledger's name and id, as checkpoints name their log."""
        return f"{self.name}/{self.ledger_id}"


class LedgerTables(CheckpointTable, LogQueries):
    """The key and identity tables, written in the event transaction; the SQL
    differs between backends only in its placeholder and table names."""

    keys_table = KEYS_TABLE
    meta_table = META_TABLE
    keyring: Keyring
    datastore: Any
    create_table: Callable[[], None]
    max_notification_id: Callable[[], Any]
    subscribe: Callable[..., Subscription[Any]]

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        new_keys: Sequence[StoredKey] | None = None,
        **kwargs: Any,
    ) -> Sequence[int] | None:
        """The library's insert, with the events' new data keys (and, to erase,
        the deletion of one complaint's keys) in the same transaction. The new
        keys are found in the keyring unless given (sealed elsewhere)."""
        keys = (
            unsaved_keys(self.keyring, stored_events)
            if new_keys is None
            else list(new_keys)
        )
        library: Any = super()
        ids: Sequence[int] | None = library.insert_events(
            stored_events, new_keys=keys, **kwargs
        )
        self.keyring.saved(keys)
        if kwargs.get("erase_scope") is not None:
            self.after_erasing()
        return ids

    def write_tables(
        self,
        cursor: Any,
        keys: Sequence[StoredKey],
        meta: LedgerMeta | None,
        erase_scope: str | None = None,
    ) -> None:
        """Insert new keys (and, when a ledger is created, its identity); with
        `erase_scope`, destroy that scope's keys, in the events' transaction."""
        p = self.param
        self._insert_keys(cursor, keys)
        if keys:
            # Checked after the insert, which waits for a rotation in progress:
            # a key wrapped by a master key rotated away meanwhile is refused.
            with self.query_cursor(cursor) as query:
                query.execute(
                    f"SELECT master_id FROM {self.keys_table} "  # noqa: S608
                    f"WHERE scope = {p} LIMIT 1",
                    (LEDGER_SCOPE,),
                )
                master_id = query.fetchone()["master_id"]
            if master_id != keys[0].master_id:
                raise KeyProblem(
                    "the master key was rotated while this command ran; nothing "
                    "was recorded, run it again"
                )
        if erase_scope is not None:
            self.before_erasing(cursor)
            cursor.execute(
                f"DELETE FROM {self.keys_table} WHERE scope = {p}",  # noqa: S608
                (erase_scope,),
            )
        if meta is not None:
            self._insert_meta(cursor, meta)

    def query_cursor(self, cursor: Any) -> AbstractContextManager[Any]:
        """A cursor for a query whose rows are read in the middle of the event
        transaction: the writing cursor itself, unless the backend needs one of
        the same transaction's own."""
        return nullcontext(cursor)

    def copy_in(
        self,
        meta: LedgerMeta,
        keys: Sequence[StoredKey],
        checkpoints: Sequence[StoredCheckpoint],
    ) -> None:
        """Write another ledger's identity, data keys and checkpoints as they are
        stored (for copying a ledger between databases)."""
        with self.datastore.transaction(commit=True) as cursor:
            self._insert_meta(cursor, meta)
            self._insert_keys(cursor, keys)
        for checkpoint in checkpoints:
            self.insert_checkpoint(checkpoint)

    def _insert_keys(self, cursor: Any, keys: Sequence[StoredKey]) -> None:
        p = self.param
        if not keys:
            return
        cursor.executemany(
            f"INSERT INTO {self.keys_table} "  # noqa: S608 - names are constants
            f"(key_id, scope, master_id, wrapped, created_at) "
            f"VALUES ({p}, {p}, {p}, {p}, {p})",
            [
                (k.key_id.hex, k.scope, k.master_id, k.wrapped, k.created_at)
                for k in keys
            ],
        )

    def _insert_meta(self, cursor: Any, meta: LedgerMeta) -> None:
        p = self.param
        cursor.execute(
            f"INSERT INTO {self.meta_table} "  # noqa: S608
            f"(singleton, ledger_id, name, created_at, format, verifier_key) "
            f"VALUES (1, {p}, {p}, {p}, {p}, {p})",
            (
                meta.ledger_id.hex,
                meta.name,
                meta.created_at,
                FORMAT,
                meta.verifier_key,
            ),
        )

    @contextmanager
    def numbering(self) -> Iterator[None]:
        """Hold the ledger's numbering lock while a complaint number is chosen
        and saved, so that concurrent filers queue instead of colliding. On
        SQLite the write lock already orders writers, and a collision is
        simply retried."""
        yield

    def before_erasing(self, cursor: Any) -> None:
        """Prepare to delete key rows so that they leave no copy behind."""

    def after_erasing(self) -> None:
        """Clear what the database may still hold of deleted key rows."""

    def rewrap(self, old: MasterKey, new: MasterKey) -> int:
        """Re-wrap every data key from `old` to `new` in one transaction; the
        data keys and the events they seal stay as they are."""
        p = self.param
        with self.datastore.transaction(commit=True) as cursor:
            self.lock_keys(cursor)
            cursor.execute(self.key_query("1 = 1"))
            stored = [self.key_from_row(row) for row in cursor.fetchall()]
            for key in stored:
                data_key = old.unwrap(key)
                cursor.execute(
                    f"UPDATE {self.keys_table} SET wrapped = {p}, master_id = {p} "  # noqa: S608
                    f"WHERE key_id = {p}",
                    (
                        new.wrap(key.key_id, key.scope, data_key),
                        new.key_id,
                        key.key_id.hex,
                    ),
                )
        return len(stored)

    def lock_keys(self, cursor: Any) -> None:
        """Keep writers from adding keys until this transaction ends."""

    def all_keys(self) -> list[StoredKey]:
        """Every stored data key, newest first."""
        with self.reading() as cursor:
            cursor.execute(self.key_query("1 = 1"))
            return [self.key_from_row(row) for row in cursor.fetchall()]

    def select_key(self, key_id: UUID) -> StoredKey | None:
        """The stored data key with this id."""
        return next(iter(self.select_keys([key_id])), None)

    def select_keys(self, key_ids: Sequence[UUID]) -> list[StoredKey]:
        """The stored data keys with these ids, in one query."""
        if not key_ids:
            return []
        marks = ", ".join(self.param for _ in key_ids)
        with self.reading() as cursor:
            cursor.execute(
                self.key_query(f"key_id IN ({marks})"), [k.hex for k in key_ids]
            )
            return [self.key_from_row(row) for row in cursor.fetchall()]

    def wrapped_keys(self, key_ids: Sequence[bytes]) -> dict[bytes, tuple[str, bytes]]:
        """The scope and wrapped bytes of the stored data keys with these ids
        (16 bytes each), in one query, as plain values: verify checks every
        complaint's key."""
        if not key_ids:
            return {}
        marks = ", ".join(self.param for _ in key_ids)
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT key_id, scope, wrapped FROM {self.keys_table} "  # noqa: S608
                f"WHERE key_id IN ({marks})",
                [k.hex() for k in key_ids],
            )
            return {
                bytes.fromhex(row["key_id"]): (row["scope"], bytes(row["wrapped"]))
                for row in cursor.fetchall()
            }

    def select_scope_key(self, scope: str) -> StoredKey | None:
        """The newest stored data key of a scope."""
        return self._select_one_key(f"scope = {self.param}", scope)

    def _select_one_key(self, where: str, value: str) -> StoredKey | None:
        with self.reading() as cursor:
            cursor.execute(self.key_query(where) + " LIMIT 1", (value,))
            row = cursor.fetchone()
        return None if row is None else self.key_from_row(row)

    def select_meta(self) -> LedgerMeta | None:
        """The ledger's identity, or None when this database holds no ledger."""
        with self.reading() as cursor:
            if not self.meta_table_exists(cursor):
                return None
            cursor.execute(
                "SELECT ledger_id, name, created_at, verifier_key "  # noqa: S608
                f"FROM {self.meta_table}"
            )
            return self.meta_from_row(cursor.fetchone())

    def master_ids(self) -> dict[str, int]:
        """How many data keys each master key wraps."""
        with self.reading() as cursor:
            cursor.execute(
                f"SELECT master_id, COUNT(*) AS n FROM {self.keys_table} "  # noqa: S608
                "GROUP BY master_id"
            )
            return {row["master_id"]: row["n"] for row in cursor.fetchall()}

    def meta_table_exists(self, cursor: Any) -> bool:
        """Whether the identity table exists (not every database is a ledger)."""
        raise NotImplementedError

    def key_query(self, where: str) -> str:
        """Select stored keys matching `where`, newest first."""
        return (
            f"SELECT key_id, scope, master_id, wrapped, created_at "  # noqa: S608
            f"FROM {self.keys_table} WHERE {where} ORDER BY created_at DESC"
        )

    @staticmethod
    def key_from_row(row: Any) -> StoredKey:
        """A stored key from a database row."""
        return StoredKey(
            key_id=UUID(row["key_id"]),
            scope=row["scope"],
            master_id=row["master_id"],
            wrapped=bytes(row["wrapped"]),
            created_at=row["created_at"],
        )

    @staticmethod
    def meta_from_row(row: Any) -> LedgerMeta | None:
        """The ledger's identity from a database row."""
        if row is None:
            return None
        return LedgerMeta(
            UUID(row["ledger_id"]), row["name"], row["created_at"], row["verifier_key"]
        )
