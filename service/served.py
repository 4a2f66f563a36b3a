"""The one ledger a server process holds, and the lock its use cases take.

Endpoints are plain `def`s, which FastAPI runs in its thread pool, so several
requests run at once; but a `ComplaintLedger` keeps the team, the policy,
numbers it used and derived ids in memory, and those caches are not
thread-safe. So every use case on it runs under one process-wide lock, as the
identity the request proved (`ledger.acting`, a ContextVar: this thread only).
Several processes (on PostgreSQL, several machines) each hold their own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from ledger.domain.identity import Identity
from ledger.domain.timeutil import Clock, system_clock

if TYPE_CHECKING:
    from fastapi import Request

    from ledger.application import ComplaintLedger
    from ledger.storage.location import Location
    from projections.store import ViewSQL

T = TypeVar("T")
# Whom the ledger's own identity names when no request is acting: nobody may
# act as it, since every use case runs inside `acting`.
NOBODY = "plaint-serve"


class Served:
    """The process's ledger (opened when first used), its views and its lock."""

    def __init__(
        self,
        location: Location,
        environ: Mapping[str, str],
        clock: Clock = system_clock,
        public_url: str | None = None,
        secure: bool = True,
        log_public: bool = True,
    ) -> None:
        self.location = location
        self.environ = dict(environ)
        self.clock = clock
        self.public_url = public_url
        # Cookies need TLS but on a loopback address, where browsers refuse
        # `Secure` and `__Host-` cookies over plain http.
        self.secure = secure
        # Whether anyone may read the log's checkpoint and hash tiles.
        self.log_public = log_public
        self.lock = threading.Lock()
        self._ledger: ComplaintLedger | None = None
        self._store: ViewSQL | None = None

    @property
    def ledger(self) -> ComplaintLedger:
        """The ledger, opened with its keys the first time (under the lock)."""
        if self._ledger is None:
            from ledger.application import ComplaintLedger

            self._ledger = ComplaintLedger.open(
                self.location, actor=NOBODY, environ=self.environ, clock=self.clock
            )
        return self._ledger

    def now(self) -> datetime:
        """The time by the ledger's clock."""
        return self.clock()

    @contextmanager
    def acting(self, identity: Identity) -> Iterator[ComplaintLedger]:
        """The ledger, for this thread alone, acting as `identity`."""
        with self.lock:
            ledger = self.ledger
            with ledger.acting(identity):
                yield ledger

    def run(self, identity: Identity, case: Callable[[ComplaintLedger], T]) -> T:
        """`case` on the ledger as `identity`."""
        with self.acting(identity) as ledger:
            return case(ledger)

    def unsigned(self, case: Callable[[ComplaintLedger], T]) -> T:
        """`case` on the ledger before anyone is known: signing in, and
        finding whom a session or token belongs to."""
        with self.lock:
            return case(self.ledger)

    def views(self) -> ViewSQL:
        """The views, caught up with the log (call under `acting`)."""
        from projections.catchup import catch_up, open_store

        if self._store is None:
            self._store = open_store(self.ledger)
        catch_up(self.ledger, self._store)
        return self._store

    def close(self) -> None:
        """Close the ledger, if it was opened."""
        with self.lock:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None
                self._store = None


def served(request: Request) -> Served:
    """The process's ledger, as the app holds it."""
    found: Served = request.app.state.served
    return found
