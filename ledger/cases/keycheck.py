"""The data keys the log's complaints name, held against the key table.

A complaint keeps one data key for life, created with its filing: the key
must be in the table, bound to that complaint (its row unwraps under the
master key only with its own id and scope) and intact, until an `Erased`
event destroys it; then it must be gone. Someone who can write the database
could otherwise erase a complaint's text without a record, or swap two
complaints' keys.
"""

from __future__ import annotations

from functools import partial
from uuid import UUID

from ledger.crypto.envelope import text_key_id
from ledger.crypto.masterkey import MasterKey
from ledger.domain import kinds
from ledger.domain.reference import reference
from ledger.evidence.logcheck import FILED, LogRow
from ledger.storage.log import Guard
from ledger.storage.tables import LedgerTables

ERASED = f"Complaint.{kinds.ERASED}"


class KeyTableCheck:
    """Checks filings' data keys and erasures against the key table."""

    def __init__(self, tables: LedgerTables, master: MasterKey, storage: Guard):
        self.tables = tables
        self.master = master
        self.storage = storage

    def filings(self, rows: list[LogRow], first_number: int) -> tuple[int, str] | None:
        """The first filing among `rows` (numbered from `first_number`) whose
        complaint's data key is not its own and intact, or is gone though the
        complaint was never erased; its index and why."""
        filings = [(i, row) for i, row in enumerate(rows) if row[3].endswith(FILED)]
        named = {i: text_key_id(row[4]) for i, row in filings}
        wanted = [k for k in named.values() if k is not None]
        stored = self.storage(partial(self.tables.wrapped_keys, wanted))
        for number, (index, row) in enumerate(filings, start=first_number):
            key_id, ref, owner = named[index], reference(number), row[1]
            if key_id is None:
                continue  # a filing without text fails to open, or its root
            if key_id not in stored:
                if self._erased(owner):
                    continue
                return index, (
                    f"{ref}'s data key is gone from the key table, yet {ref} was "
                    "never erased: its text was destroyed without a record"
                )
            scope, wrapped = stored[key_id]
            if scope != owner.hex():
                return index, (
                    f"{ref}'s text names a data key that the key table gives to "
                    "another record: the key table was altered"
                )
            if not self.master.wrapped(key_id, scope, wrapped):
                return index, (
                    f"{ref}'s data key failed its integrity check: the key table "
                    "was altered"
                )
        return None

    def kept_after_erasure(self, erasure: LogRow) -> str | None:
        """Why an erased complaint is not erased: its data key is still kept."""
        owner = UUID(bytes=erasure[1]).hex
        if self.storage(partial(self.tables.select_scope_key, owner)) is None:
            return None
        return (
            "the complaint was erased, but its data key is still in the key "
            "table: its text can still be read"
        )

    def _erased(self, owner: bytes) -> bool:
        record = {UUID(bytes=owner): 0}
        events = self.storage(partial(self.tables.events_since, record))
        return any(event.topic.endswith(ERASED) for event in events)
