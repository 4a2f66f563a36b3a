"""The server's mail loop (`plaint serve --smtp`): a thread that sends what
the outbox holds, every few seconds (PLAINT_OUTBOX_POLL, default 10) and at
once after the form files a complaint.

Each pass catches the views up, takes the due messages and sends them
through ledger/mail/sending.py, as the server's own identity (`(outbox)`,
proved `mailer`). Several servers may run it on one ledger: each message
is claimed before it is sent. A failing pass is logged and the next one
tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from ledger.domain.identity import MAILER, OUTBOX, Identity
from ledger.mail.compose import MailSettings
from ledger.mail.sending import Transport, send_due
from service.served import Served

log = logging.getLogger("plaint.mail")
SENDER = Identity(OUTBOX, MAILER)
DEFAULT_POLL = 10.0


def poll_seconds(environ: Mapping[str, str]) -> float:
    """PLAINT_OUTBOX_POLL, in seconds (at least 0.1)."""
    try:
        return max(0.1, float(environ.get("PLAINT_OUTBOX_POLL", DEFAULT_POLL)))
    except ValueError:
        return DEFAULT_POLL


class MailLoop:
    """The thread, and how to wake or stop it."""

    def __init__(
        self, served: Served, transport: Transport, settings: MailSettings, poll: float
    ) -> None:
        self.served = served
        self.transport = transport
        self.settings = settings
        self.poll = poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="plaint-mail", daemon=True
        )

    def start(self) -> None:
        """Start sending."""
        self._thread.start()

    def wake(self) -> None:
        """Send now rather than at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the pass under way, then stop."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=60)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.send_once()
            except Exception:
                log.exception("the mail loop's pass failed; the next one tries again")
            self._wake.wait(self.poll)
            self._wake.clear()

    def send_once(self) -> dict[str, int]:
        """One pass over the due messages."""
        from projections.outbox import due

        here = self.served
        rows = here.run(SENDER, lambda ledger: due(here.views(), ledger.clock()))
        if not rows:
            return {"sent": 0, "retry": 0, "failed": 0}

        def run(case: Callable[[Any], Any]) -> Any:
            return here.run(SENDER, case)

        return send_due(run, rows, self.transport, self.settings, here.now)
