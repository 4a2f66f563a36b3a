"""`plaint checkpoint`, `verify` and `proof`: the ledger's tamper evidence."""

from __future__ import annotations

from pathlib import Path

import click

from commands.base import (
    PlaintCommand,
    PlaintGroup,
    echo_json,
    json_option,
    open_ledger,
    progress_bar,
)
from commands.output import output_file, write_output


@click.group(cls=PlaintGroup, invoke_without_command=True)
@json_option
@click.pass_context
def checkpoint(ctx: click.Context, as_json: bool) -> None:
    """Sign a checkpoint: a tree head over the whole event log.

    Write commands sign one by themselves once 1,000 events are unsigned.

    \b
    Example:
      plaint checkpoint
      plaint checkpoint export -o plaint-head.txt
    """
    if ctx.invoked_subcommand is not None:
        return
    signed = open_ledger(ctx).checkpoint()
    if as_json:
        echo_json(signed)
    else:
        click.echo(f"Checkpoint of {signed['size']} events, root {signed['root']}.")


@checkpoint.command("export")
@output_file("Write the note to this file [default: standard output].")
@click.pass_context
def export(ctx: click.Context, output: Path | None) -> None:
    """Write the latest checkpoint (a C2SP signed note) for safekeeping elsewhere.

    \b
    Example:
      plaint checkpoint export -o /mnt/offsite/plaint-head.txt
    """
    ledger = open_ledger(ctx)
    latest = ledger.latest_checkpoint()
    if latest is None:
        raise click.ClickException(
            "no checkpoint yet: sign one with `plaint checkpoint`"
        )
    if output is None:
        click.echo(latest["note"], nl=False)
    else:
        write_output(ledger, output, latest["note"])
        click.echo(f"Wrote the checkpoint of {latest['size']} events to {output}.")


@click.command(cls=PlaintCommand)
@click.option(
    "--against",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An exported checkpoint the log must still extend.",
)
@click.option(
    "--incremental",
    is_flag=True,
    help="Check only the events after the latest signed checkpoint.",
)
@json_option
@click.pass_context
def verify(
    ctx: click.Context, against: Path | None, incremental: bool, as_json: bool
) -> None:
    """Check the whole log: every event, every checkpoint and its signature.

    Exits 1 and names the first bad event when anything was altered. With
    --incremental, what the latest validly signed checkpoint covers is
    trusted (an earlier full verify checked it) and only newer events are
    checked: quick enough to run after every batch of work.

    \b
    Example:
      plaint verify
      plaint verify --against /mnt/offsite/plaint-head.txt --json
      plaint verify --incremental
    """
    ledger = open_ledger(ctx)
    note = None if against is None else against.read_text(encoding="utf-8")
    total = 0 if incremental else ledger.events_after(0)
    with progress_bar(total, "Verifying") as progress:
        verdict = ledger.verify(note, progress=progress, incremental=incremental)
    if as_json:
        echo_json(verdict)
    elif verdict["ok"]:
        click.echo(
            f"OK: {verdict['events']} events, {verdict['checkpoints']} checkpoints."
        )
    if not verdict["ok"]:
        bad = verdict["first_bad"]
        where = f"event {bad['seq']}" if bad["seq"] is not None else "the log"
        if bad["ref"]:
            where += f" ({bad['ref']})"
        raise click.ClickException(f"{where} failed verification: {bad['reason']}")


@click.command(cls=PlaintCommand)
@click.argument("ref")
@json_option
@click.pass_context
def proof(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Inclusion proofs of a complaint's events in the latest checkpoint.

    \b
    Example:
      plaint proof C-7 --json
    """
    proved = open_ledger(ctx).proof(ref)
    if as_json:
        echo_json(proved)
        return
    signed = proved["checkpoint"]
    click.echo(f"Checkpoint of {signed['size']} events, root {signed['root']}")
    for event in proved["events"]:
        click.echo(
            f"  event {event['seq']}: leaf {event['index']} {event['leaf_hash']} "
            f"({len(event['proof'])} proof hashes)"
        )
