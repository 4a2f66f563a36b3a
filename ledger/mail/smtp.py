"""Sending one email over SMTP (stdlib smtplib), with STARTTLS.

`smtp://host[:587]` upgrades with STARTTLS and sends nothing in the clear
when the server offers none (every message carries a secret link; a server
that offers none may be a man in the middle who stripped it): but to a
loopback address (this machine), unless the URL says `?starttls=require`;
or when the URL says `?starttls=opportunistic`, which sends in the clear
rather than not at all, though never a password off this machine.
`smtps://host[:465]` speaks TLS from the start. Certificates are checked
against the system's authorities. The user and password come from PLAINT_SMTP_USER and
PLAINT_SMTP_PASSWORD, never from the URL, and are never logged.

A failure is an `SmtpFailure`: permanent when the server refused the
recipient or the message for good (5xx), else worth another try later. Its
`summary` names no one (it is kept in the clear for `plaint outbox`); its
`detail` is the server's full answer (kept sealed, when given up).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from ipaddress import ip_address
from urllib.parse import parse_qs, urlsplit

from ledger.errors import InvalidInput

TIMEOUT = 30


class SmtpFailure(Exception):
    """One attempt that failed, and whether trying again could help."""

    def __init__(self, summary: str, detail: str, *, permanent: bool = False) -> None:
        super().__init__(detail)
        self.summary = summary
        self.detail = detail
        self.permanent = permanent


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send."""

    host: str
    port: int
    implicit_tls: bool
    require_starttls: bool
    user: str | None
    password: str | None

    def __repr__(self) -> str:  # never the password, even in a traceback
        return f"SmtpSettings({self.host!r}, {self.port}, user={self.user!r})"


def smtp_settings(url: str, environ: Mapping[str, str]) -> SmtpSettings:
    """The settings of an `smtp://` or `smtps://` URL and the environment."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InvalidInput(
            f"'{url}' is not an SMTP URL like smtp://mail.example.org:587"
        )
    if parts.username or parts.password:
        raise InvalidInput(
            "give the SMTP user and password in PLAINT_SMTP_USER and "
            "PLAINT_SMTP_PASSWORD, not in the URL, where they would show in "
            "process lists"
        )
    try:
        port = parts.port
    except ValueError:
        raise InvalidInput(f"'{url}' has no usable port") from None
    implicit = parts.scheme == "smtps"
    starttls = parse_qs(parts.query).get("starttls", [""])
    if starttls not in ([""], ["require"], ["opportunistic"]):
        raise InvalidInput(
            f"'{url}' has an unknown starttls: say ?starttls=require or "
            "?starttls=opportunistic"
        )
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if implicit else 587),
        implicit_tls=implicit,
        require_starttls=starttls == ["require"]
        or (starttls == [""] and not _loopback(parts.hostname)),
        user=environ.get("PLAINT_SMTP_USER") or None,
        password=environ.get("PLAINT_SMTP_PASSWORD") or None,
    )


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


class SmtpTransport:
    """Sends messages with the settings, one connection each."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        """Send `message`, or raise `SmtpFailure`."""
        try:
            self._send(message)
        except smtplib.SMTPRecipientsRefused as error:
            codes = sorted({code for code, _ in error.recipients.values()})
            raise SmtpFailure(
                f"recipient refused (SMTP {codes[0]})",
                str(error.recipients),
                permanent=all(code >= 500 for code in codes),
            ) from None
        except smtplib.SMTPDataError as error:
            raise SmtpFailure(
                f"message refused (SMTP {error.smtp_code})",
                f"{error.smtp_code} {error.smtp_error!r}",
                permanent=error.smtp_code >= 500,
            ) from None
        except smtplib.SMTPResponseException as error:
            raise SmtpFailure(
                f"SMTP {error.smtp_code}", f"{error.smtp_code} {error.smtp_error!r}"
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError) as error:
            kind = type(error).__name__
            raise SmtpFailure(
                f"cannot reach the SMTP server ({kind})", str(error)
            ) from None

    def _send(self, message: EmailMessage) -> None:
        s = self.settings
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if s.implicit_tls:
            client = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT, context=context)
        else:
            client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT)
        with client:
            client.ehlo()
            if not s.implicit_tls:
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                elif s.require_starttls or (s.user and not _loopback(s.host)):
                    raise SmtpFailure(
                        "the SMTP server offers no STARTTLS",
                        f"{s.host}:{s.port} offers no STARTTLS; nothing is sent "
                        "in the clear",
                    )
            if s.user is not None:
                client.login(s.user, s.password or "")
            client.send_message(message)
