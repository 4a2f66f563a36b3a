"""The log's tree as C2SP tlog-tiles (c2sp.org/tlog-tiles): tile paths, the
hashes a tile holds, entry bundles, and subtree hashes for proofs.

A tile at level L holds up to 256 consecutive hashes of perfect subtrees of
256**L leaves; level 0 holds the leaf hashes themselves. A tile of fewer than
256 hashes is partial, named `<path>.p/<width>`. Entry bundles hold the
entries the level-0 hashes hash (here: each stored event exactly as its leaf
encodes it, ledger/evidence/logcheck.py), each after its big-endian uint16
length.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ledger.evidence.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    node_hash,
    root_from_leaf_hashes,
)

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
MAX_LEVEL = 63
MAX_ENTRY = 0xFFFF

_LEVEL = re.compile(r"0|[1-9][0-9]?")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_GROUP = re.compile(r"[0-9]{3}")


@dataclass(frozen=True)
class TileRef:
    """A tile (`level` None: an entry bundle), its index in its level and
    its width (256 for a full tile)."""

    level: int | None
    index: int
    width: int = TILE_WIDTH

    @property
    def path(self) -> str:
        """The tile's path under the log's prefix."""
        level = "entries" if self.level is None else str(self.level)
        partial = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{level}/{encode_index(self.index)}{partial}"


def encode_index(index: int) -> str:
    """A tile index as zero-padded 3-digit path elements, all but the last
    starting with `x`: 1234067 is `x001/x234/067`."""
    if index < 0:
        raise ValueError("a tile index is not negative")
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def parse_tile_path(path: str) -> TileRef:
    """The tile `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]` names;
    ValueError for any other spelling (one path per tile)."""
    parts = path.split("/")
    if len(parts) < 3 or parts[0] != "tile":
        raise ValueError(f"{path!r} is not a tile path")
    level: int | None = None
    if parts[1] != "entries":
        if not _LEVEL.fullmatch(parts[1]) or int(parts[1]) > MAX_LEVEL:
            raise ValueError(f"{parts[1]!r} is not a tile level (0 to {MAX_LEVEL})")
        level = int(parts[1])
    rest, width = parts[2:], TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        # `<N>.p/<W>`: the last index group carries the `.p`.
        if not _WIDTH.fullmatch(rest[-1]) or int(rest[-1]) >= TILE_WIDTH:
            raise ValueError(f"{rest[-1]!r} is not a partial tile width (1 to 255)")
        width = int(rest[-1])
        rest = [*rest[:-2], rest[-2][: -len(".p")]]
    *high, low = rest
    if not _GROUP.fullmatch(low) or not all(
        g[:1] == "x" and _GROUP.fullmatch(g[1:]) for g in high
    ):
        raise ValueError(f"{'/'.join(rest)!r} is not a tile index")
    if high and high[0] == "x000":
        raise ValueError(f"{'/'.join(rest)!r} is not a tile index (leading zeros)")
    index = int("".join(g[1:] for g in high) + low)
    return TileRef(level, index, width)


def tiles_of(size: int) -> list[TileRef]:
    """Every hash tile of a tree of `size` leaves, full and partial, lowest
    level first (an entry bundle for each level-0 tile)."""
    refs: list[TileRef] = []
    level = 0
    while level <= MAX_LEVEL and size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        refs += [TileRef(level, n) for n in range(count // TILE_WIDTH)]
        if count % TILE_WIDTH:
            refs.append(TileRef(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return refs


def entry_bundle(entries: Iterable[bytes]) -> bytes:
    """Entries, each after its length as a big-endian uint16."""
    parts = []
    for entry in entries:
        if len(entry) > MAX_ENTRY:
            raise ValueError(
                f"an entry of {len(entry)} bytes does not fit a tlog-tiles entry "
                f"bundle (at most {MAX_ENTRY})"
            )
        parts += [len(entry).to_bytes(2, "big"), entry]
    return b"".join(parts)


class TileTree:
    """A log's leaf hashes and, level by level, the roots of its full tiles:
    what any tile, and any subtree hash a proof needs, is read from. Grows
    with `extend`; each level is one bytearray, so 32 bytes a leaf (and a
    256th of that a level up), not a Python object each."""

    def __init__(self) -> None:
        self.levels: list[bytearray] = [bytearray()]

    @property
    def size(self) -> int:
        """How many leaves it holds."""
        return len(self.levels[0]) // HASH_SIZE

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Add leaf hashes; hash each tile that becomes full into the level
        above."""
        self.levels[0] += b"".join(leaf_hashes)
        level = 0
        while self._count(level) >= TILE_WIDTH:
            if level + 1 == len(self.levels):
                self.levels.append(bytearray())
            for n in range(self._count(level + 1), self._count(level) // TILE_WIDTH):
                chunk = self._hashes(level, n * TILE_WIDTH, TILE_WIDTH)
                self.levels[level + 1] += root_from_leaf_hashes(chunk)
            level += 1

    def tile(self, ref: TileRef, size: int) -> bytes | None:
        """The hashes of hash tile `ref` in the tree of the first `size`
        leaves, or None when that tree has no such tile."""
        assert ref.level is not None
        if not 0 <= size <= self.size or ref.level >= len(self.levels):
            return None
        if (ref.index * TILE_WIDTH + ref.width) > size >> (TILE_HEIGHT * ref.level):
            return None
        start = ref.index * TILE_WIDTH * HASH_SIZE
        return bytes(self.levels[ref.level][start : start + ref.width * HASH_SIZE])

    def subtree(self, start: int, end: int) -> bytes:
        """MTH of leaves `start` to `end` (exclusive): a perfect subtree from
        the highest level that holds it, any other range split as RFC 9162
        splits it."""
        count = end - start
        if count <= 0:
            return EMPTY_ROOT
        if count & (count - 1) == 0 and start % count == 0:
            height = count.bit_length() - 1
            level = min(height // TILE_HEIGHT, len(self.levels) - 1)
            first = start >> (TILE_HEIGHT * level)
            width = count >> (TILE_HEIGHT * level)
            return root_from_leaf_hashes(self._hashes(level, first, width))
        split = 1 << ((count - 1).bit_length() - 1)
        left = self.subtree(start, start + split)
        return node_hash(left, self.subtree(start + split, end))

    def _count(self, level: int) -> int:
        return len(self.levels[level]) // HASH_SIZE

    def _hashes(self, level: int, first: int, count: int) -> list[bytes]:
        data = self.levels[level]
        return [
            bytes(data[i : i + HASH_SIZE])
            for i in range(first * HASH_SIZE, (first + count) * HASH_SIZE, HASH_SIZE)
        ]
