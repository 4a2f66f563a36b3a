"""C2SP tlog-cosignature (Ed25519, cosignature/v1) and tlog-proof, against
transparency-dev's and Go's published values, then tampering."""

from __future__ import annotations

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.evidence.cosignature import (
    cosign,
    cosigned_at,
    cosigner,
    cosigner_of,
    parse_private_key,
    private_key_text,
    signed_message,
)
from ledger.evidence.note import (
    NoteError,
    checkpoint_body,
    open_note,
    sign_note,
    verifier_key,
)
from ledger.evidence.tlogproof import format_proof, parse_proof

# transparency-dev/formats, note/note_cosigv1_test.go (TestCoSigV1NewVerifier,
# "native algEd25519CosignatureV1 verifier"): a witness's verifier key.
REMORA = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
# ... and TestCosignatureTimestamp: a cosignature whose timestamp is 1727964367.
COSIGNATURE = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7"
    "S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)
# Go's golang.org/x/mod/sumdb/note tests: the PeterNeumann signer key.
PETER_SKEY = (
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
)
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
BODY = checkpoint_body("example.com/log", 20852163, bytes(range(32)))


def test_a_published_witness_key_reads_with_its_key_id() -> None:
    witness = cosigner(REMORA)
    assert witness.name == "remora.n621.de"
    assert witness.key_id.hex() == "da77ade7"
    assert witness.vkey == REMORA


def test_a_log_s_key_is_not_a_witness_s_key() -> None:
    with pytest.raises(NoteError, match="is not a witness's key"):
        cosigner(PETER_VKEY)


def test_a_published_cosignature_carries_its_key_id_and_time() -> None:
    blob = base64.b64decode(COSIGNATURE)
    assert len(blob) == 4 + 8 + 64
    assert int.from_bytes(blob[4:12], "big") == 1727964367


def test_go_s_private_key_encoding_reads_and_writes_the_same_key() -> None:
    name, key = parse_private_key(PETER_SKEY)
    assert name == "PeterNeumann"
    assert private_key_text(name, key) == PETER_SKEY + "\n"
    # The same key's log verifier key is Go's published one.
    raw = b"\x01" + key.public_key().public_bytes_raw()
    assert PETER_VKEY.endswith(base64.b64encode(raw).decode())


def test_a_cosignature_signs_the_header_the_time_and_the_checkpoint() -> None:
    _, key = parse_private_key(PETER_SKEY)
    line = cosign(BODY, "PeterNeumann", key, 1679315147)
    blob = base64.b64decode(line.split(" ")[2])
    # key ID = SHA-256(name || "\n" || 0x04 || key)[:4], then the time, then
    # Ed25519 over "cosignature/v1\ntime <t>\n" and the checkpoint.
    pub = key.public_key().public_bytes_raw()
    assert blob[:4] == hashlib.sha256(b"PeterNeumann\n\x04" + pub).digest()[:4]
    assert blob[4:12] == (1679315147).to_bytes(8, "big")
    assert signed_message(BODY, 1679315147) == (
        b"cosignature/v1\ntime 1679315147\nexample.com/log\n20852163\n"
        + base64.b64encode(bytes(range(32)))
        + b"\n"
    )
    key.public_key().verify(blob[12:], signed_message(BODY, 1679315147))
    assert cosigned_at(BODY, line, cosigner_of("PeterNeumann", key)) == 1679315147


def test_a_cosignature_of_another_checkpoint_or_time_does_not_verify() -> None:
    key = Ed25519PrivateKey.generate()
    witness = cosigner_of("w.example", key)
    line = cosign(BODY, "w.example", key, 1700000000)
    other = checkpoint_body("example.com/log", 20852164, bytes(range(32)))
    with pytest.raises(NoteError, match="does not verify"):
        cosigned_at(other, line, witness)
    blob = bytearray(base64.b64decode(line.split(" ")[2]))
    blob[11] ^= 1
    moved = f"\u2014 w.example {base64.b64encode(bytes(blob)).decode()}\n"
    with pytest.raises(NoteError, match="does not verify"):
        cosigned_at(BODY, moved, witness)
    # Another witness's line is not this one's to judge.
    assert cosigned_at(BODY, line, cosigner_of("w2.example", key)) is None


def test_a_cosigned_note_still_opens_with_the_log_s_key() -> None:
    log_key = Ed25519PrivateKey.generate()
    note = sign_note(BODY, "example.com/log", log_key)
    cosigned = note + cosign(BODY, "w.example", Ed25519PrivateKey.generate(), 1)
    assert (
        open_note(cosigned, verifier_key("example.com/log", log_key.public_key()))
        == BODY
    )


H1 = hashlib.sha256(b"hash1").digest()
H2 = hashlib.sha256(b"hash2").digest()


def test_a_tlog_proof_is_written_as_transparency_dev_writes_it() -> None:
    # transparency-dev/formats, proof/tlog_proof_test.go (TestMarshal).
    b1, b2 = base64.b64encode(H1).decode(), base64.b64encode(H2).decode()
    assert format_proof(5, [H1, H2], "test checkpoint\n") == (
        f"c2sp.org/tlog-proof@v1\nindex 5\n{b1}\n{b2}\n\ntest checkpoint\n"
    )
    extra = base64.b64encode(b"extra information").decode()
    assert format_proof(10, [H1], "checkpoint data\n", b"extra information") == (
        f"c2sp.org/tlog-proof@v1\nextra {extra}\nindex 10\n{b1}\n\ncheckpoint data\n"
    )
    assert format_proof(0, [], "checkpoint\n") == (
        "c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n"
    )
    parsed = parse_proof(format_proof(456, [H1], "another checkpoint\n", b"x"))
    assert (parsed.index, parsed.proof, parsed.checkpoint, parsed.extra) == (
        456,
        [H1],
        "another checkpoint\n",
        b"x",
    )


@pytest.mark.parametrize(
    "text",
    ["wrong-header\nindex 0\n\ncheckpoint\n",
     "c2sp.org/tlog-proof@v1\nextra !!notbase64!!\nindex 0\n\ncheckpoint\n",
     "c2sp.org/tlog-proof@v1\n\n\ncheckpoint\n",
     "c2sp.org/tlog-proof@v1\nindex notanumber\n\ncheckpoint\n",
     "c2sp.org/tlog-proof@v1\nindex -5\n\ncheckpoint\n",
     "c2sp.org/tlog-proof@v1\nindex 0\n!!notbase64!!\n\ncheckpoint\n",
     "c2sp.org/tlog-proof@v1\nindex 0\n" + base64.b64encode(bytes(64)).decode()
     + "\n\ncheckpoint\n"],
)  # fmt: skip
def test_what_transparency_dev_refuses_as_a_tlog_proof_is_refused(text: str) -> None:
    with pytest.raises(NoteError):
        parse_proof(text)
