"""Finding and naming the first bad event once `verify` found the log wrong:
events are opened one by one (AES-GCM) under their keys, and the first that
does not open is named by its complaint's reference when that still opens."""

from __future__ import annotations

from functools import partial
from typing import Any
from uuid import UUID

from eventsourcing.persistence import (
    ApplicationRecorder,
    Notification,
    PersistenceError,
)

from ledger.cases.heads import Expected
from ledger.crypto.envelope import EnvelopeMapper, text_key_id
from ledger.crypto.keyring import Keyring
from ledger.domain.reference import reference
from ledger.errors import DamagedEvent, IntegrityFailure
from ledger.evidence.logcheck import FILED
from ledger.storage.log import Guard, LogReader
from ledger.storage.tables import LedgerTables


class Culprits:
    """Opens a ledger's events one by one to find the first bad one, and
    names it."""

    def __init__(
        self,
        envelope: EnvelopeMapper,
        keyring: Keyring,
        recorder: ApplicationRecorder,
        tables: LedgerTables,
        log: LogReader,
        storage: Guard,
    ) -> None:
        self.envelope = envelope
        self.keyring = keyring
        self.recorder = recorder
        self.tables = tables
        self.log = log
        self.storage = storage

    def culprit(
        self, since: int, last: Notification, head: Expected
    ) -> tuple[Notification, str]:
        """The first event after `since` (up to `last`) that fails to open, or
        else `last`: the range no longer hashes to the signed root."""
        return self.altered(since, last) or (last, (
            f"the log's first {head.size} events no longer hash to the signed "
            f"checkpoint: an event after event {since} was reordered, replaced or "
            "moved"
        ))  # fmt: skip

    def altered(
        self, since: int, last: Notification
    ) -> tuple[Notification, str] | None:
        """The first event after `since`, up to `last`, that fails to open,
        and why."""
        for notification in self.log.notifications(since, last.id):
            problem = self.authentic(notification)
            if problem:
                return notification, problem
        return None

    def first_bad(self, bad: Notification | None, problem: str) -> dict[str, Any]:
        """The verdict's `first_bad`: the event's notification id, its
        complaint's reference where that still opens, and why."""
        if bad is None:
            return {"seq": None, "ref": None, "reason": problem}
        return {"seq": bad.id, "ref": self._ref_of(bad), "reason": problem}

    def _ref_of(self, notification: Notification) -> str | None:
        """The reference of the complaint an event belongs to, when its first
        event still opens."""
        try:
            [first] = self.recorder.select_events(notification.originator_id, limit=1)
            fields = self.envelope.open(first, with_text=False)
        except (ValueError, DamagedEvent, PersistenceError):
            return None
        number = fields.get("number") if first.topic.endswith(FILED) else None
        return None if number is None else reference(number)

    def authentic(self, notification: Notification) -> str | None:
        """Why the event does not open under its keys (AES-GCM), or None."""
        try:
            self.envelope.open(notification)
        except DamagedEvent as error:
            return f"{error.why} ({error.kind}, version {error.version})"
        except IntegrityFailure as error:  # its data key's row was altered
            return str(error)
        return self._text_key_problem(notification)

    def _text_key_problem(self, notification: Notification) -> str | None:
        """A text section whose data key is gone opens as erased text; that is
        only so when the complaint was erased, which destroyed all its keys."""
        key_id = text_key_id(notification.state)
        if key_id is None or self.keyring.for_reading(key_id):
            return None
        originator = notification.originator_id
        assert isinstance(originator, UUID)
        kept = self.storage(partial(self.tables.select_scope_key, originator.hex))
        if kept is None:
            return None
        kind = notification.topic.rpartition(".")[2]
        return (
            "its text names a data key that does not exist, though the complaint "
            f"was not erased ({kind}, version {notification.originator_version})"
        )
