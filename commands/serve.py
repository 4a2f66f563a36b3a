"""`plaint serve`: the ledger as an HTTP service (shared/HTTP.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from commands.base import PlaintCommand, session
from commands.mail import MailOptions, host_and_port, mail_options, mail_settings
from ledger.domain.timeutil import Clock

if TYPE_CHECKING:
    from service.served import Served


@click.command(cls=PlaintCommand)
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on.",
)
@click.option(
    "--public-url",
    envvar="PLAINT_PUBLIC_URL",
    metavar="URL",
    help="The address people reach it at (behind a TLS proxy) [env PLAINT_PUBLIC_URL].",
)
@click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    help="Proxies whose X-Forwarded-For to trust, comma-separated [default: none].",
)
@click.option(
    "--lmtp",
    metavar="HOST:PORT",
    help="Also take mail delivered over LMTP here (from the mail server).",
)
@click.option(
    "--imap",
    metavar="URL",
    help="Also take mail from this mailbox, imaps://user@host/INBOX (password "
    "in PLAINT_IMAP_PASSWORD).",
)
@mail_options
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    public_url: str | None,
    forwarded_allow_ips: str | None,
    lmtp: str | None,
    imap: str | None,
    mail_project: str | None,
    mail_severity: str,
    mail_domain: str,
) -> None:
    """Serve the ledger over HTTP: the JSON API at /api/v1, sign-in at /login.

    The server process alone holds the master and signing keys; members sign
    in with a password, a token or single sign-on (PLAINT_OIDC_ISSUER,
    PLAINT_OIDC_CLIENT_ID, PLAINT_OIDC_CLIENT_SECRET; needs --public-url)
    and never handle them. Runs until stopped.

    With --lmtp or --imap it takes in mail too, as the member given with
    --as (agent+): a customer's reply joins its complaint, other mail is
    filed on --mail-project as `plaint import` files an .eml.

    \b
    Example:
      plaint serve --port 8000
      plaint serve --host 0.0.0.0 --public-url https://complaints.example.org \\
        --forwarded-allow-ips 10.0.0.5
      plaint --as mailroom serve --lmtp 127.0.0.1:8024 --mail-project Apollo
    """
    current = session(ctx)
    settings = mail_settings(
        mail_project, mail_severity, mail_domain, bool(lmtp or imap)
    )
    listen = None if lmtp is None else host_and_port(lmtp)
    run_server(
        current.ledger, current.environ, current.clock, host, port, public_url,
        forwarded_allow_ips,
        mail=None if settings is None else Mail(settings, current.actor, listen, imap),
    )  # fmt: skip


@dataclass(frozen=True)
class Mail:
    """The mail a server takes in, and as whom."""

    options: MailOptions
    member: str
    lmtp: tuple[str, int] | None
    imap: str | None


def run_server(
    ledger: str | None,
    environ: dict[str, str],
    clock: Clock,
    host: str,
    port: int,
    public_url: str | None = None,
    forwarded_allow_ips: str | None = None,
    mail: Mail | None = None,
) -> None:
    """Open the ledger at `ledger` and serve it until stopped (also `demo --serve`)."""
    # Imported here: the web stack loads only for the service, never for
    # the other commands (tests/unit/test_help.py).
    import logging

    import uvicorn

    from ledger.storage.location import parse_location
    from service.app import create_app

    location = parse_location(ledger, environ)
    app = create_app(location, environ, clock, host=host, public_url=public_url)
    app.state.served.ledger  # noqa: B018 - opened now: a missing ledger or key fails here
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    stop_mail = None if mail is None else start_mail(app.state.served, mail, environ)
    click.echo(f"Serving {location.display} at http://{host}:{port}", err=True)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            access_log=False,
            proxy_headers=forwarded_allow_ips is not None,
            forwarded_allow_ips=forwarded_allow_ips,
            server_header=False,
            log_config=None,
        )
    finally:
        if stop_mail is not None:
            stop_mail()


def start_mail(
    served: Served, mail: Mail, environ: dict[str, str]
) -> Callable[[], None]:
    """Start the LMTP listener and the IMAP poller `mail` asks for, beside the
    web server and on its ledger; return what stops them."""
    import threading
    from functools import partial

    from ledger.domain.identity import Identity
    from service.mail.intake import MailIntake

    intake = MailIntake(
        partial(served.acting, Identity(mail.member)),
        mail.options.project, mail.options.severity, mail.options.domain,
    )  # fmt: skip
    intake.check()
    stops: list[Callable[[], None]] = []
    if mail.imap is not None:
        from service.mail.imap import Mailbox, Poller, imap_password

        poller = Poller(
            Mailbox.parse(mail.imap), imap_password(environ), intake, environ
        )
        stop = threading.Event()
        threading.Thread(
            target=poller.run, args=(stop,), name="plaint-imap", daemon=True
        ).start()
        stops.append(stop.set)
        click.echo(f"Taking mail from {mail.imap}", err=True)
    if mail.lmtp is not None:
        from service.mail.lmtp import start_lmtp

        host, port = mail.lmtp
        try:
            controller = start_lmtp(intake, host, port)
        except OSError as error:
            raise click.ClickException(
                f"cannot listen for LMTP on {host}:{port}: {error.strerror}"
            ) from None
        stops.append(controller.stop)
        click.echo(f"Taking mail over LMTP at {host}:{port}", err=True)

    def stop_all() -> None:
        for stop in stops:
            stop()

    return stop_all
