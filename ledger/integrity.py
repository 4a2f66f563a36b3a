"""Tamper evidence: the leaf encoding of stored events, and the log's checks.

Each stored event is one leaf of an RFC 9162 Merkle tree, in notification
order. The leaf is the event exactly as stored, so checking the tree needs no
key and still works after a complaint's data key is destroyed:

    "plaint-leaf-v1" ‖ 0x00 ‖ originator id (16 bytes) ‖ version (8 bytes,
    big-endian, signed) ‖ topic length (4 bytes, big-endian) ‖ topic (UTF-8)
    ‖ state

The notification id is left out, so a ledger copied to another database (whose
ids may differ) keeps the same tree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from ledger.merkle import TreeBuilder, leaf_hash
from ledger.note import NoteError, open_note, parse_checkpoint

LEAF_PREFIX = b"plaint-leaf-v1\x00"


def leaf_bytes(stored: StoredEvent) -> bytes:
    """The canonical encoding of one stored event as a leaf of the tree."""
    originator = stored.originator_id
    assert isinstance(originator, UUID)
    return leaf_of(
        originator.bytes, stored.originator_version, stored.topic, stored.state
    )


def leaf_of(originator: bytes, version: int, topic: str, state: bytes) -> bytes:
    """The leaf of a stored event given as its columns."""
    encoded = topic.encode()
    return b"".join(
        (
            LEAF_PREFIX,
            originator,
            version.to_bytes(8, "big", signed=True),
            len(encoded).to_bytes(4, "big"),
            encoded,
            state,
        )
    )


def event_leaf_hash(stored: StoredEvent) -> bytes:
    """The leaf hash of one stored event."""
    return leaf_hash(leaf_bytes(stored))


@dataclass(frozen=True)
class Head:
    """A signed tree head: the log's first `size` events have this root."""

    origin: str
    size: int
    root: bytes


def open_head(note: str, verifier_key: str, origin: str) -> Head:
    """Check a checkpoint note's signature and origin; NoteError otherwise."""
    found_origin, size, root = parse_checkpoint(open_note(note, verifier_key))
    if found_origin != origin:
        raise NoteError(f"the checkpoint is for {found_origin}, not {origin}")
    return Head(found_origin, size, root)


@dataclass
class LogCheck:
    """The running checks over the log, one event at a time, in bounded memory
    (the tree's frontier, and each aggregate's last version)."""

    tree: TreeBuilder = field(default_factory=TreeBuilder)
    versions: dict[bytes, int] = field(default_factory=dict)
    # When checking resumes after a checkpoint: a record's last version there.
    prior: Callable[[bytes], int] | None = None

    @property
    def size(self) -> int:
        """How many events were taken."""
        return self.tree.size

    def add_row(
        self, originator: bytes, version: int, topic: str, state: bytes
    ) -> str | None:
        """Take the next event, given as its columns; say what is wrong, or None."""
        self.tree.append(leaf_hash(leaf_of(originator, version, topic, state)))
        last = self.versions.get(originator)
        if last is None:
            # A first version cannot follow an earlier one (the log's key forbids
            # two of a version), so only later versions are looked up.
            prior = self.prior if version > 1 else None
            last = prior(originator) if prior is not None else 0
        expected = last + 1
        self.versions[originator] = version
        if version != expected:
            return (
                f"it is version {version} of its record where version {expected} "
                "was due: events were removed, duplicated or reordered"
            )
        return None
