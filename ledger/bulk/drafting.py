"""Drafting new complaints: the Filed event of each intake, with its owner and
deadlines from the policy, and import batches drafted and sealed ready for one
transaction (in this process, or in worker processes: see ledger/bulk/workers.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent

from ledger.crypto.envelope import unsaved_keys
from ledger.crypto.keyring import Keyring
from ledger.crypto.masterkey import StoredKey
from ledger.domain.complaint import Complaint
from ledger.domain.intake import Intake
from ledger.domain.reference import complaint_uuid
from ledger.domain.timeutil import add
from ledger.domain.vocabulary import DEADLINE_NAMES
from ledger.domain.workclock import clock_for

if TYPE_CHECKING:
    from ledger.domain.claims import IntakeClaim

Rules = Mapping[tuple[str, str], Mapping[str, Any]]


@dataclass(frozen=True)
class Filing:
    """What new complaints are drafted with: who files them and when, who may
    own them, and the policy's rule for each channel and severity among them.
    Plain values, so that worker processes can draft too."""

    ledger_id: UUID
    actor: str
    now: datetime
    members: frozenset[str]
    rules: Rules
    # The policy's calendars a rule may name: name: {"version", "definition"}.
    calendars: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    # Both aggregates are made by the library's `_create` with their created
    # event class named: what calling the class does, without first matching
    # the arguments to __init__'s. Calling the classes costs about 5 µs more
    # a complaint with its claim, 7 to 14% of drafting: benchmarks/choices.py
    # measures it (benchmarks/CHOICES.md); rerun it when the library changes.

    def complaint(self, intake: Intake, number: int) -> Complaint:
        """The complaint filed `number`-th."""
        filed = vars(Complaint)["Filed"]
        return Complaint._create(filed, **self.filed(intake, number))

    def filed(self, intake: Intake, number: int) -> dict[str, Any]:
        """The fields of the `number`-th complaint's Filed event; the filer
        owns it when the policy names no member."""
        rule = self.rules[intake.channel, intake.severity]
        owner = rule.get("owner", self.actor)
        if owner not in self.members:
            owner = self.actor
        received_at = intake.received_at or self.now
        kept = self.calendars.get(rule.get("calendar") or "")
        if kept is None:
            deadlines = {n: add(received_at, rule.get(n)) for n in DEADLINE_NAMES}
            calendar = None
        else:
            clock = clock_for(kept["definition"])
            deadlines = {
                n: None if rule.get(n) is None else clock.add(received_at, rule[n])
                for n in DEADLINE_NAMES
            }
            calendar = {"name": rule["calendar"], "version": kept["version"]}
        return {
            "id": complaint_uuid(self.ledger_id, number),
            "number": number,
            "owner": owner,
            "deadlines": deadlines,
            "calendar": calendar,
            "received_at": received_at,
            "actor": self.actor,
            "timestamp": self.now,
            **intake.fields(),
        }

    def claim(self, claim_id: UUID, number: int) -> IntakeClaim:
        """The claim of an intake on the complaint filed from it."""
        # Imported where used: defining an aggregate's event classes is
        # start-up time, and most complaints filed at the terminal claim nothing.
        from ledger.domain.claims import IntakeClaim

        claimed = vars(IntakeClaim)["Claimed"]
        return IntakeClaim._create(
            claimed, id=claim_id, number=number, actor=self.actor, timestamp=self.now
        )


@dataclass(frozen=True)
class Prepared:
    """Stored events ready to insert, and the new data keys they need."""

    events: list[StoredEvent]
    keys: list[StoredKey]

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled as plain tuples, for workers: dataclasses and UUIDs pickled
        # field by field cost three times as much, and the importer unpickles.
        events = [
            (_uuid(e.originator_id).bytes, e.originator_version, e.topic, e.state)
            for e in self.events
        ]
        keys = [
            (k.key_id.bytes, k.scope, k.master_id, k.wrapped, k.created_at)
            for k in self.keys
        ]
        return _unpickled, (events, keys)

    @classmethod
    def joined(cls, parts: Iterable[Prepared]) -> Prepared:
        """Parts of one batch, in order, as one."""
        events: list[StoredEvent] = []
        keys: list[StoredKey] = []
        for part in parts:
            events += part.events
            keys += part.keys
        return cls(events, keys)


def _uuid(originator_id: UUID | str) -> UUID:
    assert isinstance(originator_id, UUID), "plaint's aggregates have UUIDs"
    return originator_id


def _unpickled(
    events: list[tuple[bytes, int, str, bytes]],
    keys: list[tuple[bytes, str, str, bytes, str]],
) -> Prepared:
    return Prepared(
        [
            StoredEvent(
                originator_id=UUID(bytes=originator_id),
                originator_version=version,
                topic=topic,
                state=state,
            )
            for originator_id, version, topic, state in events
        ],
        [
            StoredKey(UUID(bytes=key_id), scope, master_id, wrapped, created_at)
            for key_id, scope, master_id, wrapped, created_at in keys
        ],
    )


def prepare(
    filing: Filing,
    items: Sequence[tuple[UUID, Intake]],
    first: int,
    mapper: Mapper[UUID],
    keyring: Keyring,
) -> Prepared:
    """Each (claim id, intake) of `items` filed as a complaint, numbered from
    `first`, with its claim: their events sealed by `mapper`, whose `keyring`
    holds the new complaints' keys until they are saved."""
    events = []
    for offset, (claim_id, intake) in enumerate(items):
        complaint = filing.complaint(intake, first + offset)
        claim = filing.claim(claim_id, complaint.number)
        for aggregate in (complaint, claim):
            events += [mapper.to_stored_event(e) for e in aggregate.collect_events()]
    return Prepared(events, unsaved_keys(keyring, events))
