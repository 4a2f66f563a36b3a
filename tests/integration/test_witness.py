"""The witness (c2sp.org/tlog-witness `add-checkpoint`), in process with its
SQLite file: every answer the protocol names, and never a cosignature for a
head that does not extend the one it holds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.evidence.cosignature import cosigned_at, cosigner_of
from ledger.evidence.merkle import EMPTY_ROOT, consistency_proof, root_from_leaf_hashes
from ledger.evidence.note import checkpoint_body, sign_note, verifier_key
from ledger.witnessing.protocol import request_body
from ledger.witnessing.store import WitnessStore
from ledger.witnessing.witness import LogKey, Refused, Witness

ORIGIN = "plaint/test-log"
LOG_KEY = Ed25519PrivateKey.generate()
LOG_VKEY = verifier_key(ORIGIN, LOG_KEY.public_key())
WITNESS_KEY = Ed25519PrivateKey.generate()
LEAVES = [hashlib.sha256(bytes([i])).digest() for i in range(40)]


def note(size: int, key: Ed25519PrivateKey = LOG_KEY, origin: str = ORIGIN) -> str:
    root = root_from_leaf_hashes(LEAVES[:size])
    return sign_note(checkpoint_body(origin, size, root), origin, key)


def request(old: int, size: int, **kwargs: object) -> bytes:
    proof = consistency_proof(LEAVES[:size], old)
    return request_body(old, proof, note(size, **kwargs))  # type: ignore[arg-type]


@pytest.fixture
def witness(tmp_path: Path) -> Witness:
    store = WitnessStore(tmp_path / "witness.db")
    return Witness(
        "w.example", WITNESS_KEY, [LogKey(ORIGIN, LOG_VKEY)], store, lambda: 1.7e9
    )


def refusal(witness: Witness, body: bytes) -> tuple[int, int | None]:
    with pytest.raises(Refused) as refused:
        witness.add_checkpoint(body)
    return refused.value.status, refused.value.size


def test_a_witness_cosigns_a_first_checkpoint_and_then_one_that_extends_it(
    witness: Witness,
) -> None:
    line = witness.add_checkpoint(request(0, 10))
    body = checkpoint_body(ORIGIN, 10, root_from_leaf_hashes(LEAVES[:10]))
    assert cosigned_at(body, line, cosigner_of("w.example", WITNESS_KEY)) == 1700000000
    assert witness.add_checkpoint(request(10, 25))
    # The same head again is cosigned again (a later time, the same claim).
    assert witness.add_checkpoint(request(25, 25))
    assert witness.store.held(ORIGIN, LOG_VKEY).size == 25


def test_an_old_size_that_is_not_the_held_one_gets_409_with_the_held_size(
    witness: Witness,
) -> None:
    witness.add_checkpoint(request(0, 25))
    assert refusal(witness, request(0, 30)) == (409, 25)
    assert refusal(witness, request(10, 30)) == (409, 25)
    # A rolled-back head, offered from any size but the held one.
    assert refusal(witness, request(0, 12)) == (409, 25)


def test_a_head_that_does_not_extend_the_held_one_is_never_cosigned(
    witness: Witness,
) -> None:
    witness.add_checkpoint(request(0, 20))
    forked = LEAVES[:15] + [hashlib.sha256(b"forged").digest()] * 10
    root = root_from_leaf_hashes(forked)
    fork = sign_note(checkpoint_body(ORIGIN, 25, root), ORIGIN, LOG_KEY)
    bad = request_body(20, consistency_proof(forked, 20), fork)
    assert refusal(witness, bad) == (422, None)
    other_root = sign_note(checkpoint_body(ORIGIN, 20, root), ORIGIN, LOG_KEY)
    assert refusal(witness, request_body(20, [], other_root)) == (422, None)
    assert witness.store.held(ORIGIN, LOG_VKEY).size == 20


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"old 1\n\n", 400), (b"new 0\n\nx\n", 400), (b"old 01\n\nx\n", 400),
     (b"old 0\nnot-base64\n\n" + note(3).encode(), 400),
     (b"\xff\xfe", 400)],
)  # fmt: skip
def test_a_malformed_request_gets_400(
    witness: Witness, body: bytes, status: int
) -> None:
    assert refusal(witness, body) == (status, None)


def test_an_unknown_log_gets_404_and_a_bad_signature_403(witness: Witness) -> None:
    assert refusal(witness, request(0, 3, origin="other/log")) == (404, None)
    impostor = Ed25519PrivateKey.generate()
    assert refusal(witness, request(0, 3, key=impostor)) == (403, None)
    assert witness.store.held(ORIGIN, LOG_VKEY).size == 0


def test_old_sizes_past_the_checkpoint_and_empty_trees_are_checked(
    witness: Witness,
) -> None:
    assert refusal(witness, request_body(5, [], note(3))) == (400, None)
    wrong_empty = sign_note(checkpoint_body(ORIGIN, 0, bytes(32)), ORIGIN, LOG_KEY)
    assert refusal(witness, request_body(0, [], wrong_empty)) == (422, None)
    empty = sign_note(checkpoint_body(ORIGIN, 0, EMPTY_ROOT), ORIGIN, LOG_KEY)
    assert witness.add_checkpoint(request_body(0, [], empty))
    proof_from_zero = request_body(0, [LEAVES[0]], note(3))
    assert refusal(witness, proof_from_zero) == (422, None)
