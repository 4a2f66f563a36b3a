"""One message taken in: read once, outside the ledger's lock (reading is
the slow part, and a server's pages wait on that lock), then recorded by the
use case as the mail member; its outcome sorted into what an adapter answers
(recorded, refused, try again)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from ledger.domain.timeutil import system_clock
from ledger.errors import InvalidInput
from ledger.mail.inbound import read_inbound

if TYPE_CHECKING:
    from ledger.application import ComplaintLedger

log = logging.getLogger("plaint.mail")
# A ledger, as the mail member, for the length of one use case: a server's
# shared ledger under its lock, or the command's own.
Acting = Callable[[], AbstractContextManager["ComplaintLedger"]]


class Verdict(StrEnum):
    """What became of a message."""

    RECORDED = "recorded"  # filed, replied, or recorded before
    REFUSED = "refused"  # nothing in it can be read: never worth retrying
    RETRY = "retry"  # the ledger failed: the message must be kept and offered again


@dataclass(frozen=True)
class Taken:
    """A verdict and what to say of it (a reference or a reason, never the
    message's content)."""

    verdict: Verdict
    detail: str


@dataclass(frozen=True)
class MailIntake:
    """Where mail goes: the project and severity of new complaints, and the
    domain plaint sends mail from (whose Message-IDs a reply may cite)."""

    acting: Acting
    project: str
    severity: str
    domain: str
    # The clock that bounds the dates a message is believed to carry.
    clock: Callable[[], datetime] = system_clock

    def check(self) -> None:
        """Refuse at start-up what would refuse every message: a member who
        may not file, a project or severity that is no such thing."""
        with self.acting() as ledger:
            ledger.check_mail_intake(self.project, self.severity)

    def take(self, raw: bytes) -> Taken:
        """Record one message; any failure but an unreadable message is one
        to try again, so that nothing is lost while the ledger is away."""
        try:
            mail = read_inbound(
                raw, self.project, self.severity, self.domain, self.clock()
            )
            with self.acting() as ledger:
                done = ledger.record_mail(mail)
        except InvalidInput as error:
            log.warning("mail refused: %s", error)
            return Taken(Verdict.REFUSED, str(error))
        except Exception as error:  # kept in the mail server and offered again
            log.warning("mail kept to try again: %s", type(error).__name__)
            return Taken(Verdict.RETRY, "the ledger failed; try again later")
        log.info("mail %s: %s", done["outcome"], done["ref"])
        return Taken(Verdict.RECORDED, f"{done['outcome']} {done['ref']}")
