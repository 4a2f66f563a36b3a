"""What a save takes from the request it runs in, per thread or task: who
acts (`Acting`), and the keyed request it records with its events
(`PendingRequest`). On the CLI there is one of each per process; `plaint
serve` runs many requests at once on one ledger, each in its own context.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from ledger.domain.identity import Identity

if TYPE_CHECKING:
    from ledger.domain.requests import RequestClaim


class Acting:
    """Who acts: the identity of the `acting` block around the call, or the
    one claimed when the ledger was opened."""

    def __init__(self, claimed: Identity) -> None:
        self.claimed = claimed
        self._current: ContextVar[Identity | None] = ContextVar(
            f"plaint-identity-{id(self)}", default=None
        )

    @property
    def identity(self) -> Identity:
        """Who acts now, here."""
        return self._current.get() or self.claimed

    @contextmanager
    def acting(self, identity: Identity) -> Iterator[None]:
        """Act as `identity` inside the block (this thread or task only)."""
        token = self._current.set(identity)
        try:
            yield
        finally:
            self._current.reset(token)


class PendingRequest:
    """The keyed request the next save records, inside `requested`."""

    def __init__(self) -> None:
        self._pending: ContextVar[list[tuple[UUID, str]] | None] = ContextVar(
            f"plaint-request-{id(self)}", default=None
        )

    @contextmanager
    def requested(self, key: UUID, digest: str) -> Iterator[None]:
        """Inside the block, the next save also records the request `key` (a
        `RequestClaim`, see ledger/cases/requests.py) in its transaction."""
        token = self._pending.set([(key, digest)])
        try:
            yield
        finally:
            self._pending.reset(token)

    def claims(
        self, saved: list[UUID], actor: str, clock: Callable[[], datetime]
    ) -> list[RequestClaim]:
        """The claim to save with the aggregates `saved`, if a request is
        pending here (none, or it was recorded already)."""
        pending = self._pending.get()
        if not pending:
            return []
        # Imported here: `file` does not need the class (start-up time).
        from ledger.domain.requests import RequestClaim

        ((key, digest),) = pending
        claim = RequestClaim(
            id=key,
            digest=digest,
            saved=[str(each) for each in saved],
            actor=actor,
            timestamp=clock(),
        )
        return [claim]

    def recorded(self) -> None:
        """The claim was saved: a second save in the block is not the request."""
        if (pending := self._pending.get()) is not None:
            pending.clear()
