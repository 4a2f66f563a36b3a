"""The master key, which wraps every data key, and a data key as the key table
stores it: wrapped with AES-GCM, bound to its id and scope, never in the clear."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.crypto.privatefile import read_secret_file
from ledger.errors import IntegrityFailure, KeyProblem

KEY_BYTES = 32
NONCE_BYTES = 12


@dataclass(frozen=True)
class StoredKey:
    """A data key as the key table holds it: wrapped, never in the clear."""

    key_id: UUID
    scope: str
    master_id: str
    wrapped: bytes
    created_at: str


@dataclass(frozen=True)
class MasterKey:
    """The secret that wraps every data key, and where it was read from."""

    secret: bytes
    source: str

    @classmethod
    def generate(cls, source: str) -> MasterKey:
        """A new random 256-bit master key."""
        return cls(AESGCM.generate_key(bit_length=KEY_BYTES * 8), source)

    @classmethod
    def from_text(cls, text: str, source: str) -> MasterKey:
        """Decode a base64 key as written in a key file or `PLAINT_MASTER_KEY`."""
        try:
            secret = base64.b64decode(text.strip(), validate=True)
        except (binascii.Error, ValueError):
            secret = b""
        if len(secret) != KEY_BYTES:
            raise KeyProblem(
                f"the master key in {source} is not a base64-encoded 32-byte key"
            )
        return cls(secret, source)

    @cached_property
    def key_id(self) -> str:
        """A fingerprint that names the key without revealing it."""
        return hashlib.sha256(b"plaint master key id\x00" + self.secret).hexdigest()[
            :16
        ]

    def as_text(self) -> str:
        """The key as a key file holds it."""
        return base64.b64encode(self.secret).decode("ascii") + "\n"

    @cached_property
    def _cipher(self) -> AESGCM:
        # Kept: verify unwraps thousands of data keys at a time.
        return AESGCM(self.secret)

    def wrap(self, key_id: UUID, scope: str, data_key: bytes) -> bytes:
        """Encrypt a data key, bound to its id and scope."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, data_key, _aad(key_id.bytes, scope))

    def wrapped(self, key_id: bytes, scope: str, wrapped: bytes) -> bool:
        """Whether `wrapped` is a data key this key wrapped for this id (16
        bytes) and scope: a stored key checked without building it."""
        nonce, sealed = wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:]
        aad = _aad(key_id, scope)
        try:
            self._cipher.decrypt(nonce, sealed, aad)
        except InvalidTag:
            return False
        return True

    def unwrap(self, stored: StoredKey) -> bytes:
        """Decrypt a stored data key; refuse one that was altered or moved."""
        nonce, sealed = stored.wrapped[:NONCE_BYTES], stored.wrapped[NONCE_BYTES:]
        try:
            return self._cipher.decrypt(
                nonce, sealed, _aad(stored.key_id.bytes, stored.scope)
            )
        except InvalidTag:
            raise IntegrityFailure(
                f"data key {stored.key_id} failed its integrity check: the key table "
                "was altered"
            ) from None


_AAD_PREFIX = b"plaint data key\x00"


def _aad(key_id: bytes, scope: str) -> bytes:
    """What binds a wrapped data key to its id (16 bytes) and scope."""
    return _AAD_PREFIX + key_id + scope.encode()


def read_master_key(path: Path) -> MasterKey:
    """Read a master key file, saying which file when it cannot be used."""
    try:
        text = read_secret_file(path).decode("ascii")
    except FileNotFoundError:
        raise KeyProblem(
            f"no master key at {path}; set PLAINT_KEY_FILE or PLAINT_MASTER_KEY to "
            "the ledger's key"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyProblem(f"cannot read the master key file {path}: {error}") from None
    return MasterKey.from_text(text, str(path))
