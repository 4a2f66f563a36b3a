"""`plaint mail fetch`, and the mail options `plaint serve` shares: mail in
from an IMAP mailbox (once, for cron) or as it arrives (`serve`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any, TypeVar

import click

from commands.base import (
    SEVERITY,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    session,
)
from ledger.domain.vocabulary import Severity

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class MailOptions:
    """Where mail goes: the project and severity of new complaints, and the
    domain of the Message-IDs plaint sends (a reply citing one joins)."""

    project: str
    severity: str
    domain: str


@dataclass(frozen=True)
class Mail:
    """The mail a server takes in, and as whom."""

    options: MailOptions
    member: str
    lmtp: tuple[str, int] | None
    imap: str | None


def mail_options(function: F) -> F:
    """--mail-project, --mail-severity and --mail-domain."""
    for option in reversed(
        [
            click.option(
                "--mail-project",
                metavar="NAME",
                help="The project of complaints filed from mail (needed for mail).",
            ),
            click.option(
                "--mail-severity",
                type=SEVERITY,
                default=Severity.MILD.value,
                show_default=True,
                help="The severity of complaints filed from mail.",
            ),
            click.option(
                "--mail-domain",
                envvar="PLAINT_MAIL_DOMAIN",
                default="",
                metavar="DOMAIN",
                help="The domain of the Message-IDs of the mail plaint sends, "
                "which replies cite [env PLAINT_MAIL_DOMAIN].",
            ),
        ]
    ):
        function = option(function)
    return function


def mail_settings(
    project: str | None, severity: str, domain: str, needed: bool
) -> MailOptions | None:
    """The mail options given, or None when no mail is taken in; a usage
    error when mail is but says no project."""
    if not needed:
        return None
    if not project:
        raise click.UsageError("mail says nothing of the project: give --mail-project")
    return MailOptions(project, severity, domain)


def host_and_port(text: str) -> tuple[str, int]:
    """`127.0.0.1:8024` or `[::1]:8024` as a host and a port."""
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"'{text}' is not HOST:PORT, e.g. 127.0.0.1:8024")
    return host, int(port)


@click.group(cls=PlaintGroup)
def mail() -> None:
    """Take in mail from an IMAP mailbox (as `plaint serve --imap` does, once).

    \b
    Example:
      PLAINT_ACTOR=mailroom PLAINT_IMAP_PASSWORD=... plaint mail fetch \\
        --imap imaps://complaints@mail.example.org/INBOX --mail-project Apollo
    """


@mail.command("fetch")
@click.option(
    "--imap",
    "url",
    required=True,
    metavar="URL",
    help="imaps://user@host/FOLDER (imap:// for STARTTLS); password in "
    "PLAINT_IMAP_PASSWORD.",
)
@mail_options
@json_option
@click.pass_context
def fetch(
    ctx: click.Context,
    url: str,
    mail_project: str | None,
    mail_severity: str,
    mail_domain: str,
    as_json: bool,
) -> None:
    """Take in every message waiting in the folder, then delete it (agent+).

    A message is deleted only once it is recorded; one that cannot be read
    stays, marked $PlaintRefused. Exit 1 when the ledger failed and messages
    were kept to be fetched again.

    \b
    Example:
      PLAINT_ACTOR=mailroom PLAINT_IMAP_PASSWORD=... plaint mail fetch \\
        --imap imaps://complaints@mail.example.org/INBOX --mail-project Apollo
    """
    import imaplib

    from service.mail.imap import Mailbox, MailboxError, Poller, imap_password, reason
    from service.mail.intake import MailIntake, Verdict

    settings = mail_settings(mail_project, mail_severity, mail_domain, True)
    assert settings is not None
    mailbox = Mailbox.parse(url)
    ledger = open_ledger(ctx)
    intake = MailIntake(
        lambda: nullcontext(ledger),
        settings.project,
        settings.severity,
        settings.domain,
        clock=ledger.clock,
    )
    intake.check()
    environ = session(ctx).environ
    password = imap_password(environ)
    poller = Poller(mailbox, password, intake, environ)
    try:
        imap = poller.connect()
        try:
            taken = poller.fetch(imap)
        finally:
            imap.logout()
    except MailboxError as error:
        raise click.ClickException(str(error)) from None
    except (OSError, imaplib.IMAP4.error) as error:
        raise click.ClickException(f"IMAP {mailbox.host}: {reason(error)}") from None
    counts = {verdict.value: 0 for verdict in Verdict}
    for one in taken:
        counts[one.verdict.value] += 1
    if as_json:
        echo_json(counts)
    else:
        click.echo(
            f"Recorded {counts['recorded']}; refused {counts['refused']}; "
            f"kept to try again {counts['retry']}."
        )
    if counts["retry"]:
        raise click.ClickException(
            "the ledger failed; the message was kept in the mailbox: run again later"
        )
