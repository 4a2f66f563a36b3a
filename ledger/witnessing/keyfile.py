"""A witness's key file: Go's signed-note private key encoding
(ledger/evidence/cosignature.py), private to its owner (0600)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.privatefile import read_secret_file, write_secret_file
from ledger.errors import InvalidInput, KeyProblem
from ledger.evidence.cosignature import (
    cosigner_of,
    parse_private_key,
    private_key_text,
)
from ledger.evidence.note import NoteError, valid_name


def create_witness_key(path: Path, name: str) -> str:
    """Write a new witness key named `name` to `path`; its verifier key."""
    if not valid_name(name):
        raise InvalidInput(
            f"{name!r} is not a witness name: no spaces or '+' (witness.example.org)"
        )
    key = Ed25519PrivateKey.generate()
    write_secret_file(path, private_key_text(name, key))
    return cosigner_of(name, key).vkey


def load_witness_key(path: Path) -> tuple[str, Ed25519PrivateKey]:
    """The name and key in a witness's key file."""
    try:
        text = read_secret_file(path).decode("ascii")
        return parse_private_key(text)
    except FileNotFoundError:
        raise KeyProblem(f"no witness key at {path}") from None
    except (OSError, UnicodeDecodeError, NoteError) as error:
        raise KeyProblem(f"cannot read the witness key {path}: {error}") from None
