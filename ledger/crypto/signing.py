"""The Ed25519 key that signs checkpoints (its verifier key is in
ledger/evidence/note.py, with the signed-note format).

`cryptography`'s serialization module is imported only to write or read the
key's PEM file: it is a few milliseconds of every command's start-up, and most
commands never sign.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
)

from ledger.crypto.privatefile import read_secret_file, write_secret_file
from ledger.errors import KeyProblem


def create_signing_key(path: Path) -> Ed25519PrivateKey:
    """Generate a signing key and write it (PEM, mode 0600) to `path`."""
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_secret_file(path, pem.decode("ascii"))
    return key


def load_signing_key(path: Path) -> Ed25519PrivateKey:
    """Read the signing key, saying which file when it cannot be used."""
    from cryptography.hazmat.primitives import serialization

    try:
        pem = read_secret_file(path)
        key = serialization.load_pem_private_key(pem, password=None)
    except FileNotFoundError:
        raise KeyProblem(f"no signing key at {path}") from None
    except (OSError, ValueError) as error:
        raise KeyProblem(f"cannot read the signing key {path}: {error}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyProblem(f"{path} is not an Ed25519 signing key")
    return key
