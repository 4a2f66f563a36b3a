"""Use cases every service request may pass through: answering a retried
request once (idempotency keys) and rate limits. Their state is the ledger
database's working state (ledger/storage/state.py), shared by every server."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from math import ceil

from ledger.cases.common import CaseBase
from ledger.crypto.credentials import same
from ledger.errors import ConcurrencyConflict, InvalidInput, Throttled

# How long a retry waits for the first request with its key to be answered
# (seconds, real time), and after how long unanswered (clock seconds) a
# claim is taken to be abandoned by a server that stopped.
WAIT_FOR_ANSWER = 30.0
ABANDONED_AFTER = 60.0
MAX_KEY = 255


class RequestCases(CaseBase):
    """Idempotency keys and rate limits."""

    def idempotent(
        self,
        member: str,
        key: str,
        request_digest: str,
        run: Callable[[], tuple[int, bytes]],
    ) -> tuple[int, bytes]:
        """The answer (status, body) to `member`'s request with `key`: `run`
        gives it the first time, and it is kept; a retry with the same key
        and request gets the kept answer and records nothing; the same key
        with another request is refused. The key is claimed before `run`, so
        identical requests arriving at once on several servers run once (the
        others wait for its answer). An answer of 500 or more is not kept."""
        if not 1 <= len(key) <= MAX_KEY or not (key.isascii() and key.isprintable()):
            raise InvalidInput(
                f"an Idempotency-Key is 1 to {MAX_KEY} printable ASCII characters"
            )
        deadline = time.monotonic() + WAIT_FOR_ANSWER
        while not self.state.claim(member, key, request_digest, self._now()):
            kept = self.state.claimed(member, key)
            if kept is None:
                continue  # the first request failed and gave the key up
            if not same(kept.request, request_digest):
                raise ConcurrencyConflict(
                    f"the Idempotency-Key {key} was used for another request; "
                    "use a new key for a new request"
                )
            if kept.status is not None and kept.body is not None:
                return kept.status, kept.body
            now = self._now()
            if now - kept.created > ABANDONED_AFTER and self.state.take_over(
                member, key, kept.created, now
            ):
                break
            if time.monotonic() > deadline:
                raise ConcurrencyConflict(
                    f"the request with Idempotency-Key {key} is still being "
                    "answered; try again shortly"
                )
            time.sleep(0.05)
        try:
            status, body = run()
        except BaseException:
            self.state.release(member, key)
            raise
        if status >= 500:
            self.state.release(member, key)
        else:
            self.state.answer(member, key, status, body)
        return status, body

    def throttle(self, bucket: str, limit: int, window: timedelta) -> None:
        """Count one hit on `bucket`; `Throttled` past `limit` hits in `window`."""
        seconds = window.total_seconds()
        now = self._now()
        hits, started = self.state.hit(bucket, now, seconds)
        if hits > limit:
            wait = max(1, ceil(started + seconds - now))
            raise Throttled(f"too many requests; try again in {wait} seconds", wait)

    def _now(self) -> float:
        return self.clock().timestamp()
