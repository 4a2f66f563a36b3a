"""Use cases of the keys: master-key rotation, erasure, and the keys' status."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

from ledger.cases.common import CaseBase
from ledger.crypto.envelope import key_ids_of
from ledger.crypto.keyfiles import (
    MASTER_KEY_VARIABLE,
    master_key_file,
    pending_key_file,
)
from ledger.crypto.keyring import LEDGER_SCOPE
from ledger.crypto.masterkey import MasterKey, read_master_key
from ledger.crypto.privatefile import write_secret_file
from ledger.domain.intake import require_text
from ledger.domain.vocabulary import ADMINS, Role
from ledger.errors import KeyProblem, LedgerError

# AES-GCM with random 96-bit nonces: NIST SP 800-38D caps a key at 2^32 uses.
NONCE_BUDGET = 2**32


class KeyCases(CaseBase):
    """The master key's rotation, crypto-shredding, and the keys' use."""

    def rotate_master_key(self, *, keep_old: bool = False) -> dict[str, Any]:
        """Wrap every data key under a new master key (admin); no event is
        rewritten. The new key is written beside the old one first, the key
        table is re-wrapped in one transaction, then the new key takes the old
        one's place; cut short anywhere, the ledger opens with the old key
        (before the commit) or the pending new one (after it)."""
        self.require_role(ADMINS, "rotate the master key")
        if self.environ.get(MASTER_KEY_VARIABLE):
            raise KeyProblem(
                f"the master key comes from {MASTER_KEY_VARIABLE}: rotation writes "
                "a key file, so unset it and name the key file with PLAINT_KEY_FILE"
            )
        current, pending = (
            self.keyring.master,
            pending_key_file(self.ledger_id, self.environ),
        )
        path = master_key_file(self.ledger_id, self.environ)
        if pending.exists() and read_master_key(pending).key_id != current.key_id:
            pending.unlink()  # a rotation that died before its commit
        if not pending.exists():
            write_secret_file(pending, MasterKey.generate(str(pending)).as_text())
        new = read_master_key(pending)
        # The ledger opened with the pending key: a rotation committed, then
        # was cut short before its key took the old one's place.
        finishing = new.key_id == current.key_id
        old_master = self._replaced_key(path) if finishing else current.key_id
        rewrapped = (
            self._storage(self.tables.master_ids).get(new.key_id, 0)
            if finishing
            else self._rewrap(current, new, pending)
        )
        archive = self._archive_name(path) if keep_old else None
        if path.exists() and archive is not None:
            os.replace(path, archive)
        os.replace(pending, path)
        self.keyring.unlock(MasterKey(new.secret, str(path)))
        from ledger.domain.audit import (
            KeyRotation,  # when used: see ledger/domain/audit.py
        )

        self._save(
            KeyRotation(
                id=uuid4(), old_master=old_master, new_master=new.key_id,
                data_keys=rewrapped, actor=self.actor, timestamp=self.clock(),
            )
        )  # fmt: skip
        return {
            "old_master": old_master,
            "new_master": new.key_id,
            "finished_pending": finishing,
            "data_keys": rewrapped,
            "key_file": str(path),
            "archived": None if archive is None else str(archive),
        }

    def _rewrap(self, current: MasterKey, new: MasterKey, pending: Path) -> int:
        """Re-wrap the key table; when that fails before its commit, the old
        key still opens the ledger, so the new one is removed."""
        try:
            return self._storage(lambda: self.tables.rewrap(current, new))
        except BaseException:
            if not self._committed(new):
                pending.unlink(missing_ok=True)
            raise

    def _committed(self, new: MasterKey) -> bool:
        try:
            return new.key_id in self._storage(self.tables.master_ids)
        except LedgerError:
            return True  # unknown: keep the key that may be the only one

    @staticmethod
    def _replaced_key(path: Path) -> str:
        """The id of the key a pending rotation replaces, while its file is
        still there (for the record of the rotation)."""
        try:
            return read_master_key(path).key_id
        except KeyProblem:
            return "unknown"

    @staticmethod
    def _archive_name(path: Any) -> Any:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        return path.with_name(f"{path.name}.{stamp}.old")

    def erase(self, ref: str, reason: str) -> dict[str, Any]:
        """Destroy a complaint's data key (admin): its text and personal data
        can never be read again; its timeline still counts and verifies. The
        reason is kept, so it must not hold personal data itself."""
        self.require_role(ADMINS, "erase complaints")
        complaint = self.complaint(ref)
        complaint.erase(require_text(reason, "reason"), self.actor, self.clock())
        scope = complaint.id.hex
        self._storage(lambda: self.save(complaint, erase_scope=scope))
        self.keyring.forget(scope)
        return {"ref": complaint.ref, "erased": True}

    def keys_status(self) -> dict[str, Any]:
        """The keys, what wraps them, and how much of each one's nonce budget
        the log has used (admin, auditor, compliance)."""
        self.require_role((Role.ADMIN, Role.AUDITOR, Role.COMPLIANCE), "see the keys")
        uses: Counter[Any] = Counter()
        erasures = 0
        for notification in self.log_reader.notifications(after=0):
            uses.update(key_ids_of(notification.state))
            erasures += notification.topic.endswith(".Erased")
        keys = self._storage(self.tables.all_keys)
        ledger_keys = [k for k in keys if k.scope == LEDGER_SCOPE]
        complaint_uses = [uses[k.key_id] for k in keys if k.scope != LEDGER_SCOPE]
        return {
            "master_key": self.keyring.master.key_id,
            "master_key_source": self.keyring.master.source,
            "wrapped_by": self._storage(self.tables.master_ids),
            "ledger_keys": [
                {"id": str(k.key_id), "created_at": k.created_at,
                 "encryptions": uses[k.key_id],
                 "budget_used": uses[k.key_id] / NONCE_BUDGET}
                for k in ledger_keys
            ],
            "complaint_keys": len(complaint_uses),
            "most_encryptions_by_a_complaint_key": max(complaint_uses, default=0),
            "erased_complaints": erasures,
        }  # fmt: skip
