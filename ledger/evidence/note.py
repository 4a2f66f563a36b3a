"""C2SP signed notes and tlog checkpoints, signed with Ed25519.

A checkpoint is the tree head a log publishes (c2sp.org/tlog-checkpoint): its
origin, size and root hash as the text of a signed note (c2sp.org/signed-note).
The encoding is that of Go's golang.org/x/mod/sumdb/note, so the usual
transparency-log tools can check plaint's checkpoints and plaint theirs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import string

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# The signed-note signature type of Ed25519 keys.
ED25519_ALGORITHM = b"\x01"
ROOT_SIZE = 32
SIGNATURE_SIZE = 64
# The spec asks verifiers to accept at least 16; Go's note package stops at 100.
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
MAX_TREE_SIZE = 2**64 - 1

_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f]")
_TREE_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class NoteError(ValueError):
    """A note or checkpoint that is malformed or not signed by the expected key."""


class NoteMismatch(NoteError):
    """A well-formed note that is not what was expected: no valid signature by
    the expected key, or a checkpoint of another log."""


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    """The tlog-checkpoint text for a tree of `size` leaves with head `root`."""
    if not origin or "\n" in origin or _CONTROL.search(origin):
        raise NoteError("a checkpoint origin is one non-empty line of text")
    if not 0 <= size <= MAX_TREE_SIZE:
        raise NoteError(f"{size} is not a tree size")
    if len(root) != ROOT_SIZE:
        raise NoteError("a checkpoint root hash is 32 bytes")
    return f"{origin}\n{size}\n{b64encode(root)}\n"


def parse_checkpoint(body: str) -> tuple[str, int, bytes]:
    """The origin, tree size and root hash of a checkpoint's text."""
    _check_text(body, "checkpoint")
    if not body.endswith("\n"):
        raise NoteError("a checkpoint ends with a newline")
    lines = body[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise NoteError(
            "a checkpoint is an origin, a tree size and a root hash, each on its "
            "own non-empty line, then optional non-empty extension lines"
        )
    origin, size_text, root_text = lines[:3]
    if not _TREE_SIZE.fullmatch(size_text) or int(size_text) > MAX_TREE_SIZE:
        raise NoteError(f"the checkpoint tree size {size_text!r} is not a decimal size")
    root = b64decode(root_text)
    if root is None or len(root) != ROOT_SIZE:
        raise NoteError("the checkpoint root hash is not base64 of 32 bytes")
    return origin, int(size_text), root


def key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """The 4-byte key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    encoded = ED25519_ALGORITHM + public_key.public_bytes_raw()
    return hashlib.sha256(name.encode() + b"\n" + encoded).digest()[:4]


def verifier_key(name: str, public_key: Ed25519PublicKey) -> str:
    """The verifier key `<name>+<hex key ID>+<base64(0x01 || public key)>`."""
    _check_name(name)
    encoded = b64encode(ED25519_ALGORITHM + public_key.public_bytes_raw())
    return f"{name}+{key_id(name, public_key).hex()}+{encoded}"


def sign_note(body: str, name: str, key: Ed25519PrivateKey) -> str:
    """The note `body` followed by a blank line and `name`'s signature line."""
    _check_name(name)
    _check_text(body, "note")
    if not body.endswith("\n"):
        raise NoteError("a note's text ends with a newline")
    signature = key.sign(body.encode())
    prefix = key_id(name, key.public_key())
    return f"{body}\n{SIGNATURE_PREFIX}{name} {b64encode(prefix + signature)}\n"


def open_note(text: str, verifier_key: str) -> str:
    """The text of a note that `verifier_key` signed; NoteError if it did not."""
    name, expected_id, public_key = _parse_verifier_key(verifier_key)
    _check_text(text, "note")
    # The text ends at the last blank line; it may hold blank lines of its own.
    split = text.rfind("\n\n")
    if split < 0 or not text.endswith("\n") or split + 2 == len(text):
        raise NoteError("malformed note: no signature lines after a blank line")
    body, lines = text[: split + 1], text[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
    message = body.encode()
    verified = False
    for line in lines:
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed note: {line!r} is not a signature line")
        signer, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        signature = b64decode(encoded)
        if not valid_name(signer) or signature is None or len(signature) < 5:
            raise NoteError(f"malformed note: bad signature line {line!r}")
        # The spec has verifiers skip signatures by keys they do not know.
        if signer != name or signature[:4] != expected_id:
            continue
        if not _signed_by(public_key, signature[4:], message):
            raise NoteMismatch(f"the note's signature by {name} does not verify")
        verified = True
    if not verified:
        raise NoteMismatch(
            f"the note is not signed by the key {name}+{expected_id.hex()}"
        )
    return body


def check_verifier_key(vkey: str) -> str:
    """`vkey` when it is a well-formed Ed25519 verifier key; NoteError if not."""
    _parse_verifier_key(vkey)
    return vkey


def _parse_verifier_key(vkey: str) -> tuple[str, bytes, Ed25519PublicKey]:
    return parse_key(vkey, ED25519_ALGORITHM)


def parse_key(vkey: str, algorithm: bytes) -> tuple[str, bytes, Ed25519PublicKey]:
    """The name, key ID and Ed25519 key of a verifier key of signature type
    `algorithm` (0x01 a log's key, 0x04 a witness's cosignature key)."""
    name, _, rest = vkey.partition("+")
    hex_id, _, encoded = rest.partition("+")
    raw = b64decode(encoded)
    if (
        not valid_name(name)
        or len(hex_id) != 8
        or not all(c in string.hexdigits for c in hex_id)
        or not raw
    ):
        raise NoteError(f"malformed verifier key {vkey!r}")
    if raw[:1] != algorithm or len(raw) != 1 + 32:
        kind = (
            "an Ed25519 key"
            if algorithm == ED25519_ALGORITHM
            else "a witness's key (signature type 0x04)"
        )
        raise NoteError(f"the verifier key {vkey!r} is not {kind}")
    expected_id = bytes.fromhex(hex_id)
    if hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4] != expected_id:
        raise NoteError(f"the verifier key {vkey!r} does not match its key ID")
    return name, expected_id, Ed25519PublicKey.from_public_bytes(raw[1:])


def _signed_by(key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    if len(signature) != SIGNATURE_SIZE:
        return False
    try:
        key.verify(signature, message)
    except InvalidSignature:
        return False
    return True


def valid_name(name: str) -> bool:
    """Whether `name` may name a key: non-empty, no space, no plus."""
    # Non-empty, no Unicode space and no plus, as the spec says.
    return (
        bool(name)
        and "+" not in name
        and not any(c.isspace() for c in name)
        and _CONTROL.search(name) is None
        and _is_utf8(name)
    )


def _check_name(name: str) -> None:
    if not valid_name(name):
        raise NoteError(
            f"{name!r} is not a key name: it must be non-empty, without spaces or '+'"
        )


def _check_text(text: str, what: str) -> None:
    if _CONTROL.search(text) or not _is_utf8(text):
        raise NoteError(
            f"malformed {what}: it must be UTF-8 without control characters "
            "other than newline"
        )


def _is_utf8(text: str) -> bool:
    # A str may still hold lone surrogates, which have no UTF-8 encoding.
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def b64encode(data: bytes) -> str:
    """Standard base64, as text."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: str) -> bytes | None:
    """The bytes of canonical base64 text, or None."""
    # Only the canonical encoding is accepted, so that no two spellings of a
    # signature or root (differing in padding or unused bits) both verify.
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if b64encode(data) == text else None
