"""Signing checkpoints: a tree head over the whole log, and the rule that
writes sign one by themselves once CHECKPOINT_EVERY events are unsigned.

The ledger's one save path (`LedgerBase.save`) tells the signer how many
events it wrote; the signer counts them and signs when due, where the
signing key is on this machine (elsewhere `plaint checkpoint` does).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from ledger.crypto.signing import load_signing_key
from ledger.errors import KeyProblem, LedgerError
from ledger.evidence.logcheck import leaf_hashes
from ledger.evidence.merkle import TreeBuilder
from ledger.evidence.note import checkpoint_body, sign_note
from ledger.storage.checkpoints import StoredCheckpoint, resume_tree
from ledger.storage.log import Guard, LogReader
from ledger.storage.tables import LedgerTables

# A write that leaves this many events unsigned signs a checkpoint by itself.
CHECKPOINT_EVERY = 1000


class Signer:
    """Signs tree heads over one ledger's log, and counts what writes leave
    unsigned. The log is counted once per process; after that the process
    counts what it writes itself, and counts the log again when that
    reaches the threshold."""

    def __init__(
        self,
        tables: LedgerTables,
        log: LogReader,
        storage: Guard,
        origin: str,
        key_file: Path,
        signed: Callable[[StoredCheckpoint], None] | None = None,
    ) -> None:
        self.tables = tables
        self.log = log
        self.storage = storage
        self.origin = origin
        self.key_file = key_file
        # Told of each checkpoint a write signs by itself (to witness it).
        self.signed = signed
        self._signed_position: int | None = None
        self._unsigned = 0
        self._deferred = False

    def sign(self) -> StoredCheckpoint:
        """Sign a tree head over the whole log; when nothing was added since
        the latest checkpoint, that one is returned."""
        latest = self.latest()
        tree, position = TreeBuilder(), 0
        if latest is not None:
            tree, position = resume_tree(latest), latest.position
        for batch in self.log.batches(position):
            tree.extend(leaf_hashes(batch))
            position = batch[-1][0]
        if latest is not None and tree.size == latest.size:
            return latest
        key = load_signing_key(self.key_file)
        body = checkpoint_body(self.origin, tree.size, tree.root())
        stored = StoredCheckpoint(
            size=tree.size,
            position=position,
            root=tree.root(),
            frontier=b"".join(tree.hashes),
            note=sign_note(body, self.origin, key),
            created_at=datetime.now(UTC).isoformat(),
        )
        self.storage(lambda: self.tables.insert_checkpoint(stored))
        self._signed_position = position
        return stored

    def latest(self) -> StoredCheckpoint | None:
        """The latest kept checkpoint, if any."""
        found: list[StoredCheckpoint] = self.storage(
            lambda: self.tables.select_checkpoints(True)
        )
        return found[0] if found else None

    def saved(self, events: int) -> None:
        """Note `events` written; sign when due (unless deferred)."""
        if events:
            self._unsigned += events
            if not self._deferred:
                self._sign_when_due()

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Saves inside sign no checkpoint; one is signed at the end when due
        (an import signs once, not after every thousand events)."""
        self._deferred = True
        try:
            yield
        finally:
            self._deferred = False
        self._sign_when_due()

    def _sign_when_due(self) -> None:
        if self._signed_position is not None and self._unsigned < CHECKPOINT_EVERY:
            return
        if self._signed_position is None:
            latest = self.latest()
            self._signed_position = latest.position if latest else 0
        self._unsigned = self.log.count_after(self._signed_position)
        if self._unsigned >= CHECKPOINT_EVERY:
            try:
                stored = self.sign()
            except KeyProblem:  # no signing key here: `plaint checkpoint` signs
                self._signed_position = self.log.head()
                stored = None
            self._unsigned = 0
            if stored is not None and self.signed is not None:
                # The write stands; witnessing is retried.
                with suppress(LedgerError):
                    self.signed(stored)
