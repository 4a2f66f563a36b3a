"""Starting mail in beside the web server (`plaint serve --lmtp/--imap`):
the LMTP listener and the IMAP poller, on the server's one ledger and as the
mail member."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from ledger.domain.identity import Identity
from service.mail.imap import Mailbox, Poller, imap_password
from service.mail.intake import MailIntake, log

if TYPE_CHECKING:
    from service.served import Served


def start_mail(
    served: Served,
    intake: tuple[str, str, str, str],
    lmtp: tuple[str, int] | None,
    imap: str | None,
    environ: dict[str, str],
) -> Callable[[], None]:
    """Start the LMTP listener on `lmtp` and the IMAP poller of `imap`, beside
    the web server and on its ledger, taking mail in as `intake` says (the
    member, and the project, severity and domain of `MailIntake`); return
    what stops them. OSError when the listener cannot listen."""
    member, project, severity, domain = intake
    taking = MailIntake(
        partial(served.acting, Identity(member)), project, severity, domain,
        clock=served.now,
    )  # fmt: skip
    taking.check()
    stops: list[Callable[[], None]] = []
    if imap is not None:
        poller = Poller(Mailbox.parse(imap), imap_password(environ), taking, environ)
        stop = threading.Event()
        threading.Thread(
            target=poller.run, args=(stop,), name="plaint-imap", daemon=True
        ).start()
        stops.append(stop.set)
        log.info("taking mail from %s", imap)
    if lmtp is not None:
        # Imported only here: aiosmtpd loads only for a listener.
        from service.mail.lmtp import start_lmtp

        host, port = lmtp
        stops.append(start_lmtp(taking, host, port).stop)
        log.info("taking mail over LMTP at %s:%s", host, port)

    def stop_all() -> None:
        for stop in stops:
            stop()

    return stop_all
