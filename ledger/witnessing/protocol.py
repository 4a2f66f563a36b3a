"""The body of a tlog-witness `add-checkpoint` request: `old <size>`, the
consistency proof (one base64 hash a line), a blank line, the checkpoint."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ledger.evidence.merkle import HASH_SIZE
from ledger.evidence.note import NoteError, b64decode, b64encode, parse_checkpoint

MAX_PROOF = 63
SIZE_TYPE = "text/x.tlog.size"
_SIZE = re.compile(r"0|[1-9][0-9]{0,19}")


class Malformed(ValueError):
    """A request that is not an add-checkpoint body."""


@dataclass(frozen=True)
class AddCheckpoint:
    """An add-checkpoint request: the old size, the proof, the signed note,
    and the checkpoint's text (the note up to its signatures), origin,
    size and root."""

    old: int
    proof: list[bytes]
    note: str
    body: str
    origin: str
    size: int
    root: bytes


def request_body(old: int, proof: Sequence[bytes], note: str) -> bytes:
    """The request asking a witness to cosign `note`, from tree size `old`."""
    lines = [f"old {old}", *(b64encode(h) for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def parse_request(data: bytes) -> AddCheckpoint:
    """The request in `data`; Malformed when it is not one."""
    try:
        text = data.decode()
    except UnicodeDecodeError:
        raise Malformed("the request is not UTF-8") from None
    head, blank, note = text.partition("\n\n")
    if not blank:
        raise Malformed("the request has no blank line before the checkpoint")
    lines = head.split("\n")
    first = lines[0]
    if not first.startswith("old ") or not _SIZE.fullmatch(first[4:]):
        raise Malformed("the request does not start with `old <size>`")
    if len(lines) - 1 > MAX_PROOF:
        raise Malformed(f"more than {MAX_PROOF} consistency proof lines")
    proof = [b64decode(line) for line in lines[1:]]
    hashes = [h for h in proof if h is not None and len(h) == HASH_SIZE]
    if len(hashes) != len(proof):
        raise Malformed("a consistency proof line is not a base64 SHA-256 hash")
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise Malformed("the checkpoint is not a signed note")
    body = note[: split + 1]
    try:
        origin, size, root = parse_checkpoint(body)
    except NoteError as error:
        raise Malformed(str(error)) from None
    return AddCheckpoint(int(first[4:]), hashes, note, body, origin, size, root)


def parse_size(text: str) -> int | None:
    """The size in a 409 answer's `text/x.tlog.size` body, or None."""
    stripped = text[:-1] if text.endswith("\n") else text
    return int(stripped) if _SIZE.fullmatch(stripped) else None
