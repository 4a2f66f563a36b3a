"""The server's witnessing thread: while `plaint serve` runs, it signs a
checkpoint once a minute (`--checkpoint-every`) when events were added, and
sends the latest checkpoint to each witness that has not cosigned it, with
bounded timeouts and outside the request lock, so a witness that is down
delays no write; it is asked again the next time round. A checkpoint a
write signs by itself wakes it at once."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

from ledger.errors import LedgerError
from service.served import Served

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

log = logging.getLogger("plaint.witnessing")
TIMEOUT = 10.0


class Publisher:
    """Signs and witnesses checkpoints in the background."""

    def __init__(self, served: Served, every: float) -> None:
        self.served = served
        self.every = every
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=self.run, name="plaint-witnessing", daemon=True
        )

    def start(self) -> None:
        """Start the thread; from now on a checkpoint a write signs wakes it
        rather than being sent while the write waits."""
        self.served.unsigned(self._attach)
        self.thread.start()

    def _attach(self, ledger: ComplaintLedger) -> None:
        ledger.wake_witnessing = self.wake.set

    def stop(self) -> None:
        """Stop the thread (the round under way ends first)."""
        self.stopping.set()
        self.wake.set()
        self.thread.join(TIMEOUT + 5)

    def run(self) -> None:
        """Publish every `every` seconds, or at once when woken."""
        while not self.stopping.is_set():
            self.wake.wait(self.every)
            self.wake.clear()
            if self.stopping.is_set():
                return
            try:
                self.publish()
            except LedgerError as error:
                log.warning("witnessing failed: %s", error)

    def publish(self) -> None:
        """Sign when due, then send the latest checkpoint to the witnesses."""

        def sign(ledger: ComplaintLedger) -> None:
            self._attach(ledger)  # again: the ledger may have been reopened
            ledger.sign_due_checkpoint()

        self.served.unsigned(sign)
        for result in self.served.ledger.witness_latest(TIMEOUT):
            if result["problem"]:
                log.warning("witness %s: %s", result["witness"], result["problem"])
