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

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ledger.domain import kinds
from ledger.domain.reference import reference
from ledger.evidence.merkle import TreeBuilder
from ledger.evidence.note import NoteMismatch, open_note, parse_checkpoint

LEAF_PREFIX = b"plaint-leaf-v1\x00"

LogRow = tuple[int, bytes, int, str, bytes]
"""A stored event as the log's columns: notification id, originator id (16
bytes), version, topic, state."""


def leaf_hashes(rows: Sequence[LogRow]) -> list[bytes]:
    """The leaf hashes of log rows (the encoding above), in one comprehension:
    the hot loop of verifying, signing and proving over a whole log."""
    topics = {topic: _topic_field(topic) for topic in {row[3] for row in rows}}
    # RFC 9162's leaf tag, then the leaf.
    head = b"\x00" + LEAF_PREFIX
    sha256 = hashlib.sha256
    return [
        sha256(
            b"".join((head, originator, version.to_bytes(8, "big", signed=True),
                      topics[topic], state))
        ).digest()
        for _, originator, version, topic, state in rows
    ]  # fmt: skip


def leaf_entries(rows: Sequence[LogRow]) -> list[bytes]:
    """The leaves of log rows as bytes (the encoding above, the entries of
    the log's tlog-tiles entry bundles): `leaf_hashes` hashes exactly these."""
    topics = {topic: _topic_field(topic) for topic in {row[3] for row in rows}}
    return [
        b"".join((LEAF_PREFIX, originator, version.to_bytes(8, "big", signed=True),
                  topics[topic], state))
        for _, originator, version, topic, state in rows
    ]  # fmt: skip


def _topic_field(topic: str) -> bytes:
    encoded = topic.encode()
    return len(encoded).to_bytes(4, "big") + encoded


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
        raise NoteMismatch(f"the checkpoint is for {found_origin}, not {origin}")
    return Head(found_origin, size, root)


FILED = f"Complaint.{kinds.FILED}"
NAMES_CHECKED = 10_000


@dataclass
class LogCheck:
    """The running checks over the log, one event at a time, in bounded memory
    (the tree's frontier, and each aggregate's last version).

    With `number_id`, complaints must be filed in reference order with no
    number missing: references are gapless and taken in filing order, so the
    n-th filing event in the log is C-n's, and a deleted or re-used number
    shows as the wrong complaint in its place."""

    tree: TreeBuilder = field(default_factory=TreeBuilder)
    versions: dict[bytes, int] = field(default_factory=dict)
    # When checking resumes after a checkpoint: a record's last version there.
    prior: Callable[[bytes], int] | None = None
    # The id of complaint C-n (16 bytes), and how many were filed so far.
    number_id: Callable[[int], bytes] | None = None
    filed: int = 0

    @property
    def size(self) -> int:
        """How many events were taken."""
        return self.tree.size

    def add_rows(self, rows: Sequence[LogRow]) -> tuple[int, str] | None:
        """Take the next events; the first whose version does not follow on
        (its index in `rows`, and why), or None. The tree takes every row,
        since a problem ends the check."""
        self.tree.extend(leaf_hashes(rows))
        versions, prior = self.versions, self.prior
        for index, (_, originator, version, topic, _) in enumerate(rows):
            last = versions.get(originator)
            if last is None:
                # A first version cannot follow an earlier one (the log's key
                # forbids two of a version), so only later versions are looked up.
                last = prior(originator) if prior is not None and version > 1 else 0
            versions[originator] = version
            if version != last + 1:
                return index, (
                    f"it is version {version} of its record where version "
                    f"{last + 1} was due: events were removed, duplicated or "
                    "reordered"
                )
            if self.number_id is not None and topic.endswith(FILED):
                problem = self._filing_problem(originator)
                if problem:
                    return index, problem
        return None

    def _filing_problem(self, originator: bytes) -> str | None:
        """Why a filing event is not the next complaint's, or None."""
        assert self.number_id is not None
        due = self.filed + 1
        if originator == self.number_id(due):
            self.filed = due
            return None
        later = range(due + 1, due + 1 + NAMES_CHECKED)
        found = next((n for n in later if self.number_id(n) == originator), None)
        if found is None:
            return (
                f"it files a complaint that is not {reference(due)}, the reference due "
                "next: complaints were removed or their numbers re-used"
            )
        missing = (
            reference(due)
            if found == due + 1
            else f"{reference(due)} to {reference(found - 1)}"
        )
        return (
            f"it files {reference(found)} where {reference(due)} was due: {missing} "
            f"{'is' if found == due + 1 else 'are'} missing from the log; "
            "complaints were removed"
        )


def last_of_run(used: Callable[[int], bool], low: int = 0) -> int:
    """The last of the numbers low + 1, low + 2… for which `used` holds, when
    they form a run (`low` when the first is not used): an exponential and a
    binary search, O(log n) calls."""
    step = 1
    while used(low + step):
        low, step = low + step, step * 2
    high = low + step
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if used(middle) else (low, middle)
    return low
