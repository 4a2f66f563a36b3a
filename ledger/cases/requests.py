"""Use cases every service request may pass through: answering a retried
request once (idempotency keys) and rate limits.

Two records make a keyed request happen once. A `RequestClaim` aggregate is
saved in the same transaction as the request's events
(`LedgerBase.save`), so whether the request happened is never in doubt,
on any server: a retry finds it and is answered from what was saved, and of
identical requests arriving at once only one can save (the others' saves
conflict on the claim). Then the answer is kept in the ledger database's
working state (ledger/storage/state.py), so a retry gets the very same
answer; when the server died before keeping it, the answer is made again
from the complaint the request saved, as it now stands.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from ipaddress import IPv6Address, ip_address, ip_network
from math import ceil
from typing import Any
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.cases.common import CaseBase
from ledger.crypto.credentials import same
from ledger.domain.complaint import Complaint
from ledger.domain.plain import complaint_view
from ledger.domain.requests import RequestClaim
from ledger.errors import ConcurrencyConflict, InvalidInput, Throttled, UnknownReference
from ledger.storage.state import Answer

MAX_KEY = 255

Reply = tuple[int, bytes]


class RequestCases(CaseBase):
    """Idempotency keys and rate limits."""

    def idempotent(
        self,
        key: str,
        request_digest: str,
        run: Callable[[], Reply],
        replay: Callable[[list[UUID]], Reply],
    ) -> Reply:
        """The answer (status, body) to the acting member's request with `key`:
        `run` gives it the first time, and it is kept; a retry with the same
        key and request gets the kept answer and records nothing; the same key
        with another request is refused. When the first request saved events
        but its answer was not kept, `replay` answers from the ids of the
        aggregates it saved. An answer of 500 or more is not kept."""
        if not 1 <= len(key) <= MAX_KEY or not (key.isascii() and key.isprintable()):
            raise InvalidInput(
                f"an Idempotency-Key is 1 to {MAX_KEY} printable ASCII characters"
            )
        member = self.actor
        kept = self.state.answer(member, key)
        if kept is not None:
            if not same(kept.request, request_digest):
                raise _reused(key)
            return kept.status, kept.body
        status, body = self._once(member, key, request_digest, run, replay)
        if status < 500:
            answer = Answer(request_digest, status, body)
            self.state.keep(member, key, answer, self._now())
        return status, body

    def _once(
        self,
        member: str,
        key: str,
        digest: str,
        run: Callable[[], Reply],
        replay: Callable[[list[UUID]], Reply],
    ) -> Reply:
        claim_id = self._derived_id(f"request\x00{member}\x00{key}")
        saved = self._saved_by(claim_id, key, digest)
        if saved is not None:
            return replay(saved)
        try:
            with self.pending_request.requested(claim_id, digest):
                return run()
        except (RecordConflictError, ConcurrencyConflict):
            # Another server, taking the key over, saved the request first.
            saved = self._saved_by(claim_id, key, digest)
            if saved is None:
                raise
            return replay(saved)

    def _saved_by(self, claim_id: UUID, key: str, digest: str) -> list[UUID] | None:
        """The aggregates the request saved, None if it saved nothing."""
        try:
            claim = self._get(RequestClaim, claim_id, f"request {key}")
        except UnknownReference:
            return None
        if claim.digest != digest:
            raise _reused(key)
        return [UUID(saved) for saved in claim.saved]

    def complaint_saved(self, saved: list[UUID]) -> dict[str, Any]:
        """The complaint a request saved (`replay`'s argument), as it stands:
        for the adapter to answer as the request's endpoint would."""
        for aggregate_id in saved:
            found = self._translated(partial(self.repository.get, aggregate_id), "")
            if isinstance(found, Complaint):
                return complaint_view(found)
        raise UnknownReference("the request saved no complaint")

    def throttle(self, bucket: str, limit: int, window: timedelta) -> None:
        """Count one hit on `bucket`; `Throttled` past `limit` hits in `window`."""
        seconds = window.total_seconds()
        now = self._now()
        hits, started = self.state.hit(bucket, now, seconds)
        if hits > limit:
            wait = max(1, ceil(started + seconds - now))
            raise Throttled(f"too many requests; try again in {wait} seconds", wait)

    def _now(self) -> float:
        return self.clock().timestamp()


def _reused(key: str) -> ConcurrencyConflict:
    return ConcurrencyConflict(
        f"the Idempotency-Key {key} was used for another request; "
        "use a new key for a new request"
    )


def client_of(address: str | None) -> str:
    """Whom a rate limit counts a client address as: an IPv4 address by
    itself, an IPv6 one by its /64 (one subscriber's, who can use any of
    its 2^64 addresses); anything else (no address) as it is."""
    try:
        found = ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if isinstance(found, IPv6Address):
        if found.ipv4_mapped is not None:
            return str(found.ipv4_mapped)
        return str(ip_network(f"{found}/64", strict=False))
    return str(found)
