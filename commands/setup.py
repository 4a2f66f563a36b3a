"""`plaint init` and `plaint info`: create a ledger, and say where everything is."""

from __future__ import annotations

import click

from commands.base import PlaintCommand, echo_json, json_option, open_ledger, session


@click.command(cls=PlaintCommand)
@click.option("--admin", metavar="NAME", help="Who runs the ledger [default: you].")
@click.pass_context
def init(ctx: click.Context, admin: str | None) -> None:
    """Create a ledger, its master key and its signing key.

    The master key is written (mode 0600) outside the ledger, in your
    configuration directory, unless PLAINT_KEY_FILE or PLAINT_MASTER_KEY
    names it. Back it up separately: without it the ledger cannot be read.

    \b
    Example:
      plaint init --admin ann
      plaint --ledger /srv/plaint/ledger.sqlite init
    """
    from ledger.application import ComplaintLedger
    from ledger.storage.location import parse_location
    from projections.catchup import open_store

    current = session(ctx)
    location = parse_location(current.ledger, current.environ)
    ledger = ComplaintLedger.create(
        location,
        admin=admin or current.actor,
        environ=current.environ,
        clock=current.clock,
    )
    ctx.call_on_close(ledger.close)
    open_store(ledger)
    details = ledger.info()
    click.echo(f"Created a ledger at {details['ledger']}")
    click.echo(f"  admin        {admin or current.actor}")
    click.echo(f"  master key   {details['key_file']}")
    click.echo(f"  signing key  {details['signing_key_file']}")
    click.echo("Back up the master key separately: without it nothing can be read.")


@click.command(cls=PlaintCommand)
@json_option
@click.pass_context
def info(ctx: click.Context, as_json: bool) -> None:
    """Show the ledger's location, keys and size.

    \b
    Example:
      plaint info
      plaint info --json
    """
    details = open_ledger(ctx).info()
    if as_json:
        echo_json(details)
        return
    for name, value in details.items():
        shown = "-" if value is None else value
        click.echo(f"{name.replace('_', ' '):<17} {shown}")
