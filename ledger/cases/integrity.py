"""Use cases of tamper evidence: signed checkpoints and inclusion proofs (the
auditor's check, `verify`, is in ledger/cases/verification.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ledger.cases.common import CaseBase
from ledger.cases.heads import resume_tree
from ledger.crypto.keyfiles import signing_key_file
from ledger.crypto.signing import load_signing_key
from ledger.domain.vocabulary import Role
from ledger.errors import KeyProblem, RuleViolation
from ledger.evidence.logcheck import leaf_hashes
from ledger.evidence.merkle import TreeBuilder, inclusion_proof
from ledger.evidence.note import checkpoint_body, sign_note
from ledger.storage.checkpoints import StoredCheckpoint, checkpoint_view

if TYPE_CHECKING:
    from ledger.bulk.drafting import Prepared

# A write that leaves this many events unsigned signs a checkpoint by itself.
CHECKPOINT_EVERY = 1000
Progress = Callable[[int], None]


class IntegrityCases(CaseBase):
    """Signed tree heads over the log, and proofs of inclusion in them."""

    _signed_position: int | None = None
    _unsigned = 0
    _signing_deferred = False

    def save(self, *objs: Any, **kwargs: Any) -> Any:
        """Save, then sign a checkpoint when enough events are unsigned (when
        the signing key is on this machine; otherwise `plaint checkpoint`)."""
        recordings = super().save(*objs, **kwargs)
        self._saved(len(recordings))
        return recordings

    def save_prepared(self, prepared: Prepared) -> None:
        """Insert prepared events; sign when due, as `save` does."""
        super().save_prepared(prepared)
        self._saved(len(prepared.events))

    def _saved(self, events: int) -> None:
        if events and self.meta is not None:
            self._unsigned += events
            if not self._signing_deferred:
                self._sign_when_due()

    @contextmanager
    def signing_deferred(self) -> Iterator[None]:
        """Saves inside sign no checkpoint; one is signed at the end when due
        (an import signs once, not after every thousand events)."""
        self._signing_deferred = True
        try:
            yield
        finally:
            self._signing_deferred = False
        self._sign_when_due()

    def _sign_when_due(self) -> None:
        """Sign when CHECKPOINT_EVERY events are unsigned. The log is counted
        once per process; after that this process counts what it writes
        itself, and counts the log again when that reaches the threshold."""
        if self._signed_position is not None and self._unsigned < CHECKPOINT_EVERY:
            return
        if self._signed_position is None:
            latest = self._storage(lambda: self.tables.select_checkpoints(True))
            self._signed_position = latest[0].position if latest else 0
        self._unsigned = self.events_after(self._signed_position)
        if self._unsigned >= CHECKPOINT_EVERY:
            try:
                self.checkpoint()
            except KeyProblem:
                self._signed_position = self.head_position()
            self._unsigned = 0

    def head_position(self) -> int:
        """The notification id of the last event in the log (0 when empty)."""
        return self.log_reader.head()

    def checkpoint(self) -> dict[str, Any]:
        """Sign a tree head over the whole log (any member); when nothing was
        added since the latest checkpoint, that one is returned."""
        self.require_role(tuple(Role), "sign checkpoints")
        latest = self._storage(lambda: self.tables.select_checkpoints(True))
        tree, position = TreeBuilder(), 0
        if latest:
            tree, position = resume_tree(latest[0]), latest[0].position
        for batch in self.log_reader.batches(position):
            tree.extend(leaf_hashes(batch))
            position = batch[-1][0]
        if latest and tree.size == latest[0].size:
            return checkpoint_view(latest[0])
        key = load_signing_key(signing_key_file(self.ledger_id, self.environ))
        body = checkpoint_body(self.origin, tree.size, tree.root())
        stored = StoredCheckpoint(
            size=tree.size,
            position=position,
            root=tree.root(),
            frontier=b"".join(tree.hashes),
            note=sign_note(body, self.origin, key),
            created_at=datetime.now(UTC).isoformat(),
        )
        self._storage(lambda: self.tables.insert_checkpoint(stored))
        self._signed_position = position
        return checkpoint_view(stored)

    def proof(self, ref: str) -> dict[str, Any]:
        """Inclusion proofs of a complaint's events in the latest checkpoint."""
        self.require_role(tuple(Role), "read proofs")
        complaint = self.complaint(ref)
        latest = self._storage(lambda: self.tables.select_checkpoints(True))
        if not latest or latest[0].position == 0:
            raise RuleViolation("no checkpoint yet: sign one with `plaint checkpoint`")
        signed = latest[0]
        hashes: list[bytes] = []
        mine: list[tuple[int, int]] = []
        for batch in self.log_reader.batches(0):
            rows = [row for row in batch if row[0] <= signed.position]
            mine += [
                (row[0], len(hashes) + index)
                for index, row in enumerate(rows)
                if row[1] == complaint.id.bytes
            ]
            hashes += leaf_hashes(rows)
            if len(rows) < len(batch):
                break
        if not mine:
            raise RuleViolation(
                f"{complaint.ref} was filed after the latest checkpoint; sign one "
                "with `plaint checkpoint`"
            )
        return {
            "checkpoint": {"size": signed.size, "root": signed.root.hex(),
                           "note": signed.note},
            "events": [
                {"seq": seq, "index": index, "leaf_hash": hashes[index].hex(),
                 "proof": [h.hex() for h in inclusion_proof(hashes, index)]}
                for seq, index in mine
            ],
        }  # fmt: skip
