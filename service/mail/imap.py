"""IMAP polling (`plaint serve --imap URL`, `plaint mail fetch --imap URL`),
with the standard library's imaplib.

`imaps://user@host[:port]/FOLDER` is IMAP over TLS; `imap://…` upgrades with
STARTTLS, and only to a loopback address may it stay in plain text (tests,
or a server on the same machine). The password comes from the environment
variable PLAINT_IMAP_PASSWORD, never from the URL or the command line, where
other users could read it; it is never logged.

Each round takes every message of the folder not deleted nor marked refused,
records it (`MailIntake.take`), and only once its event is committed marks it
\\Deleted and expunges it (`UID EXPUNGE` where the server has UIDPLUS). A
crash between the commit and the expunge leaves the message in the folder;
the next round takes it again, and the claim by Message-ID (or digest) makes
that a no-op, after which it is deleted. A message that cannot be read, or is
over MAX_MESSAGE_BYTES, stays, marked with the keyword $PlaintRefused for
someone to look at. When the ledger fails, the message stays unmarked and
the round ends; the next one, an interval later, offers it again.

Between rounds the poller waits in IDLE (RFC 2177) where the server
advertises it, which wakes it as soon as mail arrives; imaplib in Python 3.11
has no idle(), so the small exchange is written here. Without IDLE, or after
a failure, it polls every POLL_SECONDS.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import re
import select
import ssl
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from ledger.errors import InvalidInput
from ledger.mail.inbound import MAX_MESSAGE_BYTES
from service.mail.intake import MailIntake, Taken, Verdict
from service.net import loopback

PASSWORD_VARIABLE = "PLAINT_IMAP_PASSWORD"  # noqa: S105 - its name, not a password
REFUSED_KEYWORD = "$PlaintRefused"
POLL_SECONDS = 60.0
# An IDLE is ended and begun again well within the 29 minutes of RFC 2177.
IDLE_SECONDS = 600.0
LONGEST_BACKOFF = 300.0
# For tests alone: with "exit-after-commit", the process exits right after the
# first message's event is committed, before it is deleted: a crash where it
# matters most (tests/service/test_mail_imap.py).
FAULT_VARIABLE = "PLAINT_TEST_MAIL_FAULT"
FAULT_EXIT = 75

log = logging.getLogger("plaint.mail")
_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_IDLE_TAG = b"PLAINTIDLE"


class MailboxError(Exception):
    """The mailbox could not be reached, signed in to or read."""


@dataclass(frozen=True)
class Mailbox:
    """Where mail is fetched from."""

    secure: bool
    host: str
    port: int
    user: str
    folder: str

    @classmethod
    def parse(cls, url: str) -> Mailbox:
        """The mailbox `imaps://user@host[:port]/FOLDER` names (FOLDER: INBOX
        when none is given)."""
        parts = urlsplit(url.strip())
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise InvalidInput(
                f"'{url}' is not a mailbox: give imaps://user@host/INBOX "
                "(or imap://… for STARTTLS)"
            )
        if parts.password is not None:
            raise InvalidInput(
                f"put the IMAP password in {PASSWORD_VARIABLE}, not in the URL, "
                "where other users of the machine can read it"
            )
        if not parts.username:
            raise InvalidInput(f"say who signs in: imaps://USER@{parts.hostname}/…")
        try:
            port = parts.port
        except ValueError:
            raise InvalidInput(f"'{url}' has no usable port") from None
        secure = parts.scheme == "imaps"
        return cls(
            secure=secure,
            host=parts.hostname,
            port=port or (993 if secure else 143),
            user=unquote(parts.username),
            folder=unquote(parts.path.lstrip("/")) or "INBOX",
        )


def imap_password(environ: Mapping[str, str]) -> str:
    """The password from the environment; refused when unset."""
    password = environ.get(PASSWORD_VARIABLE)
    if not password:
        raise InvalidInput(f"set the IMAP password in {PASSWORD_VARIABLE}")
    return password


class Poller:
    """Takes the mail of one folder into the ledger, round after round."""

    def __init__(
        self,
        mailbox: Mailbox,
        password: str,
        intake: MailIntake,
        environ: Mapping[str, str],
    ) -> None:
        self.mailbox = mailbox
        self._password = password
        self.intake = intake
        self.fault = environ.get(FAULT_VARIABLE)

    def connect(self) -> imaplib.IMAP4:
        """Signed in, the folder selected (TLS but to a loopback address)."""
        box = self.mailbox
        context = ssl.create_default_context()
        try:
            if box.secure:
                imap: imaplib.IMAP4 = imaplib.IMAP4_SSL(
                    box.host, box.port, ssl_context=context, timeout=60
                )
            else:
                imap = imaplib.IMAP4(box.host, box.port, timeout=60)
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP {box.host}:{box.port}: {reason(error)}") from None
        try:
            self._sign_in(imap)
        except BaseException:
            with contextlib.suppress(OSError):
                imap.shutdown()
            raise
        return imap

    def _sign_in(self, imap: imaplib.IMAP4) -> None:
        box = self.mailbox
        try:
            if not box.secure:
                if "STARTTLS" in imap.capabilities:
                    imap.starttls(ssl.create_default_context())
                elif not loopback(box.host):
                    raise MailboxError(
                        f"{box.host} offers no STARTTLS: use imaps://, or a "
                        "loopback address for plain text"
                    )
            imap.login(box.user, self._password)
            status, _ = imap.select(_quoted(box.folder))
        except (OSError, imaplib.IMAP4.error) as error:
            raise MailboxError(f"IMAP {box.host}:{box.port}: {reason(error)}") from None
        if status != "OK":
            raise MailboxError(f"there is no folder {box.folder} on {box.host}")

    def fetch(self, imap: imaplib.IMAP4) -> list[Taken]:
        """One round: every message waiting, taken in and then deleted; the
        round ends at the first the ledger could not take."""
        # imaplib keeps every untagged answer no command asked for (EXPUNGE,
        # EXISTS): a poller that runs for months would keep them all.
        imap.untagged_responses.clear()
        found = []
        waiting = _ok(imap.uid("SEARCH", "UNDELETED", "UNKEYWORD", REFUSED_KEYWORD))
        for uid in waiting[0].decode().split():
            taken = self._take(imap, uid)
            found.append(taken)
            if taken.verdict is Verdict.RETRY:
                break
        return found

    def _take(self, imap: imaplib.IMAP4, uid: str) -> Taken:
        sized = _ok(imap.uid("FETCH", uid, "(RFC822.SIZE)"))
        size = _SIZE.search(b" ".join(_lines(sized)))
        if size is None or int(size.group(1)) > MAX_MESSAGE_BYTES:
            taken = Taken(Verdict.REFUSED, "the message is too large")
        else:
            fetched = _ok(imap.uid("FETCH", uid, "(BODY.PEEK[])"))
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), b"")
            taken = self.intake.take(raw)
        if taken.verdict is Verdict.REFUSED:
            _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", f"({REFUSED_KEYWORD})"))
        elif taken.verdict is Verdict.RECORDED:
            if self.fault == "exit-after-commit":
                os._exit(FAULT_EXIT)
            _ok(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"))
            if "UIDPLUS" in _capabilities(imap):
                _ok(imap.uid("EXPUNGE", uid))
            else:
                _ok(imap.expunge())
        return taken

    def run(self, stop: threading.Event) -> None:
        """Round after round until `stop` is set, connecting again (after a
        pause that grows) whenever the mailbox fails."""
        backoff = 1.0
        while not stop.is_set():
            try:
                imap = self.connect()
            except MailboxError as error:
                log.warning("%s; trying again in %.0f s", error, backoff)
                stop.wait(backoff)
                backoff = min(backoff * 2, LONGEST_BACKOFF)
                continue
            backoff = 1.0
            try:
                self._rounds(imap, stop)
            except (OSError, imaplib.IMAP4.error, MailboxError) as error:
                log.warning(
                    "IMAP %s: %s; connecting again", self.mailbox.host, reason(error)
                )
            finally:
                _close(imap)

    def _rounds(self, imap: imaplib.IMAP4, stop: threading.Event) -> None:
        while not stop.is_set():
            taken = self.fetch(imap)
            kept = any(t.verdict is Verdict.RETRY for t in taken)
            if kept or "IDLE" not in _capabilities(imap):
                stop.wait(POLL_SECONDS)
                _ok(imap.noop())
            else:
                idle(imap, IDLE_SECONDS)


def idle(imap: imaplib.IMAP4, seconds: float) -> None:
    """Wait in IDLE until the server says something (new mail) or `seconds`
    pass. A notice that came in with the server's go-ahead waits for the
    timeout: slower, never lost."""
    imap.send(_IDLE_TAG + b" IDLE\r\n")
    if not imap.readline().startswith(b"+"):
        raise MailboxError("the server refused IDLE")
    sock = imap.socket()
    pending = sock.pending() if isinstance(sock, ssl.SSLSocket) else 0
    if not pending:
        select.select([sock], [], [], seconds)
    imap.send(b"DONE\r\n")
    while True:
        line = imap.readline()
        if not line:
            raise MailboxError("the server closed the connection")
        if line.startswith(_IDLE_TAG + b" "):
            if not line[len(_IDLE_TAG) + 1 :].upper().startswith(b"OK"):
                raise MailboxError("IDLE failed")
            return


def reason(error: Exception) -> str:
    """What an imaplib or socket error says (imaplib's carry the server's bytes)."""
    said = error.args[0] if error.args else error
    if isinstance(said, bytes):
        return said.decode("utf-8", "replace")
    return str(error)


def _capabilities(imap: imaplib.IMAP4) -> set[str]:
    # Read anew once signed in: servers advertise more after login.
    found = getattr(imap, "_plaint_capabilities", None)
    if found is None:
        found = set(_ok(imap.capability())[0].decode().upper().split())
        imap._plaint_capabilities = found  # type: ignore[attr-defined]
    return set(found)


def _ok(answer: tuple[str, Any]) -> list[Any]:
    status, data = answer
    if status != "OK":
        raise MailboxError(f"the IMAP server answered {status}: {data!r:.200}")
    return list(data)


def _lines(data: list[Any]) -> list[bytes]:
    return [
        part[0] if isinstance(part, tuple) else part
        for part in data
        if isinstance(part, bytes | tuple)
    ]


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _close(imap: imaplib.IMAP4) -> None:
    with contextlib.suppress(OSError, imaplib.IMAP4.error):
        imap.logout()
