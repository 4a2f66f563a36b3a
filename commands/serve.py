"""`plaint serve`: the ledger as an HTTP service (shared/HTTP.md)."""

from __future__ import annotations

import click

from commands.base import PlaintCommand, session
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
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    public_url: str | None,
    forwarded_allow_ips: str | None,
    private_log: bool,
    checkpoint_every: float,
) -> None:
    """Serve the ledger over HTTP: the JSON API at /api/v1, sign-in at /login,
    the log as C2SP tlog-tiles at /log.

    The server process alone holds the master and signing keys; members sign
    in with a password, a token or single sign-on (PLAINT_OIDC_ISSUER,
    PLAINT_OIDC_CLIENT_ID, PLAINT_OIDC_CLIENT_SECRET; needs --public-url)
    and never handle them. Runs until stopped.

    \b
    Example:
      plaint serve --port 8000
      plaint serve --host 0.0.0.0 --public-url https://complaints.example.org \\
        --forwarded-allow-ips 10.0.0.5
    """
    current = session(ctx)
    run_server(
        current.ledger, current.environ, current.clock, host, port, public_url,
        forwarded_allow_ips, log_public=not private_log,
        checkpoint_every=checkpoint_every,
    )  # fmt: skip


def run_server(
    ledger: str | None,
    environ: dict[str, str],
    clock: Clock,
    host: str,
    port: int,
    public_url: str | None = None,
    forwarded_allow_ips: str | None = None,
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
        location, environ, clock, host=host, public_url=public_url,
        log_public=log_public, checkpoint_every=checkpoint_every,
    )  # fmt: skip
    app.state.served.ledger  # noqa: B018 - opened now: a missing ledger or key fails here
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    click.echo(f"Serving {location.display} at http://{host}:{port}", err=True)
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
