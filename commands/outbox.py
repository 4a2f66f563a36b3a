"""`plaint outbox …`: the mail waiting to go to customers, and sending it."""

from __future__ import annotations

from typing import Any

import click

from commands.base import PlaintGroup, echo_json, json_option, open_ledger, session
from ledger.domain.vocabulary import WORKERS, ReadAction


@click.group(cls=PlaintGroup, invoke_without_command=True)
@json_option
@click.pass_context
def outbox(ctx: click.Context, as_json: bool) -> None:
    """List the mail to customers that is pending or was given up.

    Each message (acknowledgement, reply, resolution, survey invitation) is
    queued in the ledger first; `plaint serve --smtp` sends it, or
    `plaint outbox send` from cron. Recipients and texts are never listed.

    \b
    Example:
      plaint outbox
      plaint outbox --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from projections.catchup import catch_up, open_store
    from projections.outbox import listing

    ledger = open_ledger(ctx)
    ledger.authorise_read(ReadAction.LIST)
    store = open_store(ledger)
    catch_up(ledger, store)
    rows = listing(ledger, store, ledger.clock())
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Nothing waits in the outbox.")
    for row in rows:
        click.echo(describe(row))


def describe(row: dict[str, Any]) -> str:
    """One message as a line: reference, purpose, state, attempts, when next."""
    line = f"{row['ref']:<8} {row['purpose']:<10} {row['state']:<8}"
    line += f" {row['attempts']} failed attempt{'' if row['attempts'] == 1 else 's'}"
    if row["state"] == "pending":
        line += f", next {row['next_attempt']}"
    if row["last_error"]:
        line += f" (last: {row['last_error']})"
    return line


@outbox.command("send")
@click.option(
    "--smtp",
    envvar="PLAINT_SMTP_URL",
    metavar="URL",
    required=True,
    help="smtp://host:587 (STARTTLS) or smtps://host:465 [env PLAINT_SMTP_URL].",
)
@click.option(
    "--public-url",
    envvar="PLAINT_PUBLIC_URL",
    metavar="URL",
    help="Where the links in the mail point [env PLAINT_PUBLIC_URL].",
)
@click.pass_context
def send(ctx: click.Context, smtp: str, public_url: str | None) -> None:
    """Send the mail that is due, once each; failures wait for a retry (agent+).

    The user and password come from PLAINT_SMTP_USER and PLAINT_SMTP_PASSWORD.
    Safe beside running servers and other senders: each message is claimed
    before it is sent.

    \b
    Example:
      */5 * * * * PLAINT_ACTOR=bob plaint outbox send \\
        --smtp smtp://mail.example.org:587 --public-url https://complaints.example.org
    """
    from ledger.mail.compose import mail_settings
    from ledger.mail.outbox import retry_base
    from ledger.mail.sending import send_due
    from ledger.mail.smtp import SmtpTransport, smtp_settings
    from projections.catchup import catch_up, open_store
    from projections.outbox import due

    environ = session(ctx).environ
    transport = SmtpTransport(smtp_settings(smtp, environ))
    retry_base(environ)  # a bad setting refused before anything is sent
    settings = mail_settings(public_url, environ)
    ledger = open_ledger(ctx)
    ledger.require_role(WORKERS, "send the outbox")
    store = open_store(ledger)
    catch_up(ledger, store)
    rows = due(store, ledger.clock())
    counts = send_due(
        lambda case: case(ledger), rows, transport, settings, ledger.clock
    )
    click.echo(
        f"Sent {counts['sent']}; {counts['retry']} will be tried again; "
        f"{counts['failed']} given up."
    )
