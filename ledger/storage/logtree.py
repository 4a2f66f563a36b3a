"""The log's tree held in memory by a long-running process (`plaint serve`):
its tiles, entry bundles and proofs without reading the whole log again.

It keeps the leaf hashes and tile roots (ledger/evidence/tiles.py) and,
for each 256 leaves, the notification id after which they start, so that an
entry bundle is one query. It catches up with the log before each use; a
lock of its own keeps the request threads and the witnessing thread from
extending it twice.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from ledger.evidence.logcheck import leaf_entries, leaf_hashes
from ledger.evidence.merkle import consistency_proof, inclusion_proof
from ledger.evidence.tiles import TILE_WIDTH, TileTree
from ledger.storage.log import LogReader


class _Prefix(Sequence[bytes]):
    """The first `size` leaves of a tree, for the proof functions, which
    read only its length when given the subtree hashes."""

    def __init__(self, tree: TileTree, size: int) -> None:
        self.tree, self.size = tree, size

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: object) -> bytes:  # type: ignore[override]
        raise TypeError("read through the tree's subtree hashes")


class LogTree:
    """The tree of a ledger's log, caught up as the log grows."""

    def __init__(self, log: LogReader) -> None:
        self.log = log
        self.tree = TileTree()
        self.position = 0
        # The notification id after which leaf n * 256 starts.
        self.bundle_after: list[int] = []
        self._lock = threading.Lock()

    def catch_up(self) -> TileTree:
        """Take the events added since the last call; the tree."""
        with self._lock:
            for batch in self.log.batches(self.position, 4 * TILE_WIDTH):
                size = self.tree.size
                for offset in range(len(batch)):
                    if (size + offset) % TILE_WIDTH == 0:
                        self.bundle_after.append(
                            batch[offset - 1][0] if offset else self.position
                        )
                self.tree.extend(leaf_hashes(batch))
                self.position = batch[-1][0]
            return self.tree

    def entries(self, index: int, width: int) -> list[bytes]:
        """The leaves (as entries) of bundle `index`, its first `width`."""
        with self._lock:
            after = self.bundle_after[index]
        rows = self.log.rows(after, width)
        return leaf_entries(rows)

    def consistency(self, old: int, size: int) -> list[bytes]:
        """Proof that the tree of `old` leaves is a prefix of that of `size`."""
        tree = self.catch_up()
        return consistency_proof(_Prefix(tree, size), old, tree.subtree)

    def inclusion(self, index: int, size: int) -> list[bytes]:
        """The audit path of leaf `index` in the tree of `size` leaves."""
        tree = self.catch_up()
        return inclusion_proof(_Prefix(tree, size), index, tree.subtree)

    def root(self, size: int) -> bytes:
        """The root of the tree of the first `size` leaves."""
        return self.catch_up().subtree(0, size)
