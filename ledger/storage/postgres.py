"""The PostgreSQL recorder: the library's, with plaint's key and identity tables.

Imported only when a ledger location is a `postgresql://` URL, because the
PostgreSQL driver is slow to import.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, cast
from uuid import UUID

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore
from psycopg import Cursor
from psycopg.rows import DictRow
from psycopg.sql import SQL, Identifier

from ledger.crypto.masterkey import StoredKey
from ledger.evidence.logcheck import LogRow
from ledger.storage.checkpoints import CHECKPOINTS_TABLE
from ledger.storage.tables import (
    KEYS_TABLE,
    META_TABLE,
    LedgerMeta,
    LedgerTables,
)

# The driver's and the library's log records (a pool retrying a connection,
# say) are not for plaint's users, who get every failure as one `Error:` line;
# without a handler Python would print them. A program that configures logging
# still receives them.
for _logger in ("psycopg", "eventsourcing"):
    logging.getLogger(_logger).addHandler(logging.NullHandler())


class PostgresLedgerRecorder(LedgerTables, PostgresApplicationRecorder):
    """The library's PostgreSQL recorder, with plaint's key and identity tables."""

    param = "%s"
    notification_column = "notification_id"

    def reading(self) -> AbstractContextManager[Any]:
        return cast(AbstractContextManager[Any], self.datastore.cursor())

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.keys_table = f'"{self.datastore.schema}".{KEYS_TABLE}'
        self.meta_table = f'"{self.datastore.schema}".{META_TABLE}'
        self.checkpoints_table = f'"{self.datastore.schema}".{CHECKPOINTS_TABLE}'
        self.events_table = f'"{self.datastore.schema}".{events_table_name}'
        self.sql_create_statements += [
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} (key_id text PRIMARY KEY, "
                "scope text NOT NULL, master_id text NOT NULL, wrapped bytea NOT NULL, "
                "created_at text NOT NULL)"
            ).format(schema=schema, table=Identifier(KEYS_TABLE)),
            SQL(
                "CREATE INDEX IF NOT EXISTS {index} ON {schema}.{table} (scope)"
            ).format(
                index=Identifier(KEYS_TABLE + "_scope"),
                schema=schema,
                table=Identifier(KEYS_TABLE),
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "singleton integer PRIMARY KEY CHECK (singleton = 1), "
                "ledger_id text NOT NULL, name text NOT NULL, "
                "created_at text NOT NULL, format integer NOT NULL, "
                "verifier_key text NOT NULL)"
            ).format(schema=schema, table=Identifier(META_TABLE)),
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "size bigint PRIMARY KEY, position bigint NOT NULL, "
                "root bytea NOT NULL, frontier bytea NOT NULL, "
                "note text NOT NULL, created_at text NOT NULL)"
            ).format(schema=schema, table=Identifier(CHECKPOINTS_TABLE)),
        ]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as curs:
            curs.execute(
                SQL("CREATE SCHEMA IF NOT EXISTS {schema}").format(
                    schema=Identifier(self.datastore.schema)
                )
            )
        super().create_table()

    def _insert_events(
        self,
        curs: Cursor[DictRow],
        stored_events: Sequence[StoredEvent],
        *,
        new_keys: Sequence[StoredKey] = (),
        ledger_meta: LedgerMeta | None = None,
        erase_scope: str | None = None,
        **kwargs: Any,
    ) -> None:
        self.write_tables(curs, new_keys, ledger_meta, erase_scope)
        super()._insert_events(curs, stored_events, **kwargs)

    def query_cursor(self, cursor: Any) -> AbstractContextManager[Any]:
        # The library's insert_events() runs the event transaction in psycopg's
        # pipeline mode, where each result is handed to the cursor that sent
        # its statement whenever it comes in, even after that cursor has sent
        # another. The server sends results as its 8 KB output buffer fills,
        # so when a batch's key INSERTs (an import's 1,000) outrun it, as on a
        # busy or just restarted server, some can come in while a SELECT sent
        # next on the same cursor goes out: psycopg then holds an INSERT's
        # result as the SELECT's, and fetchone() fails with "the last operation
        # didn't produce records (command status: INSERT 0 1)". A cursor of
        # the same connection, so of the same transaction, that sent nothing
        # else only ever receives its own statement's result.
        return cast(AbstractContextManager[Any], cursor.connection.cursor())

    @staticmethod
    def originator_bytes(stored: Any) -> bytes:
        return bytes(stored.bytes)

    @staticmethod
    def plain_rows(rows: list[Any]) -> list[LogRow]:
        return [
            (row["id"], row["originator_id"].bytes, row["originator_version"],
             row["topic"], bytes(row["state"]))
            for row in rows
        ]  # fmt: skip

    @staticmethod
    def originator_param(originator_id: UUID) -> Any:
        return originator_id

    @contextmanager
    def numbering(self) -> Iterator[None]:
        # A session advisory lock on a connection of its own (autocommit, so
        # it is not left idle in a transaction), keyed by the ledger's schema.
        name = f"plaint numbering {self.datastore.schema}".encode()
        key = int.from_bytes(hashlib.sha256(name).digest()[:8], "big", signed=True)
        with self.datastore.get_connection() as connection:
            connection.autocommit = True
            try:
                connection.execute("SELECT pg_advisory_lock(%s)", (key,))
                try:
                    yield
                finally:
                    connection.execute("SELECT pg_advisory_unlock(%s)", (key,))
            finally:
                connection.autocommit = False

    def lock_keys(self, cursor: Any) -> None:
        cursor.execute(f"LOCK TABLE {self.keys_table} IN EXCLUSIVE MODE")

    def after_erasing(self) -> None:
        # Deleted rows stay in the table's pages as dead tuples until VACUUM;
        # vacuum the key table now (backups and replicas keep their copies).
        with self.datastore.get_connection() as connection:
            connection.autocommit = True
            try:
                connection.execute(f"VACUUM {self.keys_table}")
            finally:
                connection.autocommit = False

    def meta_table_exists(self, cursor: Any) -> bool:
        cursor.execute("SELECT to_regclass(%s) AS t", (self.meta_table,))
        found = cursor.fetchone()
        return found is not None and found["t"] is not None
