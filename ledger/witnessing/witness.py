"""The witness: cosigns a log's checkpoint only when it extends the one it
cosigned before (c2sp.org/tlog-witness, `add-checkpoint`), and remembers it.

The answers are the protocol's: 400 a malformed request, 404 a log it does
not know, 403 a checkpoint its key did not sign, 409 (with the size it
holds) an old size that is not the one it holds, 422 a consistency proof
that fails; 200 with the cosignature line.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.evidence.cosignature import cosign, cosigner_of
from ledger.evidence.merkle import EMPTY_ROOT, verify_consistency
from ledger.evidence.note import NoteError, NoteMismatch, check_verifier_key, open_note
from ledger.witnessing.protocol import Malformed, parse_request
from ledger.witnessing.store import Held, WitnessStore


class Refused(Exception):
    """The witness will not cosign: the HTTP status, why, and (409) the size
    it holds."""

    def __init__(self, status: int, why: str, size: int | None = None) -> None:
        super().__init__(why)
        self.status = status
        self.size = size


@dataclass(frozen=True)
class LogKey:
    """A log the witness knows: its origin (the key's name) and verifier key."""

    origin: str
    vkey: str


def log_keys(vkeys: Iterable[str]) -> list[LogKey]:
    """The logs named by their verifier keys; NoteError for a bad one."""
    return [LogKey(k.partition("+")[0], check_verifier_key(k.strip())) for k in vkeys]


def origin_hash(origin: str) -> str:
    """The lowercase hex SHA-256 of an origin: its path on the monitoring API."""
    return hashlib.sha256(origin.encode()).hexdigest()


class Witness:
    """A witness's key, the logs it knows, and its memory."""

    def __init__(
        self,
        name: str,
        key: Ed25519PrivateKey,
        logs: Iterable[LogKey],
        store: WitnessStore,
        now: Callable[[], float],
    ) -> None:
        self.name = name
        self.key = key
        self.vkey = cosigner_of(name, key).vkey
        self.logs: dict[str, list[str]] = {}
        for log in logs:
            self.logs.setdefault(log.origin, []).append(log.vkey)
        self.store = store
        self.now = now

    def add_checkpoint(self, data: bytes) -> str:
        """The cosignature line of the checkpoint in request `data`; Refused
        with the protocol's status otherwise."""
        try:
            request = parse_request(data)
        except Malformed as error:
            raise Refused(400, f"malformed request: {error}") from None
        keys = self.logs.get(request.origin)
        if keys is None:
            raise Refused(404, f"unknown log {request.origin!r}")
        log_key = self._signed_by(request.note, keys)
        if request.old > request.size:
            raise Refused(400, "the old size is larger than the checkpoint's")
        if request.size == 0 and request.root != EMPTY_ROOT:
            raise Refused(422, "a checkpoint of size 0 must have the empty tree's root")
        with self.store.advancing(request.origin, log_key) as advance:
            held = advance.held
            if request.old != held.size:
                raise Refused(
                    409, f"the witness holds a checkpoint of {held.size}", held.size
                )
            if request.old == 0 and request.proof:
                raise Refused(422, "a proof from size 0 must be empty")
            if not verify_consistency(
                held.size, request.size, held.root, request.root, request.proof
            ):
                raise Refused(
                    422,
                    "the checkpoint is not consistent with the one the witness holds",
                )
            timestamp = int(self.now())
            line = cosign(request.body, self.name, self.key, timestamp)
            note = request.note + line
            advance.to(Held(request.size, request.root, note), self.now())
        return line

    def latest(self, hashed_origin: str) -> str | None:
        """The latest cosigned checkpoint of the log whose origin hashes to
        `hashed_origin`, with the log's signature and the witness's."""
        for origin in self.logs:
            if origin_hash(origin) == hashed_origin:
                return self.store.latest_note(origin)
        return None

    @staticmethod
    def _signed_by(note: str, keys: list[str]) -> str:
        """The log key that signed `note`; Refused 403 when none did."""
        for vkey in keys:
            try:
                open_note(note, vkey)
            except NoteMismatch:
                continue
            except NoteError as error:
                raise Refused(400, f"malformed checkpoint: {error}") from None
            return vkey
        raise Refused(403, "the checkpoint is not signed by the log's key")
