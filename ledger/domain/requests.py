"""A request to the service that carried an `Idempotency-Key`.

It is saved in the same transaction as the events the request appended, so
whether a request happened is never in doubt: a retry after a timeout, or
after the server died between writing and answering, finds it, and nothing is
done twice (`ledger/cases/requests.py`).
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds

# Longer keys are refused: a key names a request, it does not carry one.
MAX_KEY_LENGTH = 200


class RequestClaim(Aggregate):
    """One request by one member under one key: the digest of its body and
    the aggregates it saved."""

    @event(kinds.REQUEST_CLAIMED)
    def __init__(
        self,
        id: UUID,
        digest: str,
        saved: list[str],
        actor: str,
        timestamp: datetime,
    ) -> None:
        self.digest = digest
        self.saved = list(saved)
