"""The service's working state: sessions, idempotency keys, rate counters
and the nonces single sign-on has used.

They live in tables of the ledger's own database, made on first use, so
that several `plaint serve` processes sharing a PostgreSQL ledger share them
(and a restarted server forgets no one). They are not events: a session's
last use or a counter's tick is nothing the ledger must prove, and would
flood the log; what must be proved (sign-in, sign-out, tokens) is an event.
Secrets are kept as sha256 digests only; a rate counter's bucket (which
names a client address or a member) as its keyed digest, under a key
derived from the ledger's, and forgotten a day after its window starts;
times are seconds since the epoch.
"""

# ruff: noqa: S608 - the SQL names constant tables; every value is a parameter

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import PersistenceError

from ledger.errors import StorageFailure
from ledger.storage.tables import LedgerTables

SESSIONS = "plaint_sessions"
IDEMPOTENCY = "plaint_idempotency"
COUNTERS = "plaint_counters"
NONCES = "plaint_nonces"
# Customer links and the outbox's sending state (ledger/storage/mailstate.py).
LINKS = "plaint_links"
SENDING = "plaint_sending"
# Finished idempotency records are kept this long (seconds) for retries.
KEEP_RESULTS = 24 * 3600
PRUNE_EVERY = 60
# Rate counters are forgotten this long (seconds) after their window
# started: no window is longer.
KEEP_COUNTERS = 24 * 3600

_TABLES = {
    SESSIONS: "digest TEXT PRIMARY KEY, member TEXT NOT NULL, proof TEXT NOT NULL, "
    "joined TEXT NOT NULL, created REAL NOT NULL, seen REAL NOT NULL",
    IDEMPOTENCY: "member TEXT NOT NULL, key TEXT NOT NULL, request TEXT NOT NULL, "
    "created REAL NOT NULL, status INTEGER, body BLOB, PRIMARY KEY (member, key)",
    COUNTERS: "bucket TEXT PRIMARY KEY, started REAL NOT NULL, hits INTEGER NOT NULL",
    NONCES: "digest TEXT PRIMARY KEY, expires REAL NOT NULL",
    LINKS: "digest TEXT PRIMARY KEY, complaint TEXT NOT NULL, purpose TEXT NOT NULL, "
    "expires REAL NOT NULL, seal TEXT NOT NULL, used REAL",
    SENDING: "message TEXT PRIMARY KEY, attempts INTEGER NOT NULL, "
    "next_at REAL NOT NULL, claimed_until REAL NOT NULL, error TEXT",
}
_POSTGRES_TYPES = {"REAL": "double precision", "BLOB": "bytea"}


@dataclass(frozen=True)
class Session:
    """A session as stored: whose, how they proved it, when the member had
    joined the team (a member removed and added again is not the same), and
    when it was opened and last used."""

    member: str
    proof: str
    joined: str
    created: float
    seen: float


@dataclass(frozen=True)
class Answer:
    """The answer to a request with an idempotency key, and the digest of
    the request it answered."""

    request: str
    status: int
    body: bytes


def _session(row: Any) -> Session:
    return Session(
        row["member"],
        row["proof"],
        row["joined"],
        float(row["created"]),
        float(row["seen"]),
    )


class ServiceState:
    """The working-state tables of one ledger's database."""

    def __init__(self, tables: LedgerTables, counter_key: Callable[[], bytes]) -> None:
        """`counter_key` gives the key of counters' bucket names (derived
        from the ledger's key, so asked for only when a counter is used)."""
        self.datastore = tables.datastore
        self.p = tables.param
        self.schema: str | None = getattr(self.datastore, "schema", None)
        self._made = False
        self._pruned = 0.0
        self._counters_pruned = 0.0
        self._counter_key = counter_key
        self._key: bytes | None = None

    def _name(self, table: str) -> str:
        return table if self.schema is None else f'"{self.schema}".{table}'

    def run(
        self,
        sql: str,
        params: tuple[Any, ...] = (),
        *,
        rows: bool = False,
        lazy: bool = False,
    ) -> list[Any]:
        """Run one statement in a transaction of its own; with `rows`, the
        rows it returns. Tables are named `{sessions}`, `{links}`…

        A `lazy` write is committed without waiting for the disk: it is
        durable with the next commit that waits (the database's log is
        written in order) and survives the server's process dying, but not
        the machine losing power before that commit. Only for what the
        service can do without after a power loss (a kept answer, which the
        request's saved events can make again)."""
        try:
            if not self._made:
                self._make_tables()
            if lazy:
                return self._lazily(sql.format(**self._names()), params)
            with self.datastore.transaction(commit=True) as cursor:
                cursor.execute(sql.format(**self._names()), params)
                return list(cursor.fetchall()) if rows else []
        except PersistenceError as error:
            raise StorageFailure(f"the ledger's database failed: {error}") from None

    def _lazily(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        if self.schema is not None:
            # PostgreSQL: this transaction alone commits asynchronously.
            with self.datastore.transaction(commit=True) as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(sql, params)
            return []
        # SQLite in WAL mode: NORMAL syncs at checkpoints and with the next
        # FULL commit, not at this one; the connection goes back to the pool
        # as it was.
        with self.datastore.get_connection(commit=True) as connection:
            setting = connection.cursor()
            setting.execute("PRAGMA synchronous")
            was = int(setting.fetchone()[0])
            setting.execute("PRAGMA synchronous = NORMAL")
            try:
                with connection.transaction(commit=True) as cursor:
                    cursor.execute(sql, params)
            finally:
                setting.execute(f"PRAGMA synchronous = {was}")
        return []

    def _names(self) -> dict[str, str]:
        return {
            "sessions": self._name(SESSIONS),
            "idempotency": self._name(IDEMPOTENCY),
            "counters": self._name(COUNTERS),
            "nonces": self._name(NONCES),
            "links": self._name(LINKS),
            "sending": self._name(SENDING),
        }

    def _make_tables(self) -> None:
        for table, columns in _TABLES.items():
            if self.schema is not None:
                for sqlite, postgres in _POSTGRES_TYPES.items():
                    columns = columns.replace(f" {sqlite}", f" {postgres}")
            statement = f"CREATE TABLE IF NOT EXISTS {self._name(table)} ({columns})"
            try:
                with self.datastore.transaction(commit=True) as cursor:
                    cursor.execute(statement)
            except PersistenceError:
                # Two servers creating the same table at once: PostgreSQL
                # lets one of them fail; the table is there either way.
                with self.datastore.transaction(commit=True) as cursor:
                    cursor.execute(statement)
        self._made = True

    # Sessions.

    def open_session(self, digest: str, session: Session, older: float) -> None:
        """Keep a new session; forget those last used before `older`."""
        p = self.p
        self.run(f"DELETE FROM {{sessions}} WHERE seen < {p}", (older,))
        self.run(
            "INSERT INTO {sessions} (digest, member, proof, joined, created, seen) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            (digest, session.member, session.proof, session.joined,
             session.created, session.seen),
        )  # fmt: skip

    def session(self, digest: str) -> Session | None:
        """The session of this digest, if kept."""
        rows = self.run(
            "SELECT member, proof, joined, created, seen FROM {sessions} "
            f"WHERE digest = {self.p}",
            (digest,),
            rows=True,
        )
        return None if not rows else _session(rows[0])

    def touch_session(self, digest: str, now: float) -> None:
        """Note that the session was used now."""
        p = self.p
        self.run(
            f"UPDATE {{sessions}} SET seen = {p} WHERE digest = {p}", (now, digest)
        )

    def end_session(self, digest: str) -> Session | None:
        """Forget the session; what it was, if it was kept."""
        rows = self.run(
            f"DELETE FROM {{sessions}} WHERE digest = {self.p} "
            "RETURNING member, proof, joined, created, seen",
            (digest,),
            rows=True,
        )
        return None if not rows else _session(rows[0])

    # Rate counters: hits in a fixed window that starts with the first hit.

    def _bucket(self, name: str) -> str:
        """A bucket's name as kept: its keyed digest, since a name holds a
        client's address or a member's name."""
        if self._key is None:
            self._key = self._counter_key()
        text = name.encode("utf-8", "surrogatepass")
        return hmac.new(self._key, text, hashlib.sha256).hexdigest()

    def hit(self, bucket: str, now: float, window: float) -> tuple[int, float]:
        """Count a hit; the hits in the bucket's window so far, and when it
        started. Once a minute, buckets whose window started over a day ago
        are forgotten (no window is longer)."""
        assert window <= KEEP_COUNTERS, "a counter's window is at most a day"
        p = self.p
        if now - self._counters_pruned > PRUNE_EVERY:
            self._counters_pruned = now
            self.run(
                f"DELETE FROM {{counters}} WHERE started < {p}",
                (now - KEEP_COUNTERS,),
            )
        bucket = self._bucket(bucket)
        rows = self.run(
            "INSERT INTO {counters} AS c (bucket, started, hits) "
            f"VALUES ({p}, {p}, 1) ON CONFLICT (bucket) DO UPDATE SET "
            f"hits = CASE WHEN c.started <= {p} THEN 1 ELSE c.hits + 1 END, "
            f"started = CASE WHEN c.started <= {p} THEN {p} ELSE c.started END "
            "RETURNING hits, started",
            (bucket, now, now - window, now - window, now),
            rows=True,
        )
        return int(rows[0]["hits"]), float(rows[0]["started"])

    def hits(self, bucket: str, now: float, window: float) -> tuple[int, float]:
        """The hits in the bucket's current window (none if it has passed)."""
        rows = self.run(
            f"SELECT hits, started FROM {{counters}} WHERE bucket = {self.p}",
            (self._bucket(bucket),),
            rows=True,
        )
        if not rows or float(rows[0]["started"]) <= now - window:
            return 0, now
        return int(rows[0]["hits"]), float(rows[0]["started"])

    def clear(self, bucket: str) -> None:
        """Start the bucket's count again."""
        self.run(
            f"DELETE FROM {{counters}} WHERE bucket = {self.p}",
            (self._bucket(bucket),),
        )

    # Idempotency keys.

    def answer(self, member: str, key: str) -> Answer | None:
        """The answer kept for the member's request with `key`, if any."""
        p = self.p
        rows = self.run(
            "SELECT request, status, body FROM {idempotency} "
            f"WHERE member = {p} AND key = {p}",
            (member, key),
            rows=True,
        )
        if not rows or rows[0]["status"] is None:
            return None
        row = rows[0]
        return Answer(row["request"], int(row["status"]), bytes(row["body"]))

    def keep(self, member: str, key: str, answer: Answer, now: float) -> None:
        """Keep the answer to the member's request with `key` (the first one
        kept stays); forget, once a minute, those older than a day."""
        p = self.p
        if now - self._pruned > PRUNE_EVERY:
            self._pruned = now
            self.run(
                f"DELETE FROM {{idempotency}} WHERE created < {p}",
                (now - KEEP_RESULTS,),
            )
        self.run(
            "INSERT INTO {idempotency} (member, key, request, created, status, body) "
            f"VALUES ({p}, {p}, {p}, {p}, {p}, {p}) "
            "ON CONFLICT (member, key) DO NOTHING",
            (member, key, answer.request, now, answer.status, answer.body),
            # Lost with a power cut, the answer is made again from the
            # events the request saved (ledger/cases/requests.py).
            lazy=True,
        )

    # Single sign-on's nonces.

    def use_nonce(self, digest: str, expires: float, now: float) -> bool:
        """Keep a nonce's digest until `expires`; whether it was new (the
        primary key decides, so two servers cannot both use it). Nonces
        past their time are forgotten first: their tokens are refused anyway."""
        p = self.p
        self.run(f"DELETE FROM {{nonces}} WHERE expires < {p}", (now,))
        rows = self.run(
            f"INSERT INTO {{nonces}} (digest, expires) VALUES ({p}, {p}) "
            "ON CONFLICT (digest) DO NOTHING RETURNING digest",
            (digest, expires),
            rows=True,
        )
        return bool(rows)
