"""The event mapper that seals each stored event with data keys.

A complaint event is sealed in two sections: its metadata (status, severity,
owner, times: what views count) under the ledger's data key, and its text and
personal data (summary, detail, customer, notes, reasons...) under the
complaint's own data key. Destroying the complaint's key erases the text while
every statistic can still be rebuilt from the log. Team and policy events have
only the metadata section.

Stored state::

    version (1) ‖ ledger key id (16) ‖ nonce (12) ‖ length (4) ‖ ciphertext+tag
                ‖ [complaint key id (16) ‖ nonce (12) ‖ ciphertext+tag]

Each section's associated data is the event's identity (originator id,
version, topic), the section's name and its key id, so a ciphertext moved to
another row, aggregate, version or section fails to open.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import Any, cast
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoder,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from ledger.crypto.keyring import LEDGER_SCOPE, Keyring
from ledger.crypto.masterkey import NONCE_BYTES, StoredKey
from ledger.domain.complaint import TEXT_FIELDS, Complaint
from ledger.domain.topics import resolve
from ledger.errors import DamagedEvent

FORMAT_VERSION = 1
KEY_ID_BYTES = 16
LENGTH_BYTES = 4
SECTION_HEAD = KEY_ID_BYTES + NONCE_BYTES
PRIVATE_NAMES = "_private"
# How the transcoder's JSON spells that key: found in a section's plaintext
# whenever the key is there.
_NAMES_KEY = json.dumps(PRIVATE_NAMES).encode()
_TEXT_NAMES: dict[type, tuple[str, ...]] = {}


def ledger_transcoder() -> JSONTranscoder:
    """What each section's fields are encoded with: the library's JSON, with
    the transcodings its applications register (UUID, Decimal, datetime)."""
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):
        transcoder.register(transcoding)
    return transcoder


def key_ids_of(state: bytes) -> set[UUID]:
    """The ids of the data keys that sealed a stored state."""
    return {UUID(bytes=k) for k in key_id_slots(state) if len(k) == KEY_ID_BYTES}


def text_key_id(state: bytes) -> bytes | None:
    """The id of the data key that sealed a state's text section, if any."""
    key_id = key_id_slots(state)[1]
    return key_id if len(key_id) == KEY_ID_BYTES else None


def unsaved_keys(keyring: Keyring, stored: Iterable[StoredEvent]) -> list[StoredKey]:
    """The new data keys that sealed `stored` and the key table lacks yet."""
    return keyring.unsaved(k for s in stored for k in key_id_slots(s.state))


def key_id_slots(state: bytes) -> tuple[bytes, bytes]:
    """Where a stored state names its sections' keys: either may be empty or
    cut short (such a state is for `open` to refuse)."""
    start = 1 + SECTION_HEAD
    rest = start + LENGTH_BYTES + int.from_bytes(state[start : start + LENGTH_BYTES])
    return state[1 : 1 + KEY_ID_BYTES], state[rest : rest + KEY_ID_BYTES]


def _stored_identity(stored: StoredEvent) -> bytes:
    originator = stored.originator_id
    assert isinstance(originator, UUID)
    return _identity(originator.bytes, stored.originator_version, stored.topic)


def _identity(originator: bytes, version: int, topic: str) -> bytes:
    """The event's part of each section's associated data."""
    return b"".join(
        (
            bytes([FORMAT_VERSION]),
            originator,
            version.to_bytes(8, "big", signed=True),
            topic.encode(),
            b"\x00",
        )
    )


class SealCheck:
    """Whether stored events open, found without decoding them, for checking
    many at once: True only where `EnvelopeMapper.open` would succeed; False
    may be a doubt, which `open` settles and names. Each key's cipher is kept
    for the check's lifetime."""

    def __init__(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._ciphers: dict[bytes, AESGCM | None] = {}

    def load_keys(self, states: Iterable[bytes]) -> None:
        """Find the keys that sealed `states`, those not in memory in one query."""
        wanted = {key_id for state in states for key_id in key_id_slots(state)}
        missing = [
            key_id
            for key_id in wanted - self._ciphers.keys()
            if len(key_id) == KEY_ID_BYTES
        ]
        self._ciphers.update(self._keyring.ciphers(missing))

    def __call__(
        self, originator: bytes, version: int, topic: str, state: bytes
    ) -> bool:
        """Whether the event given as its columns opens under its keys."""
        start = 1 + SECTION_HEAD + LENGTH_BYTES
        meta_end = start + int.from_bytes(state[start - LENGTH_BYTES : start], "big")
        if state[:1] != bytes([FORMAT_VERSION]) or len(state) < max(start, meta_end):
            return False
        identity = _identity(originator, version, topic)
        meta = self._plain(
            identity + b"meta", state[1 : 1 + SECTION_HEAD], state[start:meta_end]
        )
        text = state[meta_end:]
        if meta is None:
            return False
        # The metadata lists the text's field names exactly when there is text.
        # Without a key named so in its JSON, it lists none; and a text section
        # that opens was sealed for this very event, which the mapper does only
        # beside such a list.
        if not text:
            return _NAMES_KEY not in meta
        sealed = self._plain(
            identity + b"text", text[:SECTION_HEAD], text[SECTION_HEAD:]
        )
        return _NAMES_KEY in meta and sealed is not None

    def _plain(self, aad: bytes, head: bytes, sealed: bytes) -> bytes | None:
        """A section's plaintext, or None when it does not open (or its key is
        gone, which only `open` may excuse)."""
        if len(head) < SECTION_HEAD:
            return None
        key_id = head[:KEY_ID_BYTES]
        if key_id not in self._ciphers:
            self._ciphers[key_id] = self._keyring.for_reading(key_id)
        cipher = self._ciphers[key_id]
        if cipher is None:
            return None
        try:
            return cipher.decrypt(head[KEY_ID_BYTES:], sealed, aad + key_id)
        except InvalidTag:
            return None


class EnvelopeMapper(Mapper[UUID]):
    """Maps domain events to stored events sealed with the ledger's and each
    complaint's data keys."""

    def __init__(self, transcoder: Transcoder, keyring: Keyring) -> None:
        super().__init__(transcoder=transcoder)
        self.keyring = keyring

    # Both methods follow the library's Mapper, which transcodes the whole state
    # at once; here it is split into sections first, each transcoded and sealed.
    # No event class has a `class_version` yet, so there is nothing to upcast.

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        version = state.pop("originator_version")
        topic = get_topic(type(domain_event))
        identity = _identity(originator_id.bytes, version, topic)
        private = {name: state.pop(name) for name in self._text_names(domain_event)}
        if private:
            state[PRIVATE_NAMES] = list(private)
        key_id, sealed = self._seal(identity, b"meta", LEDGER_SCOPE, False, state)
        parts = [
            bytes([FORMAT_VERSION]),
            key_id,
            sealed[:NONCE_BYTES],
            (len(sealed) - NONCE_BYTES).to_bytes(LENGTH_BYTES, "big"),
            sealed[NONCE_BYTES:],
        ]
        if private:
            scope = originator_id.hex
            parts += self._seal(identity, b"text", scope, version == 1, private)
        return StoredEvent(
            originator_id=originator_id,
            originator_version=version,
            topic=topic,
            state=b"".join(parts),
        )

    @staticmethod
    def _text_names(domain_event: DomainEventProtocol[UUID]) -> tuple[str, ...]:
        """The event's fields sealed under the complaint's key, in order: the
        same for every event of a class, so found once per class."""
        kind = type(domain_event)
        names = _TEXT_NAMES.get(kind)
        if names is None:
            text = TEXT_FIELDS if isinstance(domain_event, Complaint.Event) else ()
            names = _TEXT_NAMES[kind] = tuple(
                sorted(set(text) & vars(domain_event).keys())
            )
        if "address" in vars(domain_event) and isinstance(
            domain_event, Complaint.Event
        ):
            # A client's address, on events saved under a verified identity,
            # is personal data: erasing the complaint erases it too.
            return (*names, "address")
        return names

    def _seal(
        self,
        identity: bytes,
        section: bytes,
        scope: str,
        new_scope: bool,
        fields: dict[str, Any],
    ) -> tuple[bytes, bytes]:
        """The id of the scope's key, and the nonce and ciphertext sealed with it."""
        key_id, cipher = self.keyring.for_writing(scope, new_scope=new_scope)
        nonce = os.urandom(NONCE_BYTES)
        plain = self.transcoder.encode(fields)
        return key_id, nonce + cipher.encrypt(nonce, plain, identity + section + key_id)

    def to_domain_event(
        self, stored_event: StoredEvent, *, with_text: bool = True
    ) -> DomainEventProtocol[UUID]:
        """The domain event; without text (for views, which never hold it) its
        text fields are None and the complaint's key is not even looked up."""
        state = self.open(stored_event, with_text=with_text)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        domain_event = object.__new__(resolve(stored_event.topic))
        object.__setattr__(domain_event, "__dict__", state)
        return cast(DomainEventProtocol[UUID], domain_event)

    def open(self, stored: StoredEvent, *, with_text: bool = True) -> dict[str, Any]:
        """The event's fields, checked and decrypted; text fields are None when
        the complaint's data key was destroyed (or the text is not wanted)."""
        state = stored.state
        start = 1 + SECTION_HEAD + LENGTH_BYTES
        if len(state) < start or state[0] != FORMAT_VERSION:
            raise self._damaged(stored, "its stored format is unknown")
        length = int.from_bytes(state[start - LENGTH_BYTES : start], "big")
        meta_end = start + length
        if len(state) < meta_end:
            raise self._damaged(stored, "it was truncated")
        meta_head = state[1 : 1 + SECTION_HEAD]
        fields = self._open_section(stored, b"meta", meta_head, state[start:meta_end])
        if fields is None:
            raise self._damaged(stored, "its ledger data key is missing")
        names: list[str] = fields.pop(PRIVATE_NAMES, [])
        text_section = state[meta_end:]
        if bool(names) != bool(text_section):
            raise self._damaged(stored, "its text section is missing or extra")
        if names and not with_text:
            fields.update(dict.fromkeys(names))
        elif names:
            head, sealed = text_section[:SECTION_HEAD], text_section[SECTION_HEAD:]
            private = self._open_section(stored, b"text", head, sealed)
            fields.update(private or dict.fromkeys(names))
        return fields

    def _open_section(
        self, stored: StoredEvent, section: bytes, head: bytes, sealed: bytes
    ) -> dict[str, Any] | None:
        if len(head) < SECTION_HEAD:
            raise self._damaged(stored, "it was truncated")
        key_id = head[:KEY_ID_BYTES]
        cipher = self.keyring.for_reading(key_id)
        if cipher is None:
            return None
        try:
            aad = _stored_identity(stored) + section + key_id
            plain = cipher.decrypt(head[KEY_ID_BYTES:], sealed, aad)
        except InvalidTag:
            raise self._damaged(stored, "it was altered or moved") from None
        decoded: dict[str, Any] = self.transcoder.decode(plain)
        return decoded

    @staticmethod
    def _damaged(stored: StoredEvent, why: str) -> DamagedEvent:
        originator = stored.originator_id
        assert isinstance(originator, UUID)
        kind = stored.topic.rpartition(".")[2]
        return DamagedEvent(originator, stored.originator_version, kind, why)
