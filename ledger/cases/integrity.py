"""Use cases of tamper evidence: signed checkpoints and inclusion proofs (the
auditor's check, `verify`, is in ledger/cases/verification.py)."""

from __future__ import annotations

from typing import Any

from ledger.cases.transparency import TransparencyCases
from ledger.domain.vocabulary import Role
from ledger.errors import KeyProblem, RuleViolation
from ledger.evidence.logcheck import leaf_entries, leaf_hashes
from ledger.evidence.merkle import inclusion_proof
from ledger.evidence.tlogproof import format_proof
from ledger.storage.checkpoints import checkpoint_view


class IntegrityCases(TransparencyCases):
    """Signed tree heads over the log, and proofs of inclusion in them."""

    def checkpoint(self) -> dict[str, Any]:
        """Sign a tree head over the whole log (any member); when nothing was
        added since the latest checkpoint, that one is returned."""
        self.require_role(tuple(Role), "sign checkpoints")
        signed = self.signer.sign()
        witnessed = self.witness_latest()
        view = checkpoint_view(signed)
        return {**view, "note": self._cosigned_note(signed), "witnesses": witnessed}

    def sign_due_checkpoint(self) -> dict[str, Any] | None:
        """The server's duty, no member acting: sign a tree head when events
        were added since the latest checkpoint (where the signing key is)."""
        try:
            return checkpoint_view(self.signer.sign())
        except KeyProblem:
            return None

    def proof(self, ref: str) -> dict[str, Any]:
        """Inclusion proofs of a complaint's events in the latest checkpoint."""
        self.require_role(tuple(Role), "read proofs")
        complaint = self.complaint(ref)
        signed = self.signer.latest()
        if signed is None or signed.position == 0:
            raise RuleViolation("no checkpoint yet: sign one with `plaint checkpoint`")
        hashes: list[bytes] = []
        mine: list[tuple[int, int, bytes]] = []
        for batch in self.log_reader.batches(0):
            rows = [row for row in batch if row[0] <= signed.position]
            own = [
                (i, row) for i, row in enumerate(rows) if row[1] == complaint.id.bytes
            ]
            entries = leaf_entries([row for _, row in own])
            mine += [
                (row[0], len(hashes) + i, entry)
                for (i, row), entry in zip(own, entries, strict=True)
            ]
            hashes += leaf_hashes(rows)
            if len(rows) < len(batch):
                break
        if not mine:
            raise RuleViolation(
                f"{complaint.ref} was filed after the latest checkpoint; sign one "
                "with `plaint checkpoint`"
            )
        note = self._cosigned_note(signed)
        events = []
        for seq, index, entry in mine:
            path = inclusion_proof(hashes, index)
            events.append({
                "seq": seq, "index": index, "leaf_hash": hashes[index].hex(),
                "proof": [h.hex() for h in path],
                "tlog_proof": format_proof(index, path, note, entry),
            })  # fmt: skip
        return {
            "checkpoint": {
                "size": signed.size,
                "root": signed.root.hex(),
                "note": note,
            },
            "events": events,
        }
