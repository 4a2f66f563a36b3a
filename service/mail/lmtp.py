"""The LMTP listener (`plaint serve --lmtp HOST:PORT`, RFC 2033), on aiosmtpd.

A mail server delivers a message once for all its recipients and reads one
reply for each; the message is read and recorded once, and every recipient
gets the same reply: `250` when the message is recorded (filed, joined as a reply, or
recorded before: the claim by Message-ID makes a second delivery a no-op),
`550` when nothing in it can be read (the mail server bounces it, as
`import` rejects it) or its header section is over the limits of
ledger/mail/inbound.py, `451` when the ledger failed, so that the mail server
keeps the message and tries again. A message over MAX_MESSAGE_BYTES is
refused with `552` while it is read. The replies say nothing of what the
message became: a forged reply must not learn whether it joined.

LMTP has no sign-in: listen on a loopback address, or one only the mail
server reaches.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP

from ledger.mail.inbound import MAX_MESSAGE_BYTES
from service.mail.intake import MailIntake, Verdict

REPLIES = {
    Verdict.RECORDED: "250 2.0.0 Delivered",
    Verdict.REFUSED: "550 5.6.0 The message cannot be read",
    Verdict.RETRY: "451 4.3.0 The ledger is unavailable; try again later",
}


class Handler:
    """aiosmtpd's handler: a message is taken in once, whatever the number of
    its recipients, and each gets the same reply."""

    def __init__(self, intake: MailIntake) -> None:
        self.intake = intake

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        loop = asyncio.get_running_loop()
        # Reading and the use case block (the parse, the ledger's lock, its
        # database): a thread.
        taken = await loop.run_in_executor(None, self.intake.take, raw)
        return "\r\n".join(REPLIES[taken.verdict] for _ in envelope.rcpt_tos)


class LmtpController(Controller):
    """aiosmtpd's threaded controller, serving LMTP rather than SMTP."""

    def factory(self) -> LMTP:
        return LMTP(self.handler, **self.SMTP_kwargs)


def start_lmtp(intake: MailIntake, host: str, port: int) -> LmtpController:
    """Listen on host:port in a thread of its own; stop it with `.stop()`."""
    # aiosmtpd logs each command, addresses included, at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    controller = LmtpController(
        Handler(intake),
        hostname=host,
        port=port,
        data_size_limit=MAX_MESSAGE_BYTES,
        server_hostname="plaint",
        ident="plaint LMTP",
    )
    controller.start()
    return controller
