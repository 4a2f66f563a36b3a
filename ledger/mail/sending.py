"""Sending what the outbox holds: one pass over the due messages, for the
server's mail loop and `plaint outbox send` alike.

Each message is claimed, composed and recorded through the ledger (`run`
gives the caller's ledger, under its lock for the server) and sent in
between, outside any lock, so a slow mail server holds up no request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, Protocol

from jinja2 import TemplateError

from ledger.errors import LedgerError
from ledger.mail.compose import MailSettings, compose
from ledger.mail.outbox import Draft
from ledger.mail.smtp import SmtpFailure

log = logging.getLogger("plaint.mail")
# `run(case)`: `case` called with the ledger, as whoever sends.
Runner = Callable[[Callable[[Any], Any]], Any]


class Transport(Protocol):
    """What sends one message (ledger/mail/smtp.py; the tests' sink)."""

    def send(self, message: Any) -> None: ...


def send_due(
    run: Runner,
    due: Iterable[Mapping[str, str]],
    transport: Transport,
    settings: MailSettings,
    clock: Callable[[], datetime],
) -> dict[str, int]:
    """Try each due message (`message` and `complaint_id`, hex) once; how
    many were sent, will be retried, and were given up."""
    counts = {"sent": 0, "retry": 0, "failed": 0}
    for row in due:
        try:
            outcome = _send_one(run, row["message"], row["complaint_id"], transport,
                                settings, clock)  # fmt: skip
        except LedgerError as error:
            # One message the ledger cannot handle (its complaint damaged, the
            # database gone) holds up none of the others; it is tried again
            # once its claim expires.
            log.error("outbox message %s: %s", row["message"], error)
            continue
        if outcome is not None:
            counts[outcome] += 1
    return counts


def _send_one(
    run: Runner,
    message: str,
    complaint_id: str,
    transport: Transport,
    settings: MailSettings,
    clock: Callable[[], datetime],
) -> str | None:
    """Claim, compose, send and record one message: `sent`, `retry`,
    `failed`, or None when it was not this sender's to send."""
    draft: Draft | None = run(
        partial(_claim, message=message, complaint_id=complaint_id)
    )
    if draft is None:
        return None
    try:
        email = compose(draft, settings, clock())
        transport.send(email)
    except (SmtpFailure, TemplateError) as error:
        failure = error if isinstance(error, SmtpFailure) else _template(error)
        outcome: str = run(partial(_failed, draft=draft, failure=failure))
        log.warning("%s mail of %s: %s (%s)", draft.purpose, draft.ref,
                    failure.summary, outcome)  # fmt: skip
        return outcome
    run(partial(_sent, draft=draft, message_id=str(email["Message-ID"])))
    return "sent"


def _claim(ledger: Any, message: str, complaint_id: str) -> Draft | None:
    found: Draft | None = ledger.claim_mail(message, complaint_id)
    return found


def _failed(ledger: Any, draft: Draft, failure: SmtpFailure) -> str:
    outcome: str = ledger.mail_failed(
        draft, failure.detail, failure.summary, permanent=failure.permanent
    )
    return outcome


def _sent(ledger: Any, draft: Draft, message_id: str) -> None:
    ledger.mail_sent(draft, message_id)


def _template(error: TemplateError) -> SmtpFailure:
    """A template that does not render: nothing is sent; a fixed template
    sends it at the next attempt."""
    return SmtpFailure(f"template error: {error.message}", str(error))
