"""RFC 9162 Merkle tree hashing: tree heads, inclusion and consistency proofs.

The ledger's events are the leaves of a Certificate Transparency v2 tree
(RFC 9162 section 2.1), so that any transparency-log client can check that an
event is in a signed checkpoint and that no checkpoint rewrote an earlier one.
Proofs are built from the list of leaf hashes; the verifiers follow the RFC's
algorithms step by step and answer False, never raise, on a bad input.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

SubtreeHash = Callable[[int, int], bytes]
"""The root of the leaves `start` to `end` (exclusive), from a cache or a store."""

_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """The hash of one leaf: SHA-256(0x00 || data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """The hash of an interior node: SHA-256(0x01 || left || right)."""
    return _sha256(b"\x01" + left + right).digest()


class TreeBuilder:
    """Hashes a growing tree one leaf at a time in O(log n) memory.

    It keeps a compact range: the roots of the perfect subtrees the leaves so
    far fall into, largest (leftmost) first, one for each set bit of `size`.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[bytes] = []

    @classmethod
    def resume(cls, size: int, hashes: Sequence[bytes]) -> TreeBuilder:
        """Continue a tree from the `size` and `hashes` of an earlier builder."""
        if size < 0 or len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} hashes")
        if not all(_is_hash(h) for h in hashes):
            raise ValueError("a compact range holds 32-byte hashes")
        builder = cls()
        builder._size = size
        builder._stack = list(hashes)
        return builder

    @property
    def size(self) -> int:
        """How many leaves have been added."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """The perfect-subtree roots, largest first: with `size`, all the state."""
        return tuple(self._stack)

    def append(self, leaf: bytes) -> None:
        """Add the next leaf hash."""
        if len(leaf) != HASH_SIZE:
            raise ValueError("a leaf hash is 32 bytes")
        self._push(leaf, 1)

    def extend(self, leaves: Iterable[bytes]) -> None:
        """Add leaf hashes in order; the hot loop when hashing a whole log.

        The leaves are taken in the largest perfect subtrees the size allows,
        each hashed a whole level at a time, which costs far less interpreter
        time per node than adding the leaves one by one."""
        pending = list(leaves)
        done = 0
        while done < len(pending):
            remaining = len(pending) - done
            # A subtree must start where one ends: at a multiple of its width.
            width = 1 << (remaining.bit_length() - 1)
            if self._size:
                width = min(width, self._size & -self._size)
            level = pending[done : done + width]
            if {*map(len, level)} != {HASH_SIZE}:
                # Take the leaves before the first bad one, then refuse it.
                for leaf in level:
                    self.append(leaf)
            while len(level) > 1:
                level = [
                    _sha256(b"\x01" + left + right).digest()
                    for left, right in zip(level[::2], level[1::2], strict=True)
                ]
            self._push(level[0], width)
            done += width

    def _push(self, node: bytes, width: int) -> None:
        """Add the root of a perfect subtree of `width` leaves (a power of two
        that divides the size)."""
        stack = self._stack
        # Each trailing one bit of the size, counted in subtrees of this width,
        # is a subtree of the same width that this one completes.
        bits = self._size // width
        while bits & 1:
            node = _sha256(b"\x01" + stack.pop() + node).digest()
            bits >>= 1
        stack.append(node)
        self._size += width

    def root(self) -> bytes:
        """The tree head of the leaves so far (MTH of RFC 9162 section 2.1.1)."""
        stack = self._stack
        if not stack:
            return EMPTY_ROOT
        root = stack[-1]
        for left in reversed(stack[:-1]):
            root = _sha256(b"\x01" + left + root).digest()
        return root


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """The tree head of a whole list of leaf hashes (MTH, section 2.1.1)."""
    builder = TreeBuilder()
    builder.extend(hashes)
    return builder.root()


def inclusion_proof(
    leaf_hashes: Sequence[bytes], index: int, subtree: SubtreeHash | None = None
) -> list[bytes]:
    """The audit path of leaf `index` in the whole tree (PATH, section 2.1.3.1)."""
    size = len(leaf_hashes)
    if not 0 <= index < size:
        raise IndexError(f"leaf {index} is not in a tree of {size} leaves")
    mth = subtree or _range_hasher(leaf_hashes)
    # Walk down from the root; the RFC lists siblings from the leaf up.
    proof: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        middle = start + _split(end - start)
        if index < middle:
            proof.append(mth(middle, end))
            end = middle
        else:
            proof.append(mth(start, middle))
            start = middle
    proof.reverse()
    return proof


def consistency_proof(
    leaf_hashes: Sequence[bytes], old_size: int, subtree: SubtreeHash | None = None
) -> list[bytes]:
    """Proof that the first `old_size` leaves are a prefix (PROOF, 2.1.4.1)."""
    size = len(leaf_hashes)
    if not 0 <= old_size <= size:
        raise ValueError(f"a tree of {size} leaves has no earlier size {old_size}")
    if old_size in (0, size):
        return []
    mth = subtree or _range_hasher(leaf_hashes)
    # SUBPROOF(m, D[start:end], whole), unrolled; `whole` is the RFC's b.
    proof: list[bytes] = []
    start, end, m, whole = 0, size, old_size, True
    while m != end - start:
        middle = start + _split(end - start)
        if m <= middle - start:
            proof.append(mth(middle, end))
            end = middle
        else:
            proof.append(mth(start, middle))
            m -= middle - start
            start = middle
            whole = False
    if not whole:
        proof.append(mth(start, end))
    proof.reverse()
    return proof


def verify_inclusion(
    leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether `proof` puts `leaf` at `index` of the tree `root` (2.1.3.2)."""
    if not (_is_hash(leaf) and _is_hash(root) and _is_count(index, size)):
        return False
    if index >= size:  # also refuses every proof about the empty tree
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0 or not _is_hash(p):
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(
    old_size: int,
    new_size: int,
    old_root: bytes,
    new_root: bytes,
    proof: Sequence[bytes],
) -> bool:
    """Whether `proof` shows tree `new_root` extends tree `old_root` (2.1.4.2)."""
    if not (_is_hash(old_root) and _is_hash(new_root)):
        return False
    if not (_is_count(old_size, new_size) and old_size <= new_size):
        return False
    if not all(_is_hash(p) for p in proof):
        return False
    # The RFC covers 0 < old_size < new_size; the ends need no proof at all.
    if old_size == 0:
        return (
            not proof
            and old_root == EMPTY_ROOT
            and (new_size > 0 or new_root == EMPTY_ROOT)
        )
    if old_size == new_size:
        return not proof and old_root == new_root
    if not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


def _split(n: int) -> int:
    """The largest power of two below n (n > 1): the size of the left subtree."""
    return 1 << ((n - 1).bit_length() - 1)


def _range_hasher(leaf_hashes: Sequence[bytes]) -> SubtreeHash:
    def mth(start: int, end: int) -> bytes:
        builder = TreeBuilder()
        builder.extend(leaf_hashes[i] for i in range(start, end))
        return builder.root()

    return mth


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _is_count(*values: object) -> bool:
    # bool is an int, but True is no tree size.
    return all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values
    )
