"""The PostgreSQL recorder's key table writes in the library's pipelined event
transaction, with the server's answers arriving late, as they do when a
batch's statements outrun a busy or just restarted server."""

from __future__ import annotations

import select
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from uuid import uuid4

import pytest
from eventsourcing.postgres import PostgresDatastore

from ledger.crypto.keyring import LEDGER_SCOPE
from ledger.crypto.masterkey import StoredKey
from ledger.errors import KeyProblem
from ledger.storage.postgres import PostgresLedgerRecorder
from tests.conftest import Plaint


class LateAnswers(PostgresLedgerRecorder):
    """Has the server send the key INSERTs' results, and waits until they
    are in, before anything else is sent: as happens by itself when they
    fill the server's output buffer while the client runs ahead."""

    def _insert_keys(self, cursor: Any, keys: Sequence[StoredKey]) -> None:
        super()._insert_keys(cursor, keys)
        pgconn = cursor.connection.pgconn
        pgconn.send_flush_request()
        pgconn.flush()
        select.select([pgconn.socket], [], [], 5)


@contextmanager
def late_answers(ledger_url: str) -> Iterator[LateAnswers]:
    url, _, schema = ledger_url.partition("?schema=")
    parts = urlsplit(url)
    datastore = PostgresDatastore(
        dbname=parts.path.lstrip("/"),
        host=parts.hostname or "",
        port=str(parts.port or 5432),
        user=parts.username or "postgres",
        password=parts.password or "",
        schema=schema,
    )
    try:
        yield LateAnswers(datastore, events_table_name="plaint_events")
    finally:
        datastore.close()


def write_keys(recorder: LateAnswers, master_id: str) -> None:
    """Write three new data keys as the library's insert_events() does: in
    a transaction in pipeline mode (rolled back here)."""
    keys = [
        StoredKey(uuid4(), f"complaint-{n}", master_id, b"wrapped", "2026-03-01")
        for n in range(3)
    ]
    with (
        recorder.datastore.get_connection() as conn,
        conn.pipeline(),
        conn.transaction(force_rollback=True),
        conn.cursor() as cursor,
    ):
        recorder.write_tables(cursor, keys, None)


def test_new_keys_are_written_when_the_server_answers_late(
    postgres_ledger: str, environ: dict[str, str], tmp_path: Path
) -> None:
    Plaint(postgres_ledger, environ, tmp_path).ok("init", "--admin", "ann")
    with late_answers(postgres_ledger) as recorder:
        [ledger_key] = recorder.all_keys()
        assert ledger_key.scope == LEDGER_SCOPE
        write_keys(recorder, ledger_key.master_id)
        # The master key check read the key table, not a late INSERT result.
        with pytest.raises(KeyProblem, match="the master key was rotated"):
            write_keys(recorder, "a master key rotated away")
