"""C2SP tlog-proof (c2sp.org/tlog-proof): an offline proof that an entry is
in a log, as one text file: the header, the entry as `extra` data (here the
stored event as its leaf encodes it, so the leaf hash can be recomputed),
its index, its inclusion proof, a blank line and the checkpoint with its
cosignatures."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledger.evidence.merkle import HASH_SIZE
from ledger.evidence.note import NoteError, b64decode, b64encode

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class TlogProof:
    """The parts of a tlog-proof."""

    index: int
    proof: list[bytes]
    checkpoint: str
    extra: bytes | None = None


def format_proof(
    index: int, proof: Sequence[bytes], checkpoint: str, extra: bytes | None = None
) -> str:
    """The tlog-proof text."""
    lines = [HEADER]
    if extra is not None:
        lines.append(f"extra {b64encode(extra)}")
    lines += [f"index {index}", *(b64encode(h) for h in proof)]
    return "\n".join(lines) + "\n\n" + checkpoint


def parse_proof(text: str) -> TlogProof:
    """The parts of a tlog-proof; NoteError when it is not one."""
    head, blank, checkpoint = text.partition("\n\n")
    lines = head.split("\n")
    if not blank or lines[0] != HEADER:
        raise NoteError(f"not a tlog-proof: it must start with {HEADER}")
    extra = None
    rest = lines[1:]
    if rest and rest[0].startswith("extra "):
        extra = b64decode(rest[0][len("extra ") :])
        if extra is None:
            raise NoteError("the tlog-proof's extra data is not base64")
        rest = rest[1:]
    if not rest or not rest[0].startswith("index "):
        raise NoteError("the tlog-proof has no index line")
    number = rest[0][len("index ") :]
    if not number.isdigit() or (number != "0" and number.startswith("0")):
        raise NoteError("the tlog-proof's index is not a decimal number")
    hashes = [b64decode(line) for line in rest[1:]]
    proof = [h for h in hashes if h is not None and len(h) == HASH_SIZE]
    if len(proof) != len(hashes):
        raise NoteError("a tlog-proof hash line is not a base64 SHA-256 hash")
    return TlogProof(int(number), proof, checkpoint, extra)
