"""Requests with an `Idempotency-Key`: done once, however often they are sent.

The service runs a keyed request inside `once`: the first time, the request's
use case saves its events together with a `RequestClaim` (see
`LedgerBase.requested`); a retry, from this server or another, finds the
claim and is answered from what the first one saved, recording nothing new.
A key is the member's own: another member's request with the same key is
another request.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from eventsourcing.persistence import RecordConflictError

from ledger.cases.common import CaseBase
from ledger.domain.requests import MAX_KEY_LENGTH, RequestClaim
from ledger.errors import ConcurrencyConflict, InvalidInput, UnknownReference

T = TypeVar("T")


@dataclass(frozen=True)
class Replayed:
    """A request that was done before: the ids of the aggregates it saved."""

    saved: list[UUID]


class RequestCases(CaseBase):
    """Doing a keyed request once."""

    def once(self, key: str, body: bytes, run: Callable[[], T]) -> T | Replayed:
        """`run()` the first time `key` is used by this member; after that, what
        the first request saved. The same key with another body is refused."""
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise InvalidInput(
                f"an Idempotency-Key is 1 to {MAX_KEY_LENGTH} printable characters"
            )
        claim_id = self._derived_id(f"request\x00{self.actor}\x00{key}")
        digest = hashlib.sha256(body).hexdigest()
        done = self._request_claim(claim_id, key, digest)
        if done is not None:
            return done
        try:
            with self.requested(claim_id, digest):
                return run()
        except (RecordConflictError, ConcurrencyConflict):
            # Another server took the key while this one ran the request.
            done = self._request_claim(claim_id, key, digest)
            if done is None:
                raise
            return done

    def _request_claim(self, claim_id: UUID, key: str, digest: str) -> Replayed | None:
        try:
            claim = self._get(RequestClaim, claim_id, f"request {key}")
        except UnknownReference:
            return None
        if claim.digest != digest:
            raise ConcurrencyConflict(
                f"the Idempotency-Key {key} was used before for another request; "
                "use a new key for a new request"
            )
        return Replayed([UUID(saved) for saved in claim.saved])
