"""Copying a ledger between SQLite and PostgreSQL, exactly as it is stored.

Events, data keys (still wrapped), the ledger's identity, its signed
checkpoints, its witnesses and their cosignatures are copied without
decrypting or re-encrypting anything; the copy is then verified, and its
Merkle root must equal the original's. Views are not copied: they rebuild
themselves from the log on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from ledger.cases.verification import VerificationCases
from ledger.domain.vocabulary import ADMINS
from ledger.errors import IntegrityFailure, LedgerExists
from ledger.storage.location import Location, file_exists
from ledger.storage.log import notification_of

BATCH = 1000


def migrate(
    source: VerificationCases, target: Location, progress: Callable[[int], None]
) -> dict[str, Any]:
    """Copy `source` into the empty database at `target` and verify the copy
    (opened as a ledger of the same class as `source`)."""
    ledger_class = type(source)
    source.require_role(ADMINS, "copy the ledger")
    assert source.meta is not None
    original = source.verify()
    if not original["ok"]:
        raise IntegrityFailure(
            f"the ledger to copy does not verify, so it was not copied: "
            f"{original['first_bad']['reason']}"
        )
    if target.path is not None and file_exists(target):
        raise LedgerExists(f"{target.display} already exists; copy into a new file")
    copy = ledger_class(target, actor=source.actor, environ=source.environ)
    try:
        if copy.tables.select_meta() is not None:
            raise LedgerExists(f"a ledger already exists at {target.display}")
        copy.tables.create_table()
        positions = _copy_events(source, copy, progress)
        checkpoints = [
            replace(c, position=positions[c.size])
            for c in source.tables.select_checkpoints()
        ]
        copy.tables.copy_in(source.meta, source.tables.all_keys(), checkpoints)
        copy.witness_tables.copy_from(source.witness_tables)
    finally:
        copy.close()
    copied = ledger_class.open(target, actor=source.actor, environ=source.environ)
    try:
        verdict = copied.verify()
    finally:
        copied.close()
    if not verdict["ok"] or verdict["root"] != original["root"]:
        raise IntegrityFailure(
            f"the copy at {target.display} does not verify the same: "
            f"{verdict['first_bad'] or 'its root differs'}"
        )
    return {
        "events": verdict["events"],
        "checkpoints": len(checkpoints),
        "root": verdict["root"],
        "target": target.display,
    }


def _copy_events(
    source: VerificationCases,
    copy: VerificationCases,
    progress: Callable[[int], None],
) -> dict[int, int]:
    """Copy the log in order; return where each tree size ends in the copy."""
    positions, copied, after = {0: 0}, 0, 0
    while batch := source.log_reader.rows(after, BATCH):
        ids = copy.recorder.insert_events([notification_of(row) for row in batch])
        assert ids is not None
        assert len(ids) == len(batch)
        for new_id in ids:
            copied += 1
            positions[copied] = new_id
        after = batch[-1][0]
        progress(len(batch))
    return positions
