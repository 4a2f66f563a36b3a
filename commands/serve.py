"""`plaint serve`: the ledger as an HTTP service (shared/HTTP.md)."""

from __future__ import annotations

from urllib.parse import urlsplit

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
@click.option(
    "--smtp",
    envvar="PLAINT_SMTP_URL",
    metavar="URL",
    help="Send the outbox over smtp://host:587 (STARTTLS) or smtps://host:465; "
    "needs --public-url [env PLAINT_SMTP_URL].",
)
@click.option(
    "--form-projects",
    envvar="PLAINT_FORM_PROJECTS",
    metavar="NAMES",
    help="Projects whose complaint form /p/NAME/new is open, comma-separated "
    "[env PLAINT_FORM_PROJECTS; default: every project with a complaint].",
)
@click.option(
    "--private-log",
    is_flag=True,
    envvar="PLAINT_PRIVATE_LOG",
    help="Serve the log's checkpoint and hash tiles to signed-in members only "
    "[env PLAINT_PRIVATE_LOG; default: public].",
)
@click.option(
    "--checkpoint-every",
    default=60.0,
    show_default=True,
    envvar="PLAINT_CHECKPOINT_EVERY",
    type=click.FloatRange(0.1, 3600),
    metavar="SECONDS",
    help="Sign a checkpoint this often while events are added, and send it to "
    "the witnesses [env PLAINT_CHECKPOINT_EVERY].",
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
    smtp: str | None,
    form_projects: str | None,
    private_log: bool,
    checkpoint_every: float,
) -> None:
    """Serve the ledger over HTTP: the JSON API at /api/v1, sign-in at /login,
    the log as C2SP tlog-tiles at /log.

    The server process alone holds the master and signing keys; members sign
    in with a password, a token or single sign-on (PLAINT_OIDC_ISSUER,
    PLAINT_OIDC_CLIENT_ID, PLAINT_OIDC_CLIENT_SECRET; needs --public-url)
    and never handle them. Runs until stopped.

    With --lmtp or --imap it takes in mail too, as the member given with
    --as (agent+): a customer's reply joins its complaint, other mail is
    filed on --mail-project as `plaint import` files an .eml.

    \b
    Customers file at /p/PROJECT/new and follow /s/… and /survey/… links;
    with --smtp the server mails them (user and password from
    PLAINT_SMTP_USER and PLAINT_SMTP_PASSWORD).

    \b
    Example:
      plaint serve --port 8000
      plaint serve --host 0.0.0.0 --public-url https://complaints.example.org \\
        --forwarded-allow-ips 10.0.0.5 --smtp smtp://mail.example.org:587
      plaint --as mailroom serve --lmtp 127.0.0.1:8024 --mail-project Apollo
    """
    current = session(ctx)
    # The mail sent out names the public host in its Message-IDs; replies
    # citing them join their complaint unless told another domain.
    public_host = urlsplit(public_url).hostname if public_url else None
    settings = mail_settings(
        mail_project,
        mail_severity,
        mail_domain or public_host or "",
        bool(lmtp or imap),
    )
    listen = None if lmtp is None else host_and_port(lmtp)
    run_server(
        current.ledger, current.environ, current.clock, host, port, public_url,
        forwarded_allow_ips, smtp, form_projects,
        mail=None if settings is None else Mail(settings, current.actor, listen, imap),
        log_public=not private_log, checkpoint_every=checkpoint_every,
    )  # fmt: skip


def run_server(
    ledger: str | None,
    environ: dict[str, str],
    clock: Clock,
    host: str,
    port: int,
    public_url: str | None = None,
    forwarded_allow_ips: str | None = None,
    smtp: str | None = None,
    form_projects: str | None = None,
    mail: Mail | None = None,
    *,
    log_public: bool = True,
    checkpoint_every: float | None = 60.0,
) -> None:
    """Open the ledger at `ledger` and serve it until stopped (also `demo --serve`)."""
    # Imported here: the web stack loads only for the service, never for
    # the other commands (tests/unit/test_help.py).
    import logging

    import uvicorn

    from ledger.storage.location import parse_location
    from service.app import create_app

    location = parse_location(ledger, environ)
    app = create_app(
        location, environ, clock, host=host, public_url=public_url, smtp=smtp,
        form_projects=form_projects, log_public=log_public,
        checkpoint_every=checkpoint_every,
    )  # fmt: skip
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
