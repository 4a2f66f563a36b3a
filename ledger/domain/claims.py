"""Intake claims: what makes importing the same source twice add nothing.

Each imported (or filed) complaint with an external id or Message-ID — or,
lacking one, its content — claims an id derived from it with a keyed hash,
saved in the same transaction as the complaint. A second claim on the same id
collides, so a source read twice, or by two importers at once, files each
complaint once. The hash is keyed with a secret derived from the ledger's
data key, so the claim ids reveal nothing about the external ids.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from ledger.domain import kinds
from ledger.domain.intake import Intake
from ledger.domain.timeutil import iso
from ledger.domain.topics import keep_topics


class IntakeClaim(Aggregate):
    """The claim of one source record on the complaint filed from it."""

    @event(kinds.CLAIMED)
    def __init__(self, id: UUID, number: int, actor: str, timestamp: datetime) -> None:
        self.number = number


def claim_id(secret: bytes, intake: Intake) -> UUID:
    """The claim id of an intake: from its external id, else from its content."""
    if intake.external_id:
        basis = "external id\x00" + intake.external_id
    else:
        fields = {**intake.fields(), "received_at": iso(intake.received_at)}
        basis = "content\x00" + json.dumps(fields, sort_keys=True)
    digest = hmac.digest(secret, basis.encode(), hashlib.sha256)
    return UUID(bytes=digest[:16], version=4)


keep_topics("ledger.claims", IntakeClaim)
