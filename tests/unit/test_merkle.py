"""RFC 9162 Merkle trees: published test vectors, then properties for small trees."""

from __future__ import annotations

import hashlib

import pytest

from ledger.evidence.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# Reference vectors from github.com/transparency-dev/merkle (Apache-2.0), file
# proof/verify_test.go (`leaves`, `roots`, `inclusionProofs`, `consistencyProofs`,
# originally Google's certificate-transparency merkle_tree_test), and
# rfc6962/rfc6962_test.go (TestRFC6962Hasher).
LEAVES = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
ROOTS = [  # ROOTS[n - 1] is the head of the tree of the first n leaves.
    bytes.fromhex(h)
    for h in [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]
H_01 = "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"
H_23 = "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"
H_4567 = "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
H_4 = "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
H_67 = "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"
H_0123 = "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
H_45 = "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"
H_6 = "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"
H_0 = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
H_01_ROOT = "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"
INCLUSION = [  # (leaf index, tree size, proof); the Go file counts leaves from 1.
    (0, 1, []),
    (0, 8, [H_01, H_23, H_4567]),
    (5, 8, [H_4, H_67, H_0123]),
    (2, 3, [H_01_ROOT]),
    (1, 5, [H_0, H_23, H_4]),
]
CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, [H_01, H_23, H_4567]),
    (6, 8, [H_45, H_67, H_0123]),
    (2, 5, [H_23, H_4]),
    (6, 7, [H_45, H_6, H_0123]),
]
LEAF_HASHES = [leaf_hash(d) for d in LEAVES]
OTHER_HASH = bytes.fromhex(
    "abacaba000000000000000000000000000000000000000000060061e00123456"
)


def test_the_hashes_match_the_rfc_6962_reference_hasher() -> None:
    assert EMPTY_ROOT.hex() == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert leaf_hash(b"").hex() == (
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    )
    assert leaf_hash(b"L123456").hex() == (
        "395aa064aa4c29f7010acfe3f25db9485bbd4b91897b6ad7ad547639252b4d56"
    )
    assert node_hash(b"N123", b"N456").hex() == (
        "aa217fe888e47007fa15edab33c2b492a722cb106c64667fc2b044444de66bbb"
    )


def test_the_empty_tree_has_the_hash_of_nothing() -> None:
    assert root_from_leaf_hashes([]) == hashlib.sha256(b"").digest()
    assert TreeBuilder().root() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_roots_match_the_reference_vectors(size: int) -> None:
    assert root_from_leaf_hashes(LEAF_HASHES[:size]) == ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(
    index: int, size: int, proof: list[str]
) -> None:
    expected = [bytes.fromhex(h) for h in proof]
    assert inclusion_proof(LEAF_HASHES[:size], index) == expected
    assert verify_inclusion(LEAF_HASHES[index], index, size, expected, ROOTS[size - 1])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY)
def test_consistency_proofs_match_the_reference_vectors(
    old: int, new: int, proof: list[str]
) -> None:
    expected = [bytes.fromhex(h) for h in proof]
    assert consistency_proof(LEAF_HASHES[:new], old) == expected
    assert verify_consistency(old, new, ROOTS[old - 1], ROOTS[new - 1], expected)


# Property tests on trees of distinct leaves.
MAX_SIZE = 64
HASHES = [leaf_hash(i.to_bytes(4, "big")) for i in range(2 * MAX_SIZE + 1)]
HEADS = [root_from_leaf_hashes(HASHES[:n]) for n in range(2 * MAX_SIZE + 1)]


def flipped(value: bytes, position: int) -> bytes:
    return value[:position] + bytes([value[position] ^ 0x10]) + value[position + 1 :]


def test_the_streaming_builder_agrees_with_the_whole_list_at_every_size() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(201)]
    builder = TreeBuilder()
    for size in range(201):
        assert builder.size == size
        assert builder.root() == root_from_leaf_hashes(hashes[:size])
        assert len(builder.hashes) == size.bit_count()
        if size < 200:
            builder.append(hashes[size])


def test_a_builder_resumes_from_its_size_and_hashes() -> None:
    first = TreeBuilder()
    first.extend(HASHES[:37])
    resumed = TreeBuilder.resume(first.size, first.hashes)
    resumed.extend(HASHES[37:100])
    assert resumed.root() == HEADS[100]
    with pytest.raises(ValueError, match="37 leaves"):
        TreeBuilder.resume(37, first.hashes[:-1])


def test_extending_in_uneven_pieces_agrees_with_appending_one_at_a_time() -> None:
    hashes = [leaf_hash(i.to_bytes(4, "big")) for i in range(300)]
    by_piece, by_leaf = TreeBuilder(), TreeBuilder()
    done = 0
    for width in (1, 3, 2, 7, 16, 5, 0, 33, 64, 1, 9, 128, 31):
        by_piece.extend(hashes[done : done + width])
        for leaf in hashes[done : done + width]:
            by_leaf.append(leaf)
        done += width
        assert (by_piece.size, by_piece.hashes) == (by_leaf.size, by_leaf.hashes)
        assert by_piece.root() == root_from_leaf_hashes(hashes[:done])


def test_the_builder_refuses_a_leaf_hash_of_the_wrong_length() -> None:
    builder = TreeBuilder()
    builder.extend(HASHES[:3])
    with pytest.raises(ValueError, match="32 bytes"):
        builder.append(b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        builder.extend([HASHES[3], b"short"])
    assert builder.size == 4
    assert builder.root() == HEADS[4]


def test_the_builder_hashes_a_million_leaves() -> None:
    builder = TreeBuilder()
    builder.extend(HASHES[0] for _ in range(1_000_000))
    assert builder.size == 1_000_000
    assert len(builder.hashes) == bin(1_000_000).count("1")
    assert len(builder.root()) == 32


def test_proofs_refuse_positions_outside_the_tree() -> None:
    with pytest.raises(IndexError):
        inclusion_proof(HASHES[:5], 5)
    with pytest.raises(IndexError):
        inclusion_proof([], 0)
    with pytest.raises(ValueError, match="earlier size"):
        consistency_proof(HASHES[:5], 6)


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_inclusion_proof_verifies(size: int) -> None:
    for index in range(size):
        proof = inclusion_proof(HASHES[:size], index)
        assert verify_inclusion(HASHES[index], index, size, proof, HEADS[size])


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_consistency_proof_verifies(size: int) -> None:
    for old in range(size + 1):
        proof = consistency_proof(HASHES[:size], old)
        assert verify_consistency(old, size, HEADS[old], HEADS[size], proof)


def test_a_subtree_hash_function_gives_the_same_proofs() -> None:
    leaves = HASHES[:45]
    calls: list[tuple[int, int]] = []

    def subtree(start: int, end: int) -> bytes:
        calls.append((start, end))
        return root_from_leaf_hashes(leaves[start:end])

    assert inclusion_proof(leaves, 17, subtree) == inclusion_proof(leaves, 17)
    assert consistency_proof(leaves, 13, subtree) == consistency_proof(leaves, 13)
    assert calls


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_a_flipped_proof_root_or_leaf_byte_is_rejected(size: int) -> None:
    for index in range(size):
        leaf, root = HASHES[index], HEADS[size]
        proof = inclusion_proof(HASHES[:size], index)
        # Every byte for one leaf per tree; a rotating byte for the others.
        positions = range(32) if index == size // 2 else [(index * 7) % 32]
        for position in positions:
            assert not verify_inclusion(
                flipped(leaf, position), index, size, proof, root
            )
            assert not verify_inclusion(
                leaf, index, size, proof, flipped(root, position)
            )
            for i in range(len(proof)):
                bad = [*proof[:i], flipped(proof[i], position), *proof[i + 1 :]]
                assert not verify_inclusion(leaf, index, size, bad, root)


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_a_changed_index_or_size_is_rejected(size: int) -> None:
    # A root does not commit to its tree size on its own (the same proof can
    # fit size n and n + 1), which is why checkpoints sign the size with it;
    # the sizes tried here are those a proof does pin down.
    for index in range(size):
        leaf, root = HASHES[index], HEADS[size]
        proof = inclusion_proof(HASHES[:size], index)
        for other in range(-1, size + 1):
            if other != index:
                assert not verify_inclusion(leaf, other, size, proof, root)
        assert not verify_inclusion(leaf, index, size * 2, proof, root)
        assert not verify_inclusion(leaf, index, size // 2, proof, root)


@pytest.mark.parametrize("size", range(2, MAX_SIZE + 1))
def test_a_corrupted_consistency_proof_is_rejected(size: int) -> None:
    for old in range(1, size):
        old_root, new_root = HEADS[old], HEADS[size]
        proof = consistency_proof(HASHES[:size], old)
        position = (old * 5) % 32
        for i in range(len(proof)):
            bad = [*proof[:i], flipped(proof[i], position), *proof[i + 1 :]]
            assert not verify_consistency(old, size, old_root, new_root, bad)
        probes = [
            (old, size, flipped(old_root, position), new_root, proof),
            (old, size, old_root, flipped(new_root, position), proof),
            (old, size, new_root, old_root, proof),
            (old - 1, size, old_root, new_root, proof),
            (old + 1, size, old_root, new_root, proof),
            (old, size * 2, old_root, new_root, proof),
            (old, size // 2, old_root, new_root, proof),
            (old, size, old_root, new_root, []),
            (old, size, old_root, new_root, proof[:-1]),
            (old, size, old_root, new_root, [*proof, new_root]),
            (old, size, old_root, new_root, [old_root, *proof]),
            (old, size, old_root, new_root, [proof[0], *proof]),
        ]
        for probe in probes:
            assert not verify_consistency(*probe), probe[:2]


def test_malformed_inputs_are_rejected_without_raising() -> None:
    leaf, root = HASHES[1], HEADS[3]
    proof = inclusion_proof(HASHES[:3], 1)
    assert verify_inclusion(leaf, 1, 3, proof, root)
    assert not verify_inclusion(leaf, 3, 3, proof, root)
    assert not verify_inclusion(leaf, -1, 3, proof, root)
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert not verify_inclusion(leaf[:31], 1, 3, proof, root)
    assert not verify_inclusion(leaf, 1, 3, proof, root + b"\x00")
    assert not verify_inclusion(leaf, 1, 3, [*proof[:1], b"", *proof[1:]], root)
    assert not verify_inclusion(leaf, 1, 3, [p + b"\x00" for p in proof], root)
    assert not verify_inclusion(leaf, True, 3, proof, root)  # a bool is no index
    assert not verify_inclusion(leaf, 1, "3", proof, root)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, 1, 3, ["x" * 32], root)  # type: ignore[list-item]
    old, new = HEADS[3], HEADS[5]
    proof = consistency_proof(HASHES[:5], 3)
    assert verify_consistency(3, 5, old, new, proof)
    assert not verify_consistency(5, 3, new, old, proof)
    assert not verify_consistency(-1, 5, old, new, proof)
    assert not verify_consistency(3, 5, old[:31], new, proof)
    assert not verify_consistency(3, 5, old, new, [b"", *proof])
    assert not verify_consistency(3, None, old, new, proof)  # type: ignore[arg-type]


def test_the_trivial_consistency_cases_need_an_empty_proof_and_matching_roots() -> None:
    assert verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    assert verify_consistency(0, 5, EMPTY_ROOT, HEADS[5], [])
    assert verify_consistency(5, 5, HEADS[5], HEADS[5], [])
    assert not verify_consistency(0, 5, HEADS[1], HEADS[5], [])
    assert not verify_consistency(0, 0, EMPTY_ROOT, HEADS[1], [])
    assert not verify_consistency(5, 5, HEADS[5], HEADS[4], [])
    assert not verify_consistency(5, 5, HEADS[5], HEADS[5], [EMPTY_ROOT])
    assert not verify_consistency(0, 5, EMPTY_ROOT, HEADS[5], [EMPTY_ROOT])
