"""The ledger's side of tlog-witness: ask one witness to cosign a
checkpoint, starting from the size it last cosigned, and once more from the
size a 409 answer names. Never raises for a witness that is down or refuses:
the outcome says what happened, for the caller to keep and retry later."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from ledger.evidence.cosignature import cosigned_at, cosigner
from ledger.evidence.note import NoteError
from ledger.witnessing.exchange import BadAnswer, WitnessError, exchange
from ledger.witnessing.protocol import parse_size, request_body

# Seconds to wait for a witness before trying it again later.
TIMEOUT = 5.0
Proof = Callable[[int], list[bytes]]


@dataclass(frozen=True)
class Outcome:
    """What asking a witness gave: its cosignature line (None if it gave
    none), the size it now holds for this log, and what went wrong."""

    line: str | None
    seen: int
    problem: str | None = None


def post(url: str, body: bytes, timeout: float) -> tuple[int, str]:
    """POST `body` to `url`; the status and text of the answer, all within
    `timeout` seconds. WitnessError when there is none in time."""
    status, answer = exchange("POST", url, body, timeout)
    return status, answer.decode("utf-8", "replace")


def ask(
    url: str,
    vkey: str,
    seen: int,
    note: str,
    body: str,
    size: int,
    proof: Proof,
    timeout: float = TIMEOUT,
) -> Outcome:
    """Ask the witness at `url` to cosign `note` (its checkpoint text
    `body`, of `size` events), from the size it was last seen holding."""
    # A witness seen holding more than this checkpoint is asked from 0: its
    # 409 answer, not this ledger's table, says what it holds.
    old = seen if seen <= size else 0
    # One deadline for both requests: whoever waits on this waits `timeout`.
    deadline = time.monotonic() + timeout
    for _ in range(2):
        if old > size:
            return Outcome(
                None,
                old,
                f"the witness holds a checkpoint of {old} events but the log's "
                f"latest covers {size}: events were removed from the log",
            )
        try:
            status, text = post(
                url.rstrip("/") + "/add-checkpoint",
                request_body(old, proof(old), note),
                deadline - time.monotonic(),
            )
        except WitnessError as error:
            return Outcome(None, seen, f"unreachable: {error}")
        if status == 409 and (held := parse_size(text)) is not None and held != old:
            old = held
            continue
        if status != 200:
            reason = text.strip().splitlines()[0] if text.strip() else "no reason"
            return Outcome(None, old, f"refused with {status}: {reason}")
        return _cosigned(text, body, vkey, size)
    return Outcome(None, old, "the witness's size kept changing; try again")


def _cosigned(text: str, body: str, vkey: str, size: int) -> Outcome:
    witness = cosigner(vkey)
    for line in text.splitlines(keepends=True):
        try:
            if cosigned_at(body, line, witness) is not None:
                return Outcome(line if line.endswith("\n") else line + "\n", size)
        except NoteError as error:
            return Outcome(None, size, f"answered a bad cosignature: {error}")
    return Outcome(None, size, "answered no cosignature by its key")


def latest_cosigned(url: str, origin: str, timeout: float = TIMEOUT) -> str | None:
    """The latest checkpoint of `origin` the witness at `url` cosigned, from
    its monitoring API (`GET <url>/<origin hash>/checkpoint`), within
    `timeout` seconds; None when it has none. WitnessError when it cannot be
    reached in time, BadAnswer (one) when it answers bytes that are not UTF-8."""
    hashed = hashlib.sha256(origin.encode()).hexdigest()
    status, answer = exchange(
        "GET", f"{url.rstrip('/')}/{hashed}/checkpoint", None, timeout
    )
    if status == 404:
        return None
    if status != 200:
        raise WitnessError(f"it answered {status}")
    try:
        return answer.decode("utf-8")
    except UnicodeDecodeError:
        raise BadAnswer("it is not UTF-8 text") from None
