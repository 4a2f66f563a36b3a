"""`plaint log export`: the log as a static C2SP tlog-tiles tree."""

from __future__ import annotations

from pathlib import Path

import click

from commands.base import PlaintGroup, open_ledger
from ledger.errors import StorageFailure


@click.group(cls=PlaintGroup)
def log() -> None:
    """The event log as C2SP tlog-tiles, as `plaint serve` publishes it at /log.

    \b
    Example:
      plaint log export /srv/www/plaint-log
    """


@log.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--hashes-only",
    is_flag=True,
    help="Leave out the entry bundles (the sealed events): any member may.",
)
@click.pass_context
def export(ctx: click.Context, directory: Path, hashes_only: bool) -> None:
    """Write the latest checkpoint, its tiles and entry bundles to DIRECTORY,
    for any static web server (entry bundles: auditor or compliance).

    \b
    Example:
      plaint log export /srv/www/plaint-log
      plaint log export --hashes-only /srv/www/plaint-log
    """
    ledger = open_ledger(ctx)
    written = 0
    try:
        for path, data in ledger.log_files(entries=not hashes_only):
            target = directory / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            written += 1
    except OSError as error:
        raise StorageFailure(f"cannot write {directory}: {error.strerror}") from None
    click.echo(f"Wrote {written} files to {directory}.")
