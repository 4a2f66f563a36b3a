"""C2SP signed notes and tlog checkpoints: Go's published example, then tampering."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.evidence.note import (
    NoteError,
    checkpoint_body,
    key_id,
    open_note,
    parse_checkpoint,
    sign_note,
    verifier_key,
)

# The worked example in the package doc and tests of Go's signed-note reference
# implementation: golang/mod, sumdb/note/note.go and sumdb/note/note_test.go
# (TestSign, TestOpen). The signer key is "PRIVATE+KEY+PeterNeumann+c74f20a3+"
# followed by base64(0x01 || Ed25519 seed).
PETER_SEED = base64.b64decode("AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz")[1:]
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2"
    "pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5o"
    "vTG01oOTGwnWLox33WWd1RvMc+QQ=\n"
)
ROOT = bytes(range(32))


def test_the_go_example_key_gives_the_published_verifier_key_and_note() -> None:
    peter = Ed25519PrivateKey.from_private_bytes(PETER_SEED)
    assert verifier_key("PeterNeumann", peter.public_key()) == PETER_VKEY
    assert key_id("PeterNeumann", peter.public_key()).hex() == "c74f20a3"
    assert sign_note(TEXT, "PeterNeumann", peter) == TEXT + "\n" + PETER_SIG


def test_the_go_example_note_opens_with_either_signers_key() -> None:
    note = TEXT + "\n" + PETER_SIG + ENOCH_SIG
    assert open_note(note, PETER_VKEY) == TEXT
    assert open_note(note, ENOCH_VKEY) == TEXT
    with pytest.raises(NoteError, match="not signed by the key EnochRoot"):
        open_note(TEXT + "\n" + PETER_SIG, ENOCH_VKEY)


def test_a_signed_note_opens_to_its_text(key: Ed25519PrivateKey) -> None:
    body = checkpoint_body("plaint.example/ledger", 7, ROOT)
    note = sign_note(body, "plaint.example/ledger", key)
    assert note.startswith(body + "\n\u2014 plaint.example/ledger ")
    vkey = verifier_key("plaint.example/ledger", key.public_key())
    assert open_note(note, vkey) == body
    assert parse_checkpoint(open_note(note, vkey)) == ("plaint.example/ledger", 7, ROOT)


def test_a_note_with_any_one_character_changed_is_rejected(
    key: Ed25519PrivateKey,
) -> None:
    vkey = verifier_key("plaint.example/ledger", key.public_key())
    note = sign_note(
        checkpoint_body("plaint.example/ledger", 7, ROOT), "plaint.example/ledger", key
    )
    for i, char in enumerate(note):
        for other in {"x" if char != "x" else "y", chr(ord(char) ^ 1)}:
            with pytest.raises(NoteError):
                open_note(note[:i] + other + note[i + 1 :], vkey)
        with pytest.raises(NoteError):
            open_note(note[:i] + note[i + 1 :], vkey)


def test_a_note_signed_by_another_key_is_rejected(key: Ed25519PrivateKey) -> None:
    note = sign_note(TEXT, "plaint.example/ledger", key)
    impostor = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(NoteError, match="not signed by"):
        open_note(note, verifier_key("plaint.example/ledger", impostor))
    with pytest.raises(NoteError, match="not signed by"):
        open_note(note, verifier_key("plaint.example/other", key.public_key()))


def test_a_bad_signature_from_the_expected_key_is_rejected() -> None:
    forged = PETER_SIG[:60] + "ABCD" + PETER_SIG[64:]
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + forged, PETER_VKEY)
    # A good signature does not excuse a bad one by the same key.
    with pytest.raises(NoteError, match="does not verify"):
        open_note(TEXT + "\n" + PETER_SIG + forged, PETER_VKEY)


def test_unknown_signatures_are_skipped() -> None:
    stranger = "\u2014 Stranger " + base64.b64encode(bytes(68)).decode() + "\n"
    assert open_note(TEXT + "\n" + stranger + PETER_SIG, PETER_VKEY) == TEXT


def test_a_non_canonical_base64_signature_is_rejected() -> None:
    # The last character before '=' carries two unused bits; a lax decoder
    # would read "...nAN=" as the same bytes as "...nAM=".
    lax = PETER_SIG.replace("JnAM=", "JnAN=")
    assert lax != PETER_SIG
    with pytest.raises(NoteError, match="malformed"):
        open_note(TEXT + "\n" + lax, PETER_VKEY)


@pytest.mark.parametrize(
    "note",
    [
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        "\ud800" + TEXT + "\n" + PETER_SIG,
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG.replace("PeterNeumann", "Peter Neumann"),
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        TEXT + "\n" + PETER_SIG.replace("\u2014", "-"),
        TEXT + "\n" + PETER_SIG * 101,
        TEXT + "\n" + "\u2014 PeterNeumann x08g\n",
    ],
)
def test_malformed_notes_are_rejected(note: str) -> None:
    with pytest.raises(NoteError, match="malformed"):
        open_note(note, PETER_VKEY)


@pytest.mark.parametrize(
    "vkey",
    [
        PETER_VKEY[:-1],
        PETER_VKEY + "A",
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),
        PETER_VKEY.replace("c74f20a3", "c74f20a"),
        PETER_VKEY.replace("PeterNeumann", "PeterNeuman"),
        PETER_VKEY.replace("PeterNeumann", ""),
        "PeterNeumann",
        # Wrong key length and unknown algorithm, each with a matching key ID,
        # from Go's TestNewVerifier.
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_a_malformed_verifier_key_is_refused(vkey: str) -> None:
    with pytest.raises(NoteError, match="verifier key"):
        open_note(TEXT + "\n" + PETER_SIG, vkey)


def test_signing_refuses_text_that_could_not_be_opened(key: Ed25519PrivateKey) -> None:
    with pytest.raises(NoteError, match="newline"):
        sign_note("no final newline", "plaint.example/ledger", key)
    with pytest.raises(NoteError, match="control"):
        sign_note("a\ttab\n", "plaint.example/ledger", key)
    for name in ["", "two words", "a+b", "tab\there"]:
        with pytest.raises(NoteError, match="key name"):
            sign_note(TEXT, name, key)
        with pytest.raises(NoteError, match="key name"):
            verifier_key(name, key.public_key())


def test_a_note_text_may_hold_blank_lines(key: Ed25519PrivateKey) -> None:
    body = "first\n\nthird\n\n"
    vkey = verifier_key("plaint.example/ledger", key.public_key())
    assert open_note(sign_note(body, "plaint.example/ledger", key), vkey) == body


def test_a_checkpoint_body_is_origin_size_and_base64_root() -> None:
    root = base64.b64decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
    body = checkpoint_body("example.com/behind-the-sofa", 20852163, root)
    # The example in c2sp.org/tlog-checkpoint.
    assert body == (
        "example.com/behind-the-sofa\n20852163\n"
        "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    )
    assert parse_checkpoint(body) == ("example.com/behind-the-sofa", 20852163, root)
    assert parse_checkpoint(checkpoint_body("o", 0, root))[1] == 0


def test_a_checkpoint_may_carry_extension_lines() -> None:
    body = checkpoint_body("o", 3, ROOT) + "extension one\nextension two\n"
    assert parse_checkpoint(body) == ("o", 3, ROOT)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "o\n3\n",
        "o\n3\n" + base64.b64encode(ROOT).decode(),
        "\n3\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n03\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n00\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n-3\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n+3\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n 3\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n\u0663\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n18446744073709551616\n" + base64.b64encode(ROOT).decode() + "\n",
        "o\n3\n" + base64.b64encode(ROOT[:31]).decode() + "\n",
        "o\n3\n" + base64.b64encode(ROOT).decode().rstrip("=") + "\n",
        "o\n3\n" + base64.b64encode(ROOT).decode() + "\n\nextension\n",
        "o\n3\n" + base64.b64encode(ROOT).decode() + "\r\n",
    ],
)
def test_a_malformed_checkpoint_is_rejected(body: str) -> None:
    with pytest.raises(NoteError):
        parse_checkpoint(body)


def test_a_checkpoint_is_not_made_from_bad_parts() -> None:
    with pytest.raises(NoteError, match="origin"):
        checkpoint_body("", 1, ROOT)
    with pytest.raises(NoteError, match="origin"):
        checkpoint_body("two\nlines", 1, ROOT)
    with pytest.raises(NoteError, match="tree size"):
        checkpoint_body("o", -1, ROOT)
    with pytest.raises(NoteError, match="32 bytes"):
        checkpoint_body("o", 1, ROOT[:31])
