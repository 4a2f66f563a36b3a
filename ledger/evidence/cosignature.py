"""C2SP tlog-cosignature (c2sp.org/tlog-cosignature), the Ed25519 kind: a
witness's timestamped signature over a checkpoint, as one more signed-note
signature line.

    key ID    = SHA-256(name || "\\n" || 0x04 || public key)[:4]
    message   = "cosignature/v1\\ntime <timestamp>\\n" || the checkpoint's text
    signature = key ID || timestamp (u64, big-endian) || Ed25519(message)

A witness's verifier key is `<name>+<hex key ID>+<base64(0x04 || key)>`; its
private key file is Go's signed-note private key encoding,
`PRIVATE+KEY+<name>+<hex ID>+<base64(0x01 || seed)>`, which transparency-dev's
tools turn into the same cosigner.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from ledger.evidence.note import (
    ED25519_ALGORITHM,
    SIGNATURE_PREFIX,
    NoteError,
    b64decode,
    b64encode,
    key_id,
    parse_key,
    valid_name,
)

COSIGNATURE_ALGORITHM = b"\x04"
MAX_TIMESTAMP = 2**63 - 1
PRIVATE_PREFIX = "PRIVATE+KEY+"


@dataclass(frozen=True)
class Cosigner:
    """A witness's name and key, as its verifier key names them."""

    name: str
    key_id: bytes
    public_key: Ed25519PublicKey

    @property
    def vkey(self) -> str:
        """The verifier key, signature type 0x04."""
        raw = COSIGNATURE_ALGORITHM + self.public_key.public_bytes_raw()
        return f"{self.name}+{self.key_id.hex()}+{b64encode(raw)}"


def cosigner_key_id(name: str, public_key: Ed25519PublicKey) -> bytes:
    """SHA-256(name || 0x0A || 0x04 || public key)[:4]."""
    raw = COSIGNATURE_ALGORITHM + public_key.public_bytes_raw()
    return hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4]


def cosigner(vkey: str) -> Cosigner:
    """The witness a verifier key names; NoteError if it is not one."""
    name, found_id, public_key = parse_key(vkey.strip(), COSIGNATURE_ALGORITHM)
    return Cosigner(name, found_id, public_key)


def cosigner_of(name: str, key: Ed25519PrivateKey) -> Cosigner:
    """The cosigner a private key makes under `name`."""
    public_key = key.public_key()
    return Cosigner(name, cosigner_key_id(name, public_key), public_key)


def signed_message(body: str, timestamp: int) -> bytes:
    """What a cosignature at `timestamp` signs: the header, the time, the text."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def cosign(body: str, name: str, key: Ed25519PrivateKey, timestamp: int) -> str:
    """The cosignature line (with its newline) of checkpoint text `body`."""
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"{timestamp} is not a cosignature time")
    signature = key.sign(signed_message(body, timestamp))
    blob = (
        cosigner_key_id(name, key.public_key())
        + timestamp.to_bytes(8, "big")
        + signature
    )
    return f"{SIGNATURE_PREFIX}{name} {b64encode(blob)}\n"


def cosigned_at(body: str, line: str, witness: Cosigner) -> int | None:
    """The time of `witness`'s valid cosignature `line` over `body`; None for
    a line by another key (or not a signature line); NoteError when it is
    the witness's line and does not verify."""
    if not line.startswith(SIGNATURE_PREFIX):
        return None
    signer, _, encoded = line[len(SIGNATURE_PREFIX) :].rstrip("\n").partition(" ")
    blob = b64decode(encoded)
    if signer != witness.name or blob is None or blob[:4] != witness.key_id:
        return None
    if len(blob) != 4 + 8 + 64:
        raise NoteError(f"the cosignature by {witness.name} is malformed")
    timestamp = int.from_bytes(blob[4:12], "big")
    try:
        witness.public_key.verify(blob[12:], signed_message(body, timestamp))
    except InvalidSignature:
        raise NoteError(f"the cosignature by {witness.name} does not verify") from None
    if not 0 < timestamp <= MAX_TIMESTAMP:
        raise NoteError(f"the cosignature by {witness.name} has no valid time")
    return timestamp


def private_key_text(name: str, key: Ed25519PrivateKey) -> str:
    """Go's signed-note private key encoding of `key` under `name`."""
    if not valid_name(name):
        raise NoteError(
            f"{name!r} is not a key name: it must be non-empty, without spaces or '+'"
        )
    seed = key.private_bytes_raw()
    found_id = key_id(name, key.public_key())
    encoded = b64encode(ED25519_ALGORITHM + seed)
    return f"{PRIVATE_PREFIX}{name}+{found_id.hex()}+{encoded}\n"


def parse_private_key(text: str) -> tuple[str, Ed25519PrivateKey]:
    """The name and key of Go's signed-note private key encoding."""
    text = text.strip()
    if not text.startswith(PRIVATE_PREFIX):
        raise NoteError("not a signed-note private key (PRIVATE+KEY+…)")
    name, _, rest = text[len(PRIVATE_PREFIX) :].partition("+")
    hex_id, _, encoded = rest.partition("+")
    raw = b64decode(encoded)
    if not valid_name(name) or raw is None or len(raw) != 33:
        raise NoteError("malformed signed-note private key")
    if raw[:1] != ED25519_ALGORITHM:
        raise NoteError("the private key is not an Ed25519 key")
    key = Ed25519PrivateKey.from_private_bytes(raw[1:])
    if key_id(name, key.public_key()).hex() != hex_id:
        raise NoteError("the private key does not match its key ID")
    return name, key
