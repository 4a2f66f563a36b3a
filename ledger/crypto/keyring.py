"""Envelope keys: one master key outside the ledger wraps every data key inside it.

Each complaint has its own random data key, so destroying one key erases one
complaint; team and policy events share the ledger's data key. Data keys are
stored wrapped (AES-GCM under the master key, bound to their id and scope) in a
key table beside the event log (ledger/crypto/masterkey.py), and are cached
unwrapped for the process.
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict
from collections.abc import Collection, Iterable, Sequence
from datetime import UTC, datetime
from typing import Protocol
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ledger.crypto.masterkey import KEY_BYTES, MasterKey, StoredKey
from ledger.errors import KeyProblem

LEDGER_SCOPE = "ledger"
KEYS_KEPT = 4096


class KeyStore(Protocol):
    """Where wrapped data keys are read from (the ledger's recorder)."""

    def select_key(self, key_id: UUID) -> StoredKey | None: ...

    def select_keys(self, key_ids: Sequence[UUID]) -> list[StoredKey]: ...

    def select_scope_key(self, scope: str) -> StoredKey | None: ...


class Keyring:
    """Finds, creates and caches data keys for the event mapper. Keys are named
    by their ids' 16 bytes, as stored states name them."""

    def __init__(self) -> None:
        self._master: MasterKey | None = None
        self._store: KeyStore | None = None
        self._ciphers: OrderedDict[bytes, AESGCM] = OrderedDict()
        self._scope_keys: OrderedDict[str, bytes] = OrderedDict()
        self._unsaved: dict[bytes, StoredKey] = {}

    @classmethod
    def detached(cls, master: MasterKey, ledger_key: StoredKey) -> Keyring:
        """A keyring without the key table, for sealing new complaints away from
        the database: it holds the ledger's key and creates complaints' keys."""
        keyring = cls()
        keyring.unlock(master)
        keyring._remember(ledger_key)
        return keyring

    def unlock(self, master: MasterKey) -> None:
        """Use `master` to wrap and unwrap data keys."""
        self._master = master

    def attach(self, store: KeyStore) -> None:
        """Read stored data keys from `store`."""
        self._store = store

    @property
    def master(self) -> MasterKey:
        """The master key; only a ledger opened with its key can read or write."""
        if self._master is None:
            raise KeyProblem("the ledger is locked: no master key was given")
        return self._master

    def for_writing(self, scope: str, *, new_scope: bool) -> tuple[bytes, AESGCM]:
        """The current data key of `scope` (its id and cipher), created when the
        scope has none; with `new_scope`, the key table is known to have none."""
        key_id = self._scope_keys.get(scope)
        if key_id is None and not new_scope:
            stored = self._require_store().select_scope_key(scope)
            if stored is not None:
                key_id = self._remember(stored)
        if key_id is None:
            return self._create(scope)
        cipher = self.for_reading(key_id)
        assert cipher is not None, "a key in memory or just found exists"
        return key_id, cipher

    def for_reading(self, key_id: bytes) -> AESGCM | None:
        """The data key with this id, or None when it no longer exists."""
        cipher = self._ciphers.get(key_id)
        if cipher is not None:
            self._ciphers.move_to_end(key_id)
            return cipher
        stored = self._unsaved.get(key_id) or self._require_store().select_key(
            UUID(bytes=key_id)
        )
        if stored is None:
            return None
        self._remember(stored)
        return self._ciphers[key_id]

    def ciphers(self, key_ids: Collection[bytes]) -> dict[bytes, AESGCM | None]:
        """The data keys with these ids (None for one that no longer exists),
        those not in memory read in one query. Those are not kept: a check of
        many events reads each once, and keeping them would push out the keys
        that are in use (the newest complaints', just filed or imported)."""
        found = {key_id: self._ciphers.get(key_id) for key_id in key_ids}
        missing = [key_id for key_id, cipher in found.items() if cipher is None]
        stored = [self._unsaved[k] for k in missing if k in self._unsaved]
        stored += self._require_store().select_keys(
            [UUID(bytes=k) for k in missing if k not in self._unsaved]
        )
        for key in stored:
            found[key.key_id.bytes] = AESGCM(self.master.unwrap(key))
        return found

    def ledger_key(self) -> StoredKey:
        """The ledger's data key, as stored."""
        stored = self._require_store().select_scope_key(LEDGER_SCOPE)
        assert stored is not None, "an open ledger has its data key"
        return stored

    def ledger_secret(self, label: bytes) -> bytes:
        """A secret derived from the ledger's data key for one purpose."""
        data_key = self.master.unwrap(self.ledger_key())
        return hmac.new(data_key, label, hashlib.sha256).digest()

    def forget(self, scope: str) -> None:
        """Drop a scope's keys from memory (its stored keys were destroyed)."""
        key_id = self._scope_keys.pop(scope, None)
        if key_id is not None:
            self._ciphers.pop(key_id, None)

    def unsaved(self, key_ids: Iterable[bytes]) -> list[StoredKey]:
        """New keys among `key_ids` not yet in the key table, each once."""
        if not self._unsaved:
            return []
        found = {k: self._unsaved[k] for k in key_ids if k in self._unsaved}
        return list(found.values())

    def saved(self, keys: list[StoredKey]) -> None:
        """Note that `keys` were committed together with their events."""
        for key in keys:
            self._unsaved.pop(key.key_id.bytes, None)

    def _create(self, scope: str) -> tuple[bytes, AESGCM]:
        key_id = uuid4()
        data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        cipher = AESGCM(data_key)
        master = self.master
        self._unsaved[key_id.bytes] = StoredKey(
            key_id=key_id,
            scope=scope,
            master_id=master.key_id,
            wrapped=master.wrap(key_id, scope, data_key),
            created_at=datetime.now(UTC).isoformat(),
        )
        self._keep(key_id.bytes, scope, cipher)
        return key_id.bytes, cipher

    def _remember(self, stored: StoredKey) -> bytes:
        key_id = stored.key_id.bytes
        self._keep(key_id, stored.scope, AESGCM(self.master.unwrap(stored)))
        return key_id

    def _keep(self, key_id: bytes, scope: str, cipher: AESGCM) -> None:
        """Cache a key for its scope; the least recently used go first, so a
        long import or a follower does not hold every complaint's key."""
        self._ciphers[key_id] = cipher
        self._scope_keys.setdefault(scope, key_id)
        if len(self._ciphers) > KEYS_KEPT:
            self._ciphers.popitem(last=False)
        if len(self._scope_keys) > KEYS_KEPT:
            self._scope_keys.popitem(last=False)

    def _require_store(self) -> KeyStore:
        assert self._store is not None, "the keyring is attached when the ledger opens"
        return self._store
