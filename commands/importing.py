"""`plaint import`: bulk intake from CSV, JSON Lines, .eml files and mbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from commands.base import (
    SEVERITY,
    PlaintCommand,
    echo_json,
    json_option,
    open_ledger,
    progress_of,
)
from ledger.domain.vocabulary import IMPORT_FORMATS

if TYPE_CHECKING:
    from ledger.sources.records import Record


@click.command("import", cls=PlaintCommand)
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(IMPORT_FORMATS),
    help="Instead of guessing from the extension.",
)
@click.option(
    "--project", help="The project of records that name none (required for email)."
)
@click.option(
    "--severity",
    type=SEVERITY,
    help="The severity of records that name none [email: mild].",
)
@click.option(
    "--skip-invalid",
    is_flag=True,
    help="Import the valid records even if some are invalid.",
)
@click.option("--dry-run", is_flag=True, help="Check and count; record nothing.")
@json_option
@click.pass_context
def import_files(
    ctx: click.Context,
    files: tuple[Path, ...],
    fmt: str | None,
    project: str | None,
    severity: str | None,
    skip_invalid: bool,
    dry_run: bool,
    as_json: bool,
) -> None:
    """Import complaints from files; importing the same records again adds nothing.

    Every record is checked before anything is written: by default one
    invalid record stops the import (exit 1) and nothing is recorded. CSV and
    JSON Lines take the `plaint file` options as columns or keys
    (received_at required); email takes From, Subject, Date, Message-ID and
    the text body. A directory of .eml files is read whole. See the README.

    \b
    Example:
      plaint import calls.csv --project Apollo
      plaint import inbox.mbox --project Apollo --severity moderate --dry-run
      plaint import web-form.jsonl --skip-invalid --json
    """
    # Imported here: the email parser is slow to load, and `--help` needs none.
    from ledger.sources.records import Defaults, read_source

    defaults = Defaults(project=project, severity=severity)
    named = len(files) > 1

    def read() -> Iterator[Record]:
        for path in files:
            for record in read_source(path, fmt, defaults):
                yield (
                    replace(record, where=f"{path.name} {record.where}")
                    if named
                    else record
                )

    ledger = open_ledger(ctx)
    with progress_of("Importing") as progress:
        # plaint's entry point is safe for the workers to import.
        done = ledger.import_records(
            read,
            skip_invalid=skip_invalid,
            dry_run=dry_run,
            progress=progress,
            workers=True,
        )
    if as_json:
        echo_json(done)
    else:
        verb = "would import" if dry_run else "imported"
        click.echo(
            f"{verb.capitalize()} {done['imported']}; skipped {done['skipped']} "
            f"already imported; rejected {len(done['rejected'])}."
        )
        for rejection in done["rejected"]:
            click.echo(f"  {rejection['where']}: {rejection['reason']}")
    if done["rejected"] and not skip_invalid:
        count = len(done["rejected"])
        raise click.ClickException(
            f"{count} {'record is' if count == 1 else 'records are'} invalid, so "
            "nothing was imported: fix them, or import the valid ones with "
            "--skip-invalid"
        )
