"""C2SP tlog-tiles: the spec's own examples of paths and tile sets, entry
bundles, and tiles and subtree hashes against the RFC 9162 tree."""

from __future__ import annotations

import hashlib

import pytest

from ledger.evidence.merkle import (
    consistency_proof,
    inclusion_proof,
    root_from_leaf_hashes,
)
from ledger.evidence.tiles import (
    TileRef,
    TileTree,
    encode_index,
    entry_bundle,
    parse_tile_path,
    tiles_of,
)


def leaves(n: int) -> list[bytes]:
    return [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(n)]


def test_a_tile_index_is_written_in_groups_of_three_digits_as_the_spec_shows() -> None:
    # c2sp.org/tlog-tiles: "index 1234067 will be encoded as x001/x234/067".
    assert encode_index(1234067) == "x001/x234/067"
    assert encode_index(0) == "000"
    assert encode_index(999) == "999"
    assert encode_index(1000) == "x001/000"
    assert TileRef(2, 1234067, 17).path == "tile/2/x001/x234/067.p/17"
    assert TileRef(None, 5).path == "tile/entries/005"


def test_a_tree_of_70000_leaves_has_the_tiles_the_spec_lists() -> None:
    # "a tree of size 70,000 will be represented by 273 full level 0 tiles,
    # one partial level 0 tile of width 112, one full level 1 tile, one
    # partial level 1 tile of width 17, and one partial level 2 tile of width 1"
    refs = tiles_of(70_000)
    assert [r for r in refs if r.level == 0 and r.width == 256] == [
        TileRef(0, n) for n in range(273)
    ]
    assert [r for r in refs if r.width != 256 or r.level != 0] == [
        TileRef(0, 273, 112),
        TileRef(1, 0),
        TileRef(1, 1, 17),
        TileRef(2, 0, 1),
    ]
    # "a tree of size 256 will be represented by a full level 0 tile and a
    # partial level 1 tile of width 1"
    assert tiles_of(256) == [TileRef(0, 0), TileRef(1, 0, 1)]
    assert tiles_of(0) == []


@pytest.mark.parametrize(
    "path",
    ["tile/0/000", "tile/3/x001/x234/067.p/255", "tile/entries/x001/000.p/1",
     "tile/63/000"],
)  # fmt: skip
def test_a_tile_path_reads_back_as_it_was_written(path: str) -> None:
    assert parse_tile_path(path).path == path


@pytest.mark.parametrize(
    "path",
    ["tile/64/000", "tile/01/000", "tile/0/00", "tile/0/1234", "tile/0/x000/001",
     "tile/0/001.p/256", "tile/0/001.p/0", "tile/0/001.p/07", "tile/0/001/x002",
     "tiles/0/000", "tile/0", "tile/0/000.p", "tile/-1/000", "tile/0/x1/000"],
)  # fmt: skip
def test_a_path_that_is_not_one_tile_s_only_spelling_is_refused(path: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        parse_tile_path(path)


def test_an_entry_bundle_is_each_entry_after_its_big_endian_length() -> None:
    assert entry_bundle([b"ab", b"", b"c"]) == b"\x00\x02ab\x00\x00\x00\x01c"
    assert entry_bundle([b"x" * 0xFFFF])[:2] == b"\xff\xff"
    with pytest.raises(ValueError, match="65536 bytes"):
        entry_bundle([b"x" * 0x10000])


@pytest.mark.parametrize("size", [1, 255, 256, 257, 511, 513, 65536 + 300])
def test_the_tiles_of_a_tree_hash_up_to_its_root(size: int) -> None:
    hashes = leaves(size)
    tree = TileTree()
    tree.extend(hashes[: size // 3])
    tree.extend(hashes[size // 3 :])
    level0 = b"".join(tree.tile(r, size) or b"" for r in tiles_of(size) if r.level == 0)
    assert level0 == b"".join(hashes)
    for ref in tiles_of(size):
        data = tree.tile(ref, size)
        assert data is not None
        assert len(data) == 32 * ref.width
        span = 256**ref.level
        first = ref.index * 256 * span
        expected = [
            root_from_leaf_hashes(hashes[first + i * span : first + (i + 1) * span])
            for i in range(ref.width)
        ]
        assert data == b"".join(expected)
    assert tree.subtree(0, size) == root_from_leaf_hashes(hashes)


def test_no_tile_is_given_beyond_the_tree_asked_for() -> None:
    tree = TileTree()
    tree.extend(leaves(600))
    assert tree.tile(TileRef(0, 1), 511) is None
    assert tree.tile(TileRef(0, 1, 255), 511) is not None
    assert tree.tile(TileRef(0, 2, 89), 600) is None
    assert tree.tile(TileRef(0, 2, 88), 600) is not None
    assert tree.tile(TileRef(1, 0, 3), 600) is None
    assert tree.tile(TileRef(5, 0, 1), 600) is None
    assert tree.tile(TileRef(0, 0), 601) is None


@pytest.mark.parametrize(
    ("old", "size"),
    [(1, 2), (7, 300), (256, 70_000), (65_536, 70_000), (69_999, 70_000)],
)
def test_proofs_from_the_tile_tree_are_the_rfc_s(old: int, size: int) -> None:
    hashes = leaves(70_000)
    tree = TileTree()
    tree.extend(hashes)
    prefix = hashes[:size]
    assert consistency_proof(prefix, old, tree.subtree) == consistency_proof(
        prefix, old
    )
    assert inclusion_proof(prefix, old - 1, tree.subtree) == inclusion_proof(
        prefix, old - 1
    )
