"""`plaint serve`: the ledger as an HTTP service (shared/HTTP.md)."""

from __future__ import annotations

import click

from commands.base import PlaintCommand, session
from commands.mail import Mail, host_and_port, mail_options, mail_settings
from ledger.domain.timeutil import Clock


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
    stop_mail = None
    if mail is not None:
        from service.mail.running import start_mail

        try:
            stop_mail = start_mail(
                app.state.served,
                (mail.member, mail.options.project, mail.options.severity,
                 mail.options.domain),
                mail.lmtp, mail.imap, environ,
            )  # fmt: skip
        except OSError as error:
            raise click.ClickException(
                f"cannot take mail: {error.strerror or error}"
            ) from None
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
