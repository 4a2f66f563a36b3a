"""What `verify` trusts: the key checkpoints must be signed with, and the tree
heads the log must match (its signed checkpoints, and a head kept elsewhere).

Whoever can write the database can change any row, the verifier key the
ledger recorded at its creation included. So the key checkpoints must be
signed with comes from the caller (`--verifier-key`), else from the signing
key on this machine; the ledger's own copy is used only when neither is
there, and the verdict says so.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from ledger.crypto.signing import load_signing_key
from ledger.errors import InvalidInput
from ledger.evidence.logcheck import open_head
from ledger.evidence.note import (
    NoteError,
    NoteMismatch,
    check_verifier_key,
    verifier_key,
)
from ledger.storage.checkpoints import StoredCheckpoint


class TrustedKey(NamedTuple):
    """The verifier key checkpoints must be signed with, and where it came
    from: `flag` (given by the caller), `file` (the signing key on this
    machine) or `ledger` (the copy in the database, which proves nothing)."""

    key: str
    source: str


class Expected(NamedTuple):
    """A tree head the log must match at `size`, unless `problem` already says
    why it cannot be trusted."""

    size: int
    root: bytes
    problem: str | None


def trusted_key(
    given: str | None, signing_key: Path, recorded: str, origin: str
) -> TrustedKey:
    """The key checkpoints must be signed with: the one given, else the
    signing key's own where it is on this machine (the ledger's copy
    could have been replaced), else the one the ledger recorded."""
    if given is not None:
        try:
            return TrustedKey(check_verifier_key(given.strip()), "flag")
        except NoteError as error:
            raise InvalidInput(f"--verifier-key: {error}") from None
    if signing_key.exists():
        public_key = load_signing_key(signing_key).public_key()
        return TrustedKey(verifier_key(origin, public_key), "file")
    return TrustedKey(recorded, "ledger")


def recorded_key_problem(recorded: str, trusted: TrustedKey) -> str | None:
    """Why the verifier key the ledger recorded is not the trusted one."""
    if recorded == trusted.key:
        return None
    given = "--verifier-key" if trusted.source == "flag" else "the signing key"
    return (
        f"the verifier key recorded in the ledger is not the one {given} "
        f"names ({trusted.key}): the ledger's copy was replaced, or the key "
        "given is another ledger's"
    )


def signature_problem(stored: StoredCheckpoint, key: str, origin: str) -> str | None:
    """Why a kept checkpoint is not validly signed by `key`, or None."""
    try:
        head = open_head(stored.note, key, origin)
    except NoteError as error:
        return f"the checkpoint of {stored.size} events is not validly signed: {error}"
    if (head.size, head.root) != (stored.size, stored.root):
        return f"the checkpoint of {stored.size} events differs from its note"
    return None


def exported_head(note: str | None, key: str, origin: str) -> list[Expected]:
    """The exported head as one more the log must match; one signed by
    another key, or of another log, is a mismatch to report."""
    if note is None:
        return []
    try:
        head = open_head(note, key, origin)
    except NoteMismatch as error:
        problem = f"the exported checkpoint is not the trusted one: {error}"
        return [Expected(0, b"", problem)]
    except NoteError as error:
        raise InvalidInput(f"the exported checkpoint cannot be used: {error}") from None
    return [Expected(head.size, head.root, None)]


def unsigned_problem(uncovered: int, every: int) -> str:
    """Why `uncovered` events past the last trusted head are too many where
    write commands sign a checkpoint once `every` events are unsigned."""
    return (
        f"the last {uncovered} events are covered by no checkpoint the trusted key "
        f"signed, though write commands here sign one once {every} "
        "events are unsigned: checkpoints were removed (or a write was cut short; "
        "once you know which, `plaint checkpoint` signs the log as it is)"
    )


class Heads:
    """The heads the log must match, smallest first, each where the log
    reaches its size; `since` is the notification id the last matched head
    ends at."""

    def __init__(self, heads: Iterable[Expected], since: int) -> None:
        ordered = sorted(heads, key=lambda head: head.size)
        self.proven = max((h.size for h in ordered if h.problem is None), default=0)
        self.pending = iter(ordered)
        self.next = next(self.pending, None)
        self.since = since

    def rows_before_next(self, size: int, available: int) -> int:
        """How many of `available` rows a log of `size` events takes before
        it reaches the next head's size (all of them past the last head)."""
        if self.next is not None and self.next.size > size:
            return min(available, self.next.size - size)
        return available

    def due(self, size: int) -> Expected | None:
        """The next head, when a log of `size` events has reached it."""
        if self.next is not None and self.next.size == size:
            return self.next
        return None

    def matched(self, position: int) -> None:
        """The due head was compared, the log ending at `position`."""
        self.since = position
        self.next = next(self.pending, None)
