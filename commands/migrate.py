"""`plaint migrate-storage`: copy a ledger between SQLite and PostgreSQL."""

from __future__ import annotations

import click

from commands.base import PlaintCommand, open_ledger, progress_bar, session


@click.command("migrate-storage", cls=PlaintCommand)
@click.option(
    "--from",
    "source",
    metavar="LOCATION",
    required=True,
    help="The ledger to copy: a SQLite file or postgresql:// URL.",
)
@click.option(
    "--to",
    "target",
    metavar="LOCATION",
    required=True,
    help="An empty database (or new SQLite file) to copy it into.",
)
@click.pass_context
def migrate_storage(ctx: click.Context, source: str, target: str) -> None:
    """Copy a ledger, as stored, into another database, and verify the copy (admin).

    Nothing is decrypted or re-encrypted; the copy uses the same master key
    and must have the same Merkle root. Views rebuild on first use.

    \b
    Example:
      plaint migrate-storage --from ~/.local/share/plaint/ledger.sqlite \\
        --to "postgresql://plaint@db.internal:5432/plaint?schema=support"
    """  # fmt: skip
    from ledger.cases.migration import migrate
    from ledger.storage.location import parse_location

    current = session(ctx)
    current.ledger = source
    ledger = open_ledger(ctx)
    destination = parse_location(target, current.environ)
    with progress_bar(ledger.events_after(0), "Copying events") as progress:
        done = migrate(ledger, destination, progress)
    click.echo(
        f"Copied {done['events']} events and {done['checkpoints']} checkpoints to "
        f"{done['target']}; the copy verifies with the same root {done['root']}."
    )
