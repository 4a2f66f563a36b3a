"""The event mapper that seals each stored event with its aggregate's data key.

Stored state is `version byte ‖ data key id (16) ‖ nonce (12) ‖ AES-GCM
ciphertext and tag`. The associated data binds the ciphertext to the event's
identity (originator id, version, topic) and to the header, so a ciphertext
moved to another row, another aggregate or another version fails to open.
"""

from __future__ import annotations

import os
from uuid import UUID

from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from ledger.complaint import Complaint
from ledger.errors import DamagedEvent
from ledger.keys import LEDGER_SCOPE, NONCE_BYTES, Keyring

FORMAT_VERSION = 1
HEADER_BYTES = 1 + 16


class KeyErased(Exception):
    """The data key of a stored event no longer exists (the complaint was erased)."""


def scope_of(domain_event: DomainEventProtocol[UUID]) -> str:
    """Complaints have a data key each; everything else shares the ledger's."""
    if isinstance(domain_event, Complaint.Event):
        return domain_event.originator_id.hex
    return LEDGER_SCOPE


def key_id_of(state: bytes) -> UUID:
    """The id of the data key that sealed a stored state."""
    return UUID(bytes=state[1:HEADER_BYTES])


def _aad(header: bytes, stored: StoredEvent) -> bytes:
    originator = stored.originator_id
    assert isinstance(originator, UUID)
    return (
        header
        + originator.bytes
        + stored.originator_version.to_bytes(8, "big")
        + stored.topic.encode()
    )


class EnvelopeMapper(Mapper[UUID]):
    """Maps domain events to stored events sealed with per-aggregate data keys."""

    def __init__(self, transcoder: Transcoder, keyring: Keyring) -> None:
        super().__init__(transcoder=transcoder)
        self.keyring = keyring

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        plain = super().to_stored_event(domain_event)
        key_id, cipher = self.keyring.for_writing(
            scope_of(domain_event), new_scope=plain.originator_version == 1
        )
        header = bytes([FORMAT_VERSION]) + key_id.bytes
        nonce = os.urandom(NONCE_BYTES)
        sealed = cipher.encrypt(nonce, plain.state, _aad(header, plain))
        return StoredEvent(
            originator_id=plain.originator_id,
            originator_version=plain.originator_version,
            topic=plain.topic,
            state=header + nonce + sealed,
        )

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        return super().to_domain_event(
            StoredEvent(
                originator_id=stored_event.originator_id,
                originator_version=stored_event.originator_version,
                topic=stored_event.topic,
                state=self.open(stored_event),
            )
        )

    def open(self, stored: StoredEvent) -> bytes:
        """The transcoded state of a stored event, checked and decrypted."""
        state = stored.state
        header = state[:HEADER_BYTES]
        if len(state) < HEADER_BYTES + NONCE_BYTES or state[0] != FORMAT_VERSION:
            raise self._damaged(stored, "its stored format is unknown")
        cipher = self.keyring.for_reading(key_id_of(state))
        if cipher is None:
            raise KeyErased(stored.originator_id)
        nonce = state[HEADER_BYTES : HEADER_BYTES + NONCE_BYTES]
        try:
            return cipher.decrypt(
                nonce, state[HEADER_BYTES + NONCE_BYTES :], _aad(header, stored)
            )
        except InvalidTag:
            raise self._damaged(stored, "it was altered or moved") from None

    @staticmethod
    def _damaged(stored: StoredEvent, why: str) -> DamagedEvent:
        originator = stored.originator_id
        assert isinstance(originator, UUID)
        kind = stored.topic.rpartition(".")[2]
        return DamagedEvent(originator, stored.originator_version, kind, why)
